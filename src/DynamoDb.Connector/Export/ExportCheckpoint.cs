using System.Security.Cryptography;
using System.Text;
using DynamoDb.Connector.Checkpoints;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Reading;

namespace DynamoDb.Connector.Export;

/// <summary>The checkpoint's job document: what the export reads and writes, fixed for the export's life.</summary>
internal sealed class ExportCheckpointJob
{
    /// <summary>2: one record per split (names known from the plan); 1 kept a list of part records.</summary>
    public const int CurrentVersion = 2;

    public int Version { get; init; } = CurrentVersion;

    public required ExportPlan Plan { get; init; }

    public required string Destination { get; init; }

    public required ExportLayout Layout { get; init; }

    public required ItemFileFormat Format { get; init; }

    public required CompressionKind Compression { get; init; }

    /// <summary>Items per part file (fixed, so every segment of a fanned-out export rotates alike).</summary>
    public int ItemsPerFile { get; init; } = ExportOptions.DefaultItemsPerFile;

    /// <summary>The native layout's export id (the folder under <c>AWSDynamoDB/</c>); null for the EMR layout.</summary>
    public string? ExportId { get; init; }

    public required DateTimeOffset StartTime { get; init; }

    /// <summary>The table's ARN and id when the export started (the native summary records them).</summary>
    public string? TableArn { get; init; }

    public string? TableId { get; init; }

    /// <summary>
    /// This export's identity, random at its start: segment documents carry it (a checkpoint of another export is
    /// refused), and part names derive from it, so a part written again after a crash replaces the earlier one.
    /// </summary>
    public string Fingerprint { get; init; } = "";

    /// <summary>A new random fingerprint.</summary>
    public static string NewFingerprint() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>
    /// The name of part <paramref name="index"/> of split <paramref name="split"/>: the same every time it is written,
    /// so that a part committed by a run that died before recording it is replaced, not added to, when written again.
    /// </summary>
    public Guid PartId(int split, int index)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{Fingerprint}/{split}/{index}"), hash);
        return new Guid(hash[..16]);
    }
}

/// <summary>One split's record, replaced each time the split commits a part (or ends): its position and its committed parts.</summary>
internal sealed class ExportSplitRecord
{
    public required TableSplitPosition Position { get; init; }

    public List<ExportPartFile> Files { get; init; } = [];
}

/// <summary>What the checkpoint says was done: the committed files and each split's latest position.</summary>
internal sealed class ExportCheckpointState
{
    private readonly Dictionary<int, ExportSplitRecord> _records;

    public ExportCheckpointState(ExportCheckpointJob? job, Dictionary<int, ExportSplitRecord> records)
    {
        Job = job;
        _records = records;
        Files = [.. records.Values.SelectMany(r => r.Files).OrderBy(f => f.Name, StringComparer.Ordinal)];
        Positions = records.ToDictionary(r => r.Key, r => r.Value.Position);
    }

    /// <summary>Split records that could not be read (cut short) and were deleted; their splits are read again from the start.</summary>
    public int UnreadableRecords { get; init; }

    /// <summary>The job document, or null when no export was started here.</summary>
    public ExportCheckpointJob? Job { get; }

    /// <summary>Files committed and recorded, by name.</summary>
    public List<ExportPartFile> Files { get; }

    /// <summary>Each recorded split's latest position.</summary>
    public Dictionary<int, TableSplitPosition> Positions { get; }

    /// <summary>The record <paramref name="split"/> resumes from (its start when none).</summary>
    public ExportSplitRecord RecordOf(int split) => _records.GetValueOrDefault(split) ?? new ExportSplitRecord { Position = TableSplitPosition.Start(split) };

    /// <summary>The position <paramref name="split"/> resumes from.</summary>
    public TableSplitPosition PositionOf(int split) => RecordOf(split).Position;
}

/// <summary>
/// The export's checkpoint in an <see cref="ICheckpointStore"/>: a job document (<c>export</c>) and one record per
/// split (<c>splits/000003</c>), each replaced atomically by the one flow that runs the split. The names are known
/// from the plan, so nothing is ever listed.
/// </summary>
/// <param name="store">Where the checkpoint lives.</param>
/// <param name="folders">The store when it is the connector's own folder store (its empty folders are removed with the checkpoint); null for a host's store.</param>
/// <param name="ownsRoot">Whether the checkpoint's folder is the export's own (<c>_checkpoint/</c> in the destination), removed with it when empty.</param>
internal sealed class ExportCheckpoint(ICheckpointStore store, CheckpointStore? folders = null, bool ownsRoot = false)
{
    internal const string JobName = "export";
    internal const string SplitsFolder = "splits";
    private const int ParallelReads = 16;

