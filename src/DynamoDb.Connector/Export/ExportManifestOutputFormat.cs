using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Manifests;
using DynamoDb.Connector.Storage;

namespace DynamoDb.Connector.Export;

/// <summary>What the native layout's <c>manifest-summary.json</c> says about the table and the run.</summary>
/// <param name="TableArn">The table's ARN (from DescribeTable).</param>
/// <param name="TableId">The table's id (from DescribeTable).</param>
/// <param name="StartTime">When the export started (its first run).</param>
/// <param name="EndTime">When it completed.</param>
internal sealed record NativeExportContext(string? TableArn, string? TableId, DateTimeOffset StartTime, DateTimeOffset EndTime);

/// <summary>
/// Where and how an export's files are written. Part files go into the data folder under random names, each
/// invisible until committed by the object store; the manifest is written last, so a manifest exists only for a
/// complete export. Before a run, what an earlier failed run left (part files no checkpoint records, the store's
/// temporary files) is deleted. Layouts: <see cref="ExportLayout.Emr"/> (part files and <c>manifest</c> in the
/// destination) and <see cref="ExportLayout.Native"/> (<c>AWSDynamoDB/&lt;ExportId&gt;/</c> with <c>data/</c>,
/// <c>manifest-files.json</c> and <c>manifest-summary.json</c> last).
/// </summary>
internal sealed partial class ExportManifestOutputFormat
{
    internal const string NativeRoot = "AWSDynamoDB";
    internal const string StartedFileName = "_started";
    internal const string FilesChecksumFileName = "manifest-files.checksum";
    internal const string SummaryChecksumFileName = "manifest-summary.checksum";

    private readonly IObjectStore _store;
    private readonly ExportLayout _layout;
    private readonly ItemFileFormat _format;
    private readonly CompressionKind _compression;

    /// <param name="store">The store of <paramref name="destination"/>.</param>
    /// <param name="destination">The export directory, absolute (see <see cref="AbsoluteDestination"/>).</param>
    /// <param name="layout">The layout.</param>
    /// <param name="format">The part files' line format.</param>
    /// <param name="compression">The part files' compression.</param>
    /// <param name="exportId">The native layout's export id; ignored for the EMR layout.</param>
    public ExportManifestOutputFormat(IObjectStore store, string destination, ExportLayout layout, ItemFileFormat format, CompressionKind compression, string? exportId)
    {
        _store = store;
        _layout = layout;
        _format = format;
        _compression = compression;
        Destination = ObjectUri.AsDirectory(destination);
        if (layout == ExportLayout.Native)
        {
            ArgumentException.ThrowIfNullOrEmpty(exportId);
            ExportDirectory = ObjectUri.AsDirectory(ObjectUri.Combine(Destination, $"{NativeRoot}/{exportId}"));
            DataDirectory = ObjectUri.Combine(ExportDirectory, "data/");
            ManifestUri = ObjectUri.Combine(ExportDirectory, NativeExport.SummaryFileName);
        }
        else
        {
            ExportDirectory = DataDirectory = Destination;
            ManifestUri = ObjectUri.Combine(Destination, ExportManifest.FileName);
        }
    }

    /// <summary>The destination as a directory uri.</summary>
    public string Destination { get; }

    /// <summary>The export's own folder: the destination (EMR layout) or <c>AWSDynamoDB/&lt;ExportId&gt;/</c> in it (native).</summary>
    public string ExportDirectory { get; }

    /// <summary>Where part files go.</summary>
    public string DataDirectory { get; }

    /// <summary>The file written last: <c>manifest</c> (EMR layout) or <c>manifest-summary.json</c> (native).</summary>
    public string ManifestUri { get; }

    /// <summary>A new native export id: the time in milliseconds (14 digits) and 8 random hex digits, as DynamoDB's look.</summary>
    public static string NewExportId(DateTimeOffset now) =>
        $"{now.ToUnixTimeMilliseconds():D14}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";

    /// <summary><paramref name="destination"/> with a relative local path made absolute (manifests list absolute uris).</summary>
    public static string AbsoluteDestination(string destination)
    {
        if (ObjectUri.KindOf(destination) == ObjectUriKind.Local && ObjectUri.SchemeOf(destination) is null && !Path.IsPathFullyQualified(destination))
        {
            destination = Path.GetFullPath(destination);
        }
        return ObjectUri.AsDirectory(ObjectUri.Normalize(destination));
    }

