using System.Text.Json;
using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Storage;
using DynamoDb.Connector.Telemetry;
using Microsoft.Extensions.Logging;

namespace DynamoDb.Connector.Checkpoints;

/// <summary>
/// Another job holds the lease on a checkpoint location or an export destination: two imports with one checkpoint,
/// or two exports into one destination, would write over each other's progress and files. Wait for it to finish, or,
/// if it was killed, for its lease to expire (<see cref="ExpiresAt"/>); the next run then takes the lease over.
/// </summary>
public sealed class LeaseHeldException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public LeaseHeldException(string leaseUri, string holder, DateTimeOffset expiresAt)
        : base($"{Locations(leaseUri)} is in use by another job: {holder} holds its lease {leaseUri} until {expiresAt:u} (renewed while that job runs). " +
            "Wait for it to finish, or use another location; a lease left by a killed job expires by itself, and the next run takes it over.")
    {
        LeaseUri = leaseUri;
        Holder = holder;
        ExpiresAt = expiresAt;
    }

    /// <summary>The lease object.</summary>
    public string LeaseUri { get; }

    /// <summary>Who holds it: host, process id and the job's token.</summary>
    public string Holder { get; }

    /// <summary>When it expires unless its holder renews it.</summary>
    public DateTimeOffset ExpiresAt { get; }

    private static string Locations(string leaseUri) => ObjectUri.Parent(leaseUri);
}

/// <summary>
/// One job's hold on a location (an import's checkpoint folder, an export's destination): a small object next to it
/// naming the owner and an expiry, renewed every <see cref="RenewEvery"/> while the job runs and deleted when it ends.
/// A second job finds it and refuses with a <see cref="LeaseHeldException"/>; a lease past its expiry (its job was
/// killed) is taken over, and so is one whose holder ran on this host and is gone (its process exited).
/// </summary>
/// <remarks>
/// <para>Local disk: the lease file is created exclusively (<see cref="FileMode.CreateNew"/>), so of two jobs exactly
/// one creates it. A stale one is renamed aside first (a rename succeeds for one job only), checked to be the stale
/// one read, and deleted.</para>
/// <para>S3 and other stores: s3rver ignores <c>If-None-Match</c> on PutObject, so conditional writes cannot be
/// relied on and tested here. Instead a read-after-write token scheme, sound on a strongly consistent store (S3 is):
/// read the lease (refuse if another live one is there), write one with a fresh random token, wait
/// <see cref="Settle"/>, and read it back: only the job whose token is still there holds the lease; the others
/// refuse. Two jobs both believe they hold it only if one's read-to-write gap exceeds <see cref="Settle"/>.</para>
/// </remarks>
internal sealed class JobLease : IAsyncDisposable
{
    /// <summary>The export destination's lease, in the destination (skipped by import listings, like every <c>_</c> name).</summary>
    internal const string ExportLeaseName = "_export-lease.json";

    /// <summary>The import checkpoint's lease, in the checkpoint folder.</summary>
    internal const string ImportLeaseName = "_import-lease.json";

    /// <summary>How long a lease lasts without renewal: what a killed job makes the next one wait at most.</summary>
    internal static readonly TimeSpan Duration = TimeSpan.FromSeconds(60);

    /// <summary>How often a running job renews its lease: three times per <see cref="Duration"/>, so one slow renewal does not lose it.</summary>
    internal static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(20);