    /// <summary>Where the checkpoint lives.</summary>
    public string RootUri => store.Location;

    /// <summary>The document name of split <paramref name="split"/>'s record.</summary>
    public static string SplitName(int split) => $"{SplitsFolder}/{split:D6}";

    /// <summary>Reads the job document only (null when there is none).</summary>
    public Task<ExportCheckpointJob?> LoadJobAsync(CancellationToken cancellationToken) => store.ReadAsync<ExportCheckpointJob>(JobName, cancellationToken);

    /// <summary>Reads the job document and every split's record.</summary>
    public async Task<ExportCheckpointState> LoadAsync(CancellationToken cancellationToken)
    {
        var job = await LoadJobAsync(cancellationToken).ConfigureAwait(false);
        var records = new Dictionary<int, ExportSplitRecord>();
        int unreadable = 0;
        if (job is not null && job.Version == ExportCheckpointJob.CurrentVersion)
        {
            var found = new ExportSplitRecord?[job.Plan.SplitCount];
            var broken = new bool[found.Length];
            await Parallel.ForEachAsync(Enumerable.Range(0, found.Length), new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = cancellationToken }, async (split, token) =>
            {
                try
                {
                    found[split] = await LoadSplitAsync(split, token).ConfigureAwait(false);
                }
                catch (InvalidDataException)
                {
                    broken[split] = true;
                }
            }).ConfigureAwait(false);
            for (int split = 0; split < found.Length; split++)
            {
                if (broken[split])
                {
                    // A record cut short (a store that is not atomic, killed mid-write) records nothing: the split is
                    // read again from its start, and its parts, unrecorded now, are orphans deleted or replaced.
                    await store.DeleteAsync(SplitName(split), cancellationToken).ConfigureAwait(false);
                    unreadable++;
                }
                else if (found[split] is { } record)
                {
                    records[split] = record;
                }
            }
        }
        return new ExportCheckpointState(job, records) { UnreadableRecords = unreadable };
    }

    /// <summary>Reads split <paramref name="split"/>'s record, or null when it has none.</summary>
    /// <exception cref="InvalidDataException">The record is not readable, or is of another split.</exception>
    public async Task<ExportSplitRecord?> LoadSplitAsync(int split, CancellationToken cancellationToken)
    {
        var record = await store.ReadAsync<ExportSplitRecord>(SplitName(split), cancellationToken).ConfigureAwait(false);
        if (record is not null && (record.Position is null || record.Position.Split != split))
        {
            throw new InvalidDataException($"Checkpoint {RootUri}/{SplitName(split)} is not the record of split {split}.");
        }
        return record;
    }

    /// <summary>Writes the job document (at the start of a new export).</summary>
    public Task WriteJobAsync(ExportCheckpointJob job, CancellationToken cancellationToken) =>
        store.WriteAsync(JobName, job, cancellationToken);

    /// <summary>Replaces the record of the split <paramref name="record"/> is of.</summary>
    public Task RecordAsync(ExportSplitRecord record, CancellationToken cancellationToken) =>
        store.WriteAsync(SplitName(record.Position.Split), record, cancellationToken);

    /// <summary>Deletes every split's record and then the job document (the export is complete; its manifest now says what it holds).</summary>
    public async Task DeleteAsync(CancellationToken cancellationToken)
    {
        if (await LoadJobAsync(cancellationToken).ConfigureAwait(false) is { } job)
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, job.Plan.SplitCount), new ParallelOptions { MaxDegreeOfParallelism = ParallelReads, CancellationToken = cancellationToken },
                async (split, token) => await store.DeleteAsync(SplitName(split), token).ConfigureAwait(false)).ConfigureAwait(false);
        }
        await store.DeleteAsync(JobName, cancellationToken).ConfigureAwait(false);
        if (folders is not null)
        {
            await folders.RemoveFolderIfEmptyAsync(SplitsFolder, cancellationToken).ConfigureAwait(false);
            if (ownsRoot) await folders.RemoveFolderIfEmptyAsync("", cancellationToken).ConfigureAwait(false);
        }
    }
}