    /// <summary>Whether a complete export (its manifest) is already in the destination.</summary>
    public async Task<bool> IsCompleteAsync(CancellationToken cancellationToken) =>
        await _store.GetInfoAsync(ManifestUri, cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>Deletes the manifest of an earlier complete export (for an overwrite), so no manifest ever lists files being replaced.</summary>
    public Task DeleteManifestAsync(CancellationToken cancellationToken) => _store.DeleteAsync(ManifestUri, cancellationToken);

    /// <summary>
    /// Deletes what an earlier run left in the data folder that <paramref name="recorded"/> does not list: part
    /// files committed but never recorded, and the store's temporary files. Files that are not part files (not named
    /// as this connector names them) are left alone in the EMR layout. Returns how many were deleted.
    /// </summary>
    /// <exception cref="InvalidDataException">A recorded file is missing: the checkpoint no longer matches the destination.</exception>
    public async Task<int> CleanAsync(IReadOnlyCollection<PartFileInfo> recorded, CancellationToken cancellationToken)
    {
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
        return orphans.Count;
    }

    /// <summary>Writes the native layout's <c>_started</c> marker (empty).</summary>
    public async Task WriteStartedAsync(CancellationToken cancellationToken)
    {
        if (_layout != ExportLayout.Native) return;
        await WriteObjectAsync(ObjectUri.Combine(ExportDirectory, StartedFileName), [], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts a new part file under a fresh random name.</summary>
    public Task<PartFile> CreatePartAsync(CancellationToken cancellationToken)
    {
        string name = _layout == ExportLayout.Native
            ? $"{Guid.NewGuid():N}.json{StreamCompression.FileExtension(_compression)}"
            : $"{Guid.NewGuid():D}{StreamCompression.FileExtension(_compression)}";
        return PartFile.CreateAsync(_store, name, ObjectUri.Combine(DataDirectory, name), _format, _compression, cancellationToken);
    }

    /// <summary>Whether the native layout records entity tags (it does; the EMR manifest has no field for them).</summary>
    public bool RecordsETags => _layout == ExportLayout.Native;

    /// <summary>
    /// Writes the manifest(s) listing exactly <paramref name="files"/>: the EMR v3 <c>manifest</c> with each file's
    /// item count, bytes and SHA-256; or the native <c>manifest-files.json</c>, the checksums, and
    /// <c>manifest-summary.json</c> last.
    /// </summary>
    public async Task WriteManifestAsync(IReadOnlyList<PartFileInfo> files, NativeExportContext native, CancellationToken cancellationToken)
    {
        var ordered = files.OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        if (_layout == ExportLayout.Emr)
        {
            var manifest = new ExportManifest(ordered.Select(f => new ExportManifestEntry(f.Url) { ItemCount = f.ItemCount, Bytes = f.Bytes, Sha256 = f.Sha256 }));
            await WriteObjectAsync(ManifestUri, Encoding.UTF8.GetBytes(manifest.ToString()), cancellationToken).ConfigureAwait(false);
            return;
        }
        var lines = new StringBuilder();
        foreach (var file in ordered)
        {
            lines.Append(JsonSerializer.Serialize(new NativeFileLine(file.ItemCount, file.Md5, file.ETag ?? HexOfBase64(file.Md5), KeyOf(file.Url)), ExportJsonContext.Default.NativeFileLine)).Append('\n');
        }
        byte[] filesBytes = Encoding.UTF8.GetBytes(lines.ToString());
        string filesUri = ObjectUri.Combine(ExportDirectory, NativeExport.FilesFileName);
        await WriteObjectAsync(filesUri, filesBytes, cancellationToken).ConfigureAwait(false);
        await WriteObjectAsync(ObjectUri.Combine(ExportDirectory, FilesChecksumFileName), Encoding.ASCII.GetBytes(Convert.ToHexStringLower(MD5.HashData(filesBytes))), cancellationToken).ConfigureAwait(false);
        string? bucket = ObjectUri.KindOf(Destination) == ObjectUriKind.S3 ? ObjectUri.ParseS3(Destination).Bucket : null;
        var summary = new NativeExportSummary
        {
            Version = NativeExportSummary.FullExportVersion,
            ExportArn = native.TableArn is null ? null : $"{native.TableArn}/export/{ObjectUri.FileName(ExportDirectory)}",
            StartTime = native.StartTime,
            EndTime = native.EndTime,
            TableArn = native.TableArn,
            TableId = native.TableId,
            ExportTime = native.StartTime,
            S3Bucket = bucket,
            S3Prefix = bucket is null ? null : ObjectUri.ParseS3(Destination).Key.TrimEnd('/'),
            ManifestFilesS3Key = KeyOf(filesUri),
            BilledSizeBytes = ordered.Sum(f => f.Bytes),
            ItemCount = ordered.Sum(f => f.ItemCount),
            OutputFormat = "DYNAMODB_JSON",
        };
        byte[] summaryBytes = JsonSerializer.SerializeToUtf8Bytes(summary, ExportJsonContext.Default.NativeExportSummary);
        await WriteObjectAsync(ObjectUri.Combine(ExportDirectory, SummaryChecksumFileName), Encoding.ASCII.GetBytes(Convert.ToHexStringLower(MD5.HashData(summaryBytes))), cancellationToken).ConfigureAwait(false);
        await WriteObjectAsync(ManifestUri, summaryBytes, cancellationToken).ConfigureAwait(false);
    }

    // An object's key as the native manifests record it: the S3 key, or for a local export the path below the destination.
    private string KeyOf(string uri) => ObjectUri.KindOf(uri) == ObjectUriKind.S3
        ? ObjectUri.ParseS3(uri).Key
        : ObjectUri.RelativePath(Destination, uri).Replace('\\', '/');

    private static string HexOfBase64(string base64) => Convert.ToHexStringLower(Convert.FromBase64String(base64));

    private bool IsOurs(string name) =>
        _layout == ExportLayout.Native || EmrPartName().IsMatch(name) || (TempName().Match(name) is { Success: true } temp && EmrPartName().IsMatch(temp.Groups["name"].Value));

    private async Task WriteObjectAsync(string uri, byte[] bytes, CancellationToken cancellationToken)
    {
        var writer = await _store.CreateAsync(uri, cancellationToken).ConfigureAwait(false);
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
