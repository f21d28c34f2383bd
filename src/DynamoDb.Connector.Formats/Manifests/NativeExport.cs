using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Uris;

namespace DynamoDb.Connector.Formats.Manifests;

/// <summary>
/// <c>manifest-summary.json</c> of a native DynamoDB export (ExportTableToPointInTime) under
/// <c>prefix/AWSDynamoDB/&lt;ExportId&gt;/</c>. Every field is optional here; unknown fields are ignored.
/// </summary>
public sealed class NativeExportSummary
{
    /// <summary>The <see cref="Version"/> of a full export: <c>2020-06-30</c>.</summary>
    public const string FullExportVersion = "2020-06-30";

    /// <summary>The <see cref="Version"/> of an incremental export: <c>2023-08-01</c>.</summary>
    public const string IncrementalExportVersion = "2023-08-01";

    /// <summary>Format version: <see cref="FullExportVersion"/> or <see cref="IncrementalExportVersion"/>.</summary>
    [JsonPropertyName("version")] public string? Version { get; init; }

    /// <summary>The export's ARN (ends with <c>/export/&lt;ExportId&gt;</c>).</summary>
    [JsonPropertyName("exportArn")] public string? ExportArn { get; init; }

    /// <summary>When the export started.</summary>
    [JsonPropertyName("startTime")] public DateTimeOffset? StartTime { get; init; }

    /// <summary>When the export ended.</summary>
    [JsonPropertyName("endTime")] public DateTimeOffset? EndTime { get; init; }

    /// <summary>The exported table's ARN.</summary>
    [JsonPropertyName("tableArn")] public string? TableArn { get; init; }

    /// <summary>The exported table's id.</summary>
    [JsonPropertyName("tableId")] public string? TableId { get; init; }

    /// <summary>The point in time of a full export.</summary>
    [JsonPropertyName("exportTime")] public DateTimeOffset? ExportTime { get; init; }

    /// <summary>Start of an incremental export's window (inclusive).</summary>
    [JsonPropertyName("exportFromTime")] public DateTimeOffset? ExportFromTime { get; init; }

    /// <summary>End of an incremental export's window (exclusive).</summary>
    [JsonPropertyName("exportToTime")] public DateTimeOffset? ExportToTime { get; init; }

    /// <summary>The bucket the export was written to.</summary>
    [JsonPropertyName("s3Bucket")] public string? S3Bucket { get; init; }

    /// <summary>The export prefix requested (may be null or empty).</summary>
    [JsonPropertyName("s3Prefix")] public string? S3Prefix { get; init; }

    /// <summary>Server-side encryption: <c>AES256</c> or <c>KMS</c>.</summary>
    [JsonPropertyName("s3SseAlgorithm")] public string? S3SseAlgorithm { get; init; }

    /// <summary>The KMS key, when <see cref="S3SseAlgorithm"/> is KMS.</summary>
    [JsonPropertyName("s3SseKmsKeyId")] public string? S3SseKmsKeyId { get; init; }

    /// <summary>The key of <c>manifest-files.json</c> in <see cref="S3Bucket"/>; its directory is the export's directory.</summary>
    [JsonPropertyName("manifestFilesS3Key")] public string? ManifestFilesS3Key { get; init; }

    /// <summary>The billed size in bytes.</summary>
    [JsonPropertyName("billedSizeBytes")] public long? BilledSizeBytes { get; init; }

    /// <summary>Items in the export: the sum of the data files' item counts.</summary>
    [JsonPropertyName("itemCount")] public long? ItemCount { get; init; }

    /// <summary><c>DYNAMODB_JSON</c> or <c>ION</c>.</summary>
    [JsonPropertyName("outputFormat")] public string? OutputFormat { get; init; }

    /// <summary>
    /// The export's status where the summary records one (<c>COMPLETED</c>, <c>IN_PROGRESS</c>, <c>FAILED</c>, as
    /// DescribeExport says them); null when absent, which a summary written at the end of an export means complete.
    /// </summary>
    [JsonPropertyName("status")] public string? Status { get; init; }

    /// <summary>Incremental exports: <c>NEW_AND_OLD_IMAGES</c> or <c>NEW_IMAGE</c>.</summary>
    [JsonPropertyName("outputView")] public string? OutputView { get; init; }

    /// <summary>Incremental exports: <c>INCREMENTAL_EXPORT</c> (full exports may say <c>FULL_EXPORT</c> or nothing).</summary>
    [JsonPropertyName("exportType")] public string? ExportType { get; init; }

    /// <summary>Whether this is an incremental export (by <see cref="ExportType"/> or <see cref="Version"/>): its lines carry Keys/NewImage/OldImage.</summary>
    [JsonIgnore]
    public bool IsIncremental =>
        string.Equals(ExportType, "INCREMENTAL_EXPORT", StringComparison.OrdinalIgnoreCase) || Version == IncrementalExportVersion;

