using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Manifests;
using DynamoDb.Connector.Storage;

namespace DynamoDb.Connector.Export;

/// <summary>
/// One export's output in one destination, from <see cref="ExportManifestOutputFormat.Open"/>: part files go into the
/// data folder under random names, each written under a temporary name and invisible until
/// <see cref="CommitAsync"/> (the object store commits atomically); the manifest is written last
/// (<see cref="WriteManifestAsync(CancellationToken)"/>), so a manifest exists only for a complete export. Before a
/// run, <see cref="CleanAsync"/> deletes what an earlier failed run left (part files no checkpoint records, the
/// store's temporary files). Layouts: <see cref="ExportLayout.Emr"/> (part files and <c>manifest</c> in the
/// destination) and <see cref="ExportLayout.Native"/> (<c>AWSDynamoDB/&lt;ExportId&gt;/</c> with <c>data/</c>,
/// <c>manifest-files.json</c> and <c>manifest-summary.json</c> last). Thread-safe: parts may be written and committed
/// from several flows at once.
/// </summary>
public sealed partial class ExportOutput
{
    private readonly IObjectStore _store;
    private readonly ExportOutputOptions _options;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _startTime;
    private readonly Lock _lock = new();
    private readonly List<ExportPartFile> _files = [];

    internal ExportOutput(IObjectStore store, ExportOutputOptions options, TimeProvider timeProvider)
    {
        _store = store;
        _options = options;
        _time = timeProvider;
        _startTime = options.StartTime ?? timeProvider.GetUtcNow();
        Destination = ObjectUri.AsDirectory(options.Destination);
        if (options.Layout == ExportLayout.Native)
        {
            ExportId = options.ExportId ?? ExportManifestOutputFormat.NewExportId(_startTime);
            ExportDirectory = ObjectUri.AsDirectory(ObjectUri.Combine(Destination, $"{ExportManifestOutputFormat.NativeRoot}/{ExportId}"));
            DataDirectory = ObjectUri.Combine(ExportDirectory, "data/");
            ManifestUri = ObjectUri.Combine(ExportDirectory, NativeExport.SummaryFileName);
        }
        else
        {
            ExportDirectory = DataDirectory = Destination;
            ManifestUri = ObjectUri.Combine(Destination, ExportManifest.FileName);
        }
    }

    /// <summary>The native layout's export id (the folder under <c>AWSDynamoDB/</c>); null for the EMR layout.</summary>
    public string? ExportId { get; }

    /// <summary>The files committed through this output, and the recorded ones <see cref="CleanAsync"/> kept: what the manifest will list.</summary>
    public IReadOnlyList<ExportPartFile> Files
    {
        get { lock (_lock) return [.. _files]; }
    }

    /// <summary>The destination as a directory uri.</summary>
    public string Destination { get; }

    /// <summary>The export's own folder: the destination (EMR layout) or <c>AWSDynamoDB/&lt;ExportId&gt;/</c> in it (native).</summary>
    public string ExportDirectory { get; }

    /// <summary>Where part files go.</summary>
    public string DataDirectory { get; }

    /// <summary>The file written last: <c>manifest</c> (EMR layout) or <c>manifest-summary.json</c> (native).</summary>
    public string ManifestUri { get; }