    /// <summary>How long the token scheme waits between writing its lease and reading it back.</summary>
    internal static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);

    private readonly IObjectStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private LeaseDocument _document;
    private Task _renewing = Task.CompletedTask;

    private JobLease(IObjectStore store, string uri, LeaseDocument document, TimeProvider time, ILogger logger)
    {
        _store = store;
        Uri = uri;
        _document = document;
        _time = time;
        _logger = logger;
    }

    /// <summary>The lease object.</summary>
    public string Uri { get; }

    /// <summary>Whether another job took the lease over while this one ran (it could not renew in time).</summary>
    public bool Lost { get; private set; }

    /// <summary>Takes the lease <paramref name="leaseName"/> in <paramref name="folderUri"/>, and renews it until disposed.</summary>
    /// <param name="stores">The stores; the lease goes where <paramref name="folderUri"/> is.</param>
    /// <param name="folderUri">The location leased: the checkpoint folder or the export destination.</param>
    /// <param name="leaseName">The lease object's name in it.</param>
    /// <param name="purpose">What the job is, recorded in the lease for whoever finds it.</param>
    /// <param name="time">The clock of the expiry and the renewals.</param>
    /// <param name="logger">Where taking over and losing the lease are logged.</param>
    /// <param name="tracker">Counts the token scheme's wait, for tests on a fake clock; null waits on <paramref name="time"/> alone.</param>
    /// <param name="cancellationToken">Cancels taking the lease.</param>
    /// <exception cref="LeaseHeldException">Another job holds a lease there that has not expired.</exception>
    public static async Task<JobLease> AcquireAsync(ObjectStores stores, string folderUri, string leaseName, string purpose, TimeProvider time, ILogger logger,
        WorkTracker? tracker, CancellationToken cancellationToken)
    {
        string uri = ObjectUri.Combine(folderUri, leaseName);
        var store = stores.For(uri);
        var now = time.GetUtcNow();
        var mine = LeaseDocument.ForThisProcess(purpose, now, Duration);
        if (ObjectUri.KindOf(uri) == ObjectUriKind.Local)
        {
            await SyncTasks.Run(() => { AcquireLocal(uri, mine, time, logger); return true; }, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            if (await ReadAsync(store, uri, cancellationToken).ConfigureAwait(false) is { } held)
            {
                if (held.StandsAt(time.GetUtcNow())) throw new LeaseHeldException(uri, held.Holder, held.ExpiresAt);
                Log.LeaseTakenOver(logger, uri, held.Holder, held.ExpiresAt, mine.Holder);
            }
            await WriteAsync(store, uri, mine, cancellationToken).ConfigureAwait(false);
            await (tracker?.DelayAsync(Settle, time, cancellationToken) ?? Task.Delay(Settle, time, cancellationToken)).ConfigureAwait(false);
            var after = await ReadAsync(store, uri, cancellationToken).ConfigureAwait(false);
            if (after?.Token != mine.Token)
            {
                // Another job wrote after this one: it holds the lease (or, with no lease left, whoever comes next).
                throw new LeaseHeldException(uri, after?.Holder ?? "another job", after?.ExpiresAt ?? time.GetUtcNow() + Duration);
            }
        }
        Log.LeaseTaken(logger, uri, mine.Holder, mine.ExpiresAt);
        var lease = new JobLease(store, uri, mine, time, logger);
        lease._renewing = lease.RenewAsync();
        return lease;
    }

    /// <summary>Stops renewing and deletes the lease, if it is still this job's.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _renewing.ConfigureAwait(false);
        _stop.Dispose();
        try
        {
            if (await ReadAsync(_store, Uri, CancellationToken.None).ConfigureAwait(false) is { } held && held.Token == _document.Token)
            {
                await _store.DeleteAsync(Uri, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Amazon.Runtime.AmazonServiceException)
        {
            // Releasing often runs while an error is on its way out: a lease left behind only expires by itself.
            Log.LeaseRenewFailed(_logger, Uri, $"release failed: {ex.Message}", ex);
        }
    }

    private async Task RenewAsync()
    {
        using var timer = new PeriodicTimer(RenewEvery, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                try
                {
                    var held = await ReadAsync(_store, Uri, _stop.Token).ConfigureAwait(false);
                    if (held is not null && held.Token != _document.Token)
                    {
                        Lost = true;
                        Log.LeaseLost(_logger, Uri, held.Holder, _document.Holder);
                        return;
                    }
                    var renewed = _document with { ExpiresAt = _time.GetUtcNow() + Duration };
                    await WriteAsync(_store, Uri, renewed, _stop.Token).ConfigureAwait(false);
                    _document = renewed;
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Amazon.Runtime.AmazonServiceException or InvalidDataException)
                {
                    Log.LeaseRenewFailed(_logger, Uri, ex.Message, ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The job is over.
        }
    }

    /// <summary>Creates the lease file exclusively; a stale one is moved aside (one job wins the move) and deleted first.</summary>
    private static void AcquireLocal(string uri, LeaseDocument mine, TimeProvider time, ILogger logger)
    {
        string path = Path.GetFullPath(ObjectUri.ToLocalPath(uri));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
                JsonSerializer.Serialize(file, mine, CheckpointJsonContext.Default.LeaseDocument);
                file.Flush(flushToDisk: true);
                return;
            }
            catch (IOException) when (File.Exists(path) && attempt < 3)
            {
                // Held, or stale: read on.
            }
            var held = ReadLocal(path, time);
            if (held is null) continue; // released meanwhile
            if (held.StandsAt(time.GetUtcNow())) throw new LeaseHeldException(uri, held.Holder, held.ExpiresAt);
            string aside = $"{path}.stale-{Guid.NewGuid():N}";
            try
            {
                File.Move(path, aside);
            }
            catch (FileNotFoundException)
            {
                continue; // another job moved it first
            }
            if (ReadLocal(aside, time) is { } moved && moved.Token != held.Token)
            {
                // Another job took the stale lease over between the read and the move: give its lease back.
                try { File.Move(aside, path); } catch (IOException) { File.Delete(aside); }
                throw new LeaseHeldException(uri, moved.Holder, moved.ExpiresAt);
            }
            File.Delete(aside);
            Log.LeaseTakenOver(logger, uri, held.Holder, held.ExpiresAt, mine.Holder);
        }
    }

    /// <summary>The lease at <paramref name="path"/>; a file cut short (its writer was killed) counts as held until it is <see cref="Duration"/> old.</summary>
    private static LeaseDocument? ReadLocal(string path, TimeProvider time)
    {
        try
        {
            var bytes = File.ReadAllBytes(path);
            return Parse(bytes) ?? Unreadable(File.GetLastWriteTimeUtc(path));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    private static LeaseDocument Unreadable(DateTime writtenUtc) =>
        new("an unknown job (its lease file is unreadable)", "unreadable", "", writtenUtc, new DateTimeOffset(writtenUtc, TimeSpan.Zero) + Duration);

    private static LeaseDocument? Parse(byte[] bytes)
    {
        try
        {
            return bytes.Length == 0 ? null : JsonSerializer.Deserialize(bytes, CheckpointJsonContext.Default.LeaseDocument);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<LeaseDocument?> ReadAsync(IObjectStore store, string uri, CancellationToken cancellationToken)
    {
        if (await store.GetInfoAsync(uri, cancellationToken).ConfigureAwait(false) is not { } info) return null;
        using var buffer = new MemoryStream();
        try
        {
            var stream = await store.OpenReadAsync(uri, cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        return Parse(buffer.ToArray()) ?? Unreadable((info.LastModified ?? DateTimeOffset.UnixEpoch).UtcDateTime);
    }

    private static async Task WriteAsync(IObjectStore store, string uri, LeaseDocument document, CancellationToken cancellationToken)
    {
        var writer = await store.CreateAsync(uri, cancellationToken).ConfigureAwait(false);
        await using (writer.ConfigureAwait(false))
        {
            await JsonSerializer.SerializeAsync(writer.Stream, document, CheckpointJsonContext.Default.LeaseDocument, cancellationToken).ConfigureAwait(false);
            await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