    /// <summary>
    /// The uri of a data file. With <paramref name="exportDirectoryUri"/> null, where the export wrote it:
    /// <c>s3://{S3Bucket}/{key}</c>. Otherwise relative to the export's actual location, for an export folder copied
    /// elsewhere: the key's path relative to the original export directory (the directory of
    /// <see cref="ManifestFilesS3Key"/>, <c>&lt;s3Prefix&gt;/AWSDynamoDB/&lt;ExportId&gt;/</c>) is joined to
    /// <paramref name="exportDirectoryUri"/>, so <c>…/AWSDynamoDB/&lt;id&gt;/data/x.json.gz</c> becomes
    /// <c>&lt;exportDirectoryUri&gt;/data/x.json.gz</c> (an incremental export's shared <c>AWSDynamoDB/data/</c> folder
    /// maps to the sibling of the copied export folder). Pure string logic, no I/O.
    /// </summary>
    /// <param name="dataFileS3Key">A <see cref="NativeExportDataFile.DataFileS3Key"/>.</param>
    /// <param name="exportDirectoryUri">The folder holding this <c>manifest-summary.json</c> now (s3://, file:// or a path), or null.</param>
    /// <exception cref="InvalidOperationException">The summary lacks <see cref="S3Bucket"/> (as written) or <see cref="ManifestFilesS3Key"/> (relative).</exception>
    public string ResolveDataFileUri(string dataFileS3Key, string? exportDirectoryUri = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataFileS3Key);
        if (exportDirectoryUri is null)
        {
            return string.IsNullOrEmpty(S3Bucket)
                ? throw new InvalidOperationException("manifest-summary.json has no s3Bucket, so data file keys cannot be turned into uris; pass the export directory.")
                : $"s3://{S3Bucket}/{dataFileS3Key}";
        }
        if (string.IsNullOrEmpty(ManifestFilesS3Key))
        {
            throw new InvalidOperationException("manifest-summary.json has no manifestFilesS3Key, so the export's original directory is unknown.");
        }
        return ObjectUri.Rebase(dataFileS3Key, ObjectUri.DirectoryOf(ManifestFilesS3Key), exportDirectoryUri);
    }
}

/// <summary>One line of <c>manifest-files.json</c>: a data file of a native export.</summary>
/// <param name="ItemCount">Items in the file (lines of the decompressed data).</param>
/// <param name="Md5Checksum">Base64 MD5 of the object as stored (gzip bytes).</param>
/// <param name="ETag">The S3 ETag (may be a multipart one, <c>…-N</c>); not used for verification.</param>
/// <param name="DataFileS3Key">The data file's key in the export bucket.</param>
/// <param name="Line">The 1-based line of <c>manifest-files.json</c> it came from.</param>
public sealed record NativeExportDataFile(long ItemCount, string Md5Checksum, string? ETag, string DataFileS3Key, long Line = 0);

/// <summary>Reading a native DynamoDB export's manifests.</summary>
public static class NativeExport
{
    /// <summary>The summary manifest's file name: <c>manifest-summary.json</c>.</summary>
    public const string SummaryFileName = "manifest-summary.json";

    /// <summary>The files manifest's file name: <c>manifest-files.json</c>.</summary>
    public const string FilesFileName = "manifest-files.json";

    /// <summary>Reads <c>manifest-summary.json</c>.</summary>
    /// <exception cref="FormatException">Not valid JSON, or a field of the wrong type; the message names the file and the field.</exception>
    public static async Task<NativeExportSummary> ReadSummaryAsync(Stream stream, string sourceName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            return await JsonSerializer.DeserializeAsync(stream, NativeExportJsonContext.Default.NativeExportSummary, cancellationToken).ConfigureAwait(false)
                ?? throw new FormatException($"{sourceName}: the file holds JSON null, not an export summary.");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{sourceName}: not a valid export summary{JsonPosition.Of(e)}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Reads <c>manifest-files.json</c> (JSON Lines), one data file at a time. Empty lines are skipped. A bad line (not
    /// JSON, or without <c>itemCount</c>, <c>md5Checksum</c> or <c>dataFileS3Key</c>) throws a
    /// <see cref="RecordFormatException"/> with the file and line, or with <see cref="BadRecordHandling.Skip"/> is
    /// passed to <paramref name="onBadLine"/> and skipped.
    /// </summary>
    public static async IAsyncEnumerable<NativeExportDataFile> ReadFilesAsync(
        Stream stream,
        string sourceName,
        BadRecordHandling badLines = BadRecordHandling.Fail,
        Action<RecordError>? onBadLine = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 16 * 1024, leaveOpen: true);
        long lineNumber = 0;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            string? problem = null;
            NativeExportDataFile? file = null;
            try
            {
                var json = JsonSerializer.Deserialize(line, NativeExportJsonContext.Default.DataFileJson);
                problem = json is null ? "the line is JSON null"
                    : json.ItemCount is null ? "no itemCount"
                    : json.ItemCount < 0 ? "itemCount is negative"
                    : string.IsNullOrEmpty(json.Md5Checksum) ? "no md5Checksum"
                    : string.IsNullOrEmpty(json.DataFileS3Key) ? "no dataFileS3Key"
                    : null;
                if (problem is null)
                {
                    file = new NativeExportDataFile(json!.ItemCount!.Value, json.Md5Checksum!, json.ETag, json.DataFileS3Key!, lineNumber);
                }
            }
            catch (JsonException e)
            {
                problem = $"not valid JSON: {e.Message}";
            }
            if (file is not null)
            {
                yield return file;
                continue;
            }
            var error = new RecordError(sourceName, lineNumber, problem!, RecordError.ExcerptOf(line), line);
            if (badLines == BadRecordHandling.Fail)
            {
                throw new RecordFormatException(error);
            }
            onBadLine?.Invoke(error);
        }
    }
}

/// <summary>One <c>manifest-files.json</c> line's JSON shape.</summary>
internal sealed class DataFileJson
{
    [JsonPropertyName("itemCount")] public long? ItemCount { get; set; }
    [JsonPropertyName("md5Checksum")] public string? Md5Checksum { get; set; }
    [JsonPropertyName("etag")] public string? ETag { get; set; }
    [JsonPropertyName("dataFileS3Key")] public string? DataFileS3Key { get; set; }
}

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, AllowTrailingCommas = true)]
[JsonSerializable(typeof(NativeExportSummary))]
[JsonSerializable(typeof(DataFileJson))]
internal sealed partial class NativeExportJsonContext : JsonSerializerContext;