    /// <summary>Whether a complete export (its manifest) is already in the destination.</summary>
    public async Task<bool> IsCompleteAsync(CancellationToken cancellationToken = default) =>
        await _store.GetInfoAsync(ManifestUri, cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>Deletes the manifest of an earlier complete export (for an overwrite), so no manifest ever lists files being replaced.</summary>
    public Task DeleteManifestAsync(CancellationToken cancellationToken = default) => _store.DeleteAsync(ManifestUri, cancellationToken);

    /// <summary>
    /// Deletes what an earlier run left in the data folder that <paramref name="recorded"/> does not list: part
    /// files committed but never recorded, and the store's temporary files. Files that are not part files (not named
    /// as this connector names them) are left alone in the EMR layout. The recorded files join <see cref="Files"/>.
    /// Call it before writing parts (it would delete parts committed since that are not in <paramref name="recorded"/>).
    /// Returns how many were deleted.
    /// </summary>
    /// <param name="recorded">The parts an earlier run committed and recorded (in its checkpoint); empty for a new export.</param>
    /// <param name="cancellationToken">Cancels the listing and deleting.</param>
    /// <exception cref="InvalidDataException">A recorded file is missing: the checkpoint no longer matches the destination.</exception>
    public async Task<int> CleanAsync(IReadOnlyCollection<ExportPartFile> recorded, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        var expected = recorded.ToDictionary(f => ObjectUri.FileName(f.Url), StringComparer.Ordinal);
        var found = new HashSet<string>(StringComparer.Ordinal);
        var orphans = new List<string>();
        await foreach (var info in _store.ListAsync(DataDirectory, recursive: false, cancellationToken).ConfigureAwait(false))
        {
            string name = ObjectUri.FileName(info.Uri);
            if (expected.ContainsKey(name))
            {
                found.Add(name);
            }
            else if (IsOurs(name))
            {
                orphans.Add(info.Uri);
            }
        }
        var missing = expected.Keys.Where(name => !found.Contains(name)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException(
                $"The checkpoint records {missing.Count} part file(s) that are not in {DataDirectory} (first: {missing[0]}); the destination was changed. Delete the checkpoint to export again from the start.");
        }
        foreach (var orphan in orphans)
        {
            await _store.DeleteAsync(orphan, cancellationToken).ConfigureAwait(false);
        }
        lock (_lock) _files.AddRange(recorded.Where(f => !_files.Exists(known => known.Name == f.Name)));
        return orphans.Count;
    }

    /// <summary>Writes the native layout's <c>_started</c> marker (empty).</summary>
    public async Task WriteStartedAsync(CancellationToken cancellationToken = default)
    {
        if (_options.Layout != ExportLayout.Native) return;
        await WriteObjectAsync(ObjectUri.Combine(ExportDirectory, ExportManifestOutputFormat.StartedFileName), [], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts a new part file under a fresh random name; nothing is visible at its uri until <see cref="CommitAsync"/>.</summary>
    public Task<ExportPartWriter> CreatePartAsync(CancellationToken cancellationToken = default) => CreatePartNamedAsync(Guid.NewGuid(), cancellationToken);

    /// <summary>Starts the part named by <paramref name="id"/>: committed, it replaces a part of that name committed before.</summary>
    internal Task<ExportPartWriter> CreatePartNamedAsync(Guid id, CancellationToken cancellationToken)
    {
        // Parquet compresses inside the file, by column chunk: the part is not compressed again.
        bool parquet = _options.EffectiveFormat == ItemFileFormat.Parquet;
        var compression = parquet ? CompressionKind.None : _options.EffectiveCompression;
        string name = _options.Layout == ExportLayout.Native
            ? $"{id:N}.json{StreamCompression.FileExtension(compression)}"
            : $"{id:D}{(parquet ? ".parquet" : StreamCompression.FileExtension(compression))}";
        return ExportPartWriter.CreateAsync(_store, name, ObjectUri.Combine(DataDirectory, name), _options.EffectiveFormat, compression, _options.Parquet, cancellationToken);
    }

    /// <summary>
    /// Finishes <paramref name="part"/> (its compression frame included), commits it (it becomes visible at its uri,
    /// whole) and adds it to <see cref="Files"/>; returns what the manifest will record of it. The part is disposed
    /// either way; after a failure nothing of it is visible.
    /// </summary>
    /// <param name="part">A part of this output, not committed yet.</param>
    /// <param name="cancellationToken">Cancels the commit (the part is then discarded).</param>
    /// <exception cref="IOException">The store committed a size other than what was written.</exception>
    public async Task<ExportPartFile> CommitAsync(ExportPartWriter part, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(part);
        if (part.Url != ObjectUri.Combine(DataDirectory, part.Name))
        {
            throw new ArgumentException($"The part {part.Url} is not in this output's data folder {DataDirectory}.", nameof(part));
        }
        ExportPartFile file;
        await using (part.ConfigureAwait(false))
        {
            // The native layout records entity tags; the EMR manifest has no field for them.
            file = await part.CommitAsync(withETag: _options.Layout == ExportLayout.Native, cancellationToken).ConfigureAwait(false);
        }
        lock (_lock)
        {
            _files.RemoveAll(known => known.Name == file.Name); // written again under its name: replaced
            _files.Add(file);
        }
        return file;
    }

    /// <summary>
    /// Writes the manifest(s) listing exactly <see cref="Files"/> (see <see cref="WriteManifestAsync(IReadOnlyCollection{ExportPartFile}, CancellationToken)"/>):
    /// call it last, once every part is committed.
    /// </summary>
    public Task<IReadOnlyList<ExportPartFile>> WriteManifestAsync(CancellationToken cancellationToken = default) => WriteManifestAsync(Files, cancellationToken);

    /// <summary>
    /// Writes the manifest(s) listing exactly <paramref name="files"/> (for instance parts committed by other
    /// processes): the EMR v3 <c>manifest</c> with each file's item count, bytes and SHA-256; or the native
    /// <c>manifest-files.json</c>, the checksums, and <c>manifest-summary.json</c> last. Returns the files in the
    /// manifest's order (by name).
    /// </summary>
    public async Task<IReadOnlyList<ExportPartFile>> WriteManifestAsync(IReadOnlyCollection<ExportPartFile> files, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        var ordered = files.OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        if (_options.Layout == ExportLayout.Emr)
        {
            var manifest = new ExportManifest(ordered.Select(f => new ExportManifestEntry(f.Url) { ItemCount = f.ItemCount, Bytes = f.Bytes, Sha256 = f.Sha256 }));
            await WriteObjectAsync(ManifestUri, Encoding.UTF8.GetBytes(manifest.ToString()), cancellationToken).ConfigureAwait(false);
            return ordered;
        }
        var lines = new StringBuilder();
        foreach (var file in ordered)
        {
            lines.Append(JsonSerializer.Serialize(new NativeFileLine(file.ItemCount, file.Md5, file.ETag ?? HexOfBase64(file.Md5), KeyOf(file.Url)), ExportJsonContext.Default.NativeFileLine)).Append('\n');
        }
        byte[] filesBytes = Encoding.UTF8.GetBytes(lines.ToString());
        string filesUri = ObjectUri.Combine(ExportDirectory, NativeExport.FilesFileName);
        await WriteObjectAsync(filesUri, filesBytes, cancellationToken).ConfigureAwait(false);
        await WriteObjectAsync(ObjectUri.Combine(ExportDirectory, ExportManifestOutputFormat.FilesChecksumFileName), Encoding.ASCII.GetBytes(Convert.ToHexStringLower(MD5.HashData(filesBytes))), cancellationToken).ConfigureAwait(false);
        string? bucket = ObjectUri.KindOf(Destination) == ObjectUriKind.S3 ? ObjectUri.ParseS3(Destination).Bucket : null;
        var summary = new NativeExportSummary
        {
            Version = NativeExportSummary.FullExportVersion,
            ExportArn = _options.TableArn is null ? null : $"{_options.TableArn}/export/{ObjectUri.FileName(ExportDirectory)}",
            StartTime = _startTime,
            EndTime = _time.GetUtcNow(),
            TableArn = _options.TableArn,
            TableId = _options.TableId,
            ExportTime = _startTime,
            S3Bucket = bucket,
            S3Prefix = bucket is null ? null : ObjectUri.ParseS3(Destination).Key.TrimEnd('/'),
            ManifestFilesS3Key = KeyOf(filesUri),
            BilledSizeBytes = ordered.Sum(f => f.Bytes),
            ItemCount = ordered.Sum(f => f.ItemCount),
            OutputFormat = "DYNAMODB_JSON",
        };
        byte[] summaryBytes = JsonSerializer.SerializeToUtf8Bytes(summary, ExportJsonContext.Default.NativeExportSummary);
        await WriteObjectAsync(ObjectUri.Combine(ExportDirectory, ExportManifestOutputFormat.SummaryChecksumFileName), Encoding.ASCII.GetBytes(Convert.ToHexStringLower(MD5.HashData(summaryBytes))), cancellationToken).ConfigureAwait(false);
        await WriteObjectAsync(ManifestUri, summaryBytes, cancellationToken).ConfigureAwait(false);
        return ordered;
    }

    // An object's key as the native manifests record it: the S3 key, or for a local export the path below the destination.
    private string KeyOf(string uri) => ObjectUri.KindOf(uri) == ObjectUriKind.S3
        ? ObjectUri.ParseS3(uri).Key
        : ObjectUri.RelativePath(Destination, uri).Replace('\\', '/');

    private static string HexOfBase64(string base64) => Convert.ToHexStringLower(Convert.FromBase64String(base64));

    private bool IsOurs(string name) =>
        _options.Layout == ExportLayout.Native || EmrPartName().IsMatch(name) || (TempName().Match(name) is { Success: true } temp && EmrPartName().IsMatch(temp.Groups["name"].Value));

    private Task WriteObjectAsync(string uri, byte[] bytes, CancellationToken cancellationToken) => WriteObjectAsync(_store, uri, bytes, cancellationToken);

    /// <summary>Writes <paramref name="bytes"/> as the object <paramref name="uri"/>, committed whole.</summary>
    internal static async Task WriteObjectAsync(IObjectStore store, string uri, byte[] bytes, CancellationToken cancellationToken)
    {
        var writer = await store.CreateAsync(uri, cancellationToken).ConfigureAwait(false);
        await using (writer.ConfigureAwait(false))
        {
            await writer.Stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    [GeneratedRegex(@"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\.gz|\.zst)?$", RegexOptions.CultureInvariant)]
    private static partial Regex EmrPartName();

    // The local store's temporary files: ".<name>.tmp-<guid>".
    [GeneratedRegex(@"^\.(?<name>.+)\.tmp-[0-9a-f]{32}$", RegexOptions.CultureInvariant)]
    private static partial Regex TempName();
}

/// <summary>One line of the native layout's <c>manifest-files.json</c>.</summary>
internal sealed record NativeFileLine(
    [property: System.Text.Json.Serialization.JsonPropertyName("itemCount")] long ItemCount,
    [property: System.Text.Json.Serialization.JsonPropertyName("md5Checksum")] string Md5Checksum,
    [property: System.Text.Json.Serialization.JsonPropertyName("etag")] string ETag,
    [property: System.Text.Json.Serialization.JsonPropertyName("dataFileS3Key")] string DataFileS3Key);
