using System.Text.Json;
using System.Text.Json.Serialization;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Import;

/// <summary>Where an import's files were found.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ImportSourceKind>))]
public enum ImportSourceKind
{
    /// <summary>One file.</summary>
    SingleFile,
    /// <summary>Every top-level file of a folder or prefix, except names starting with <c>_</c> or <c>.</c>.</summary>
    Listing,
    /// <summary>The files an EMR / Data Pipeline v3 <c>manifest</c> lists.</summary>
    EmrManifest,
    /// <summary>The data files of a native DynamoDB export (<c>manifest-summary.json</c> + <c>manifest-files.json</c>).</summary>
    NativeExport,
}

/// <summary>
/// A part of one file to read: the whole file, or for a large uncompressed file a byte range. A range starting
/// after byte 0 begins at the first line that starts inside it; it ends with the line that crosses its end, so every
/// line belongs to exactly one range.
/// </summary>
/// <param name="Uri">The file's uri.</param>
/// <param name="Size">The whole file's size in bytes.</param>
/// <param name="Start">The first byte of the range (0 for the whole file).</param>
/// <param name="End">The byte after the range (the file size for the whole file).</param>
/// <param name="ExpectedItems">Items the manifest says the file holds, when it says.</param>
public sealed record SplitFile(string Uri, long Size, long Start, long End, long? ExpectedItems = null)
{
    /// <summary>Whether this is the whole file rather than a range of it.</summary>
    [JsonIgnore]
    public bool IsWholeFile => Start == 0 && End >= Size;

    /// <summary>The name errors and dead letters give this part: the uri, with the byte range when it is one.</summary>
    /// <remarks>Line numbers inside a range count from the range's first line: finding them needs the range.</remarks>
    [JsonIgnore]
    public string DisplayName => IsWholeFile ? Uri : $"{Uri} (bytes {Start}-{End - 1})";
}

/// <summary>
/// The unit of scale: a small serializable piece of an import (files or file ranges, with the format to read them in).
/// One process runs many splits concurrently; other processes (a Lambda invocation, a container) can run any split
/// with <c>dynamodb-connector run-split</c>.
/// </summary>
/// <param name="Index">The split's number in its plan, from 0.</param>
/// <param name="Files">The files or ranges, read in order.</param>
public sealed record ImportSplit(int Index, IReadOnlyList<SplitFile> Files)
{
    /// <summary>Bytes this split reads.</summary>
    [JsonIgnore]
    public long Bytes => Files.Sum(f => f.End - f.Start);
}

/// <summary>What an import will read: the splits, the format, and what the source said about itself.</summary>
/// <param name="Source">The source uri as given.</param>
/// <param name="Kind">How the files were found.</param>
/// <param name="Format">The line format.</param>
/// <param name="FormatReason">Why that format: given by the user, from the manifest, or detected from content.</param>
/// <param name="Splits">The splits.</param>
/// <param name="ExpectedItems">The item count the source declares (native exports; EMR manifests with counts), when it does.</param>
public sealed record ImportPlan(string Source, ImportSourceKind Kind, ItemFileFormat Format, string FormatReason, IReadOnlyList<ImportSplit> Splits, long? ExpectedItems)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter<ItemFileFormat>(JsonNamingPolicy.KebabCaseLower) },
        WriteIndented = true,
    };

    /// <summary>
    /// Every file was checked against the source's manifest (counts, sizes, hashes) before anything was written.
    /// Set when <see cref="ImportSourceOptions.Verify"/> was: a mismatch stops the plan, so a plan with this set passed.
    /// </summary>
    public bool Verified { get; init; }

    /// <summary>How the splits run relative to each other (decided by the source's provenance; see <see cref="ImportOrdering"/>).</summary>
    public ImportOrdering Ordering { get; init; }

    /// <summary>Why <see cref="Ordering"/>, in words.</summary>
    public string OrderingReason { get; init; } = "";

    /// <summary>What the plan went on without, in words (a manifest entry marked not mandatory that is missing); empty when nothing.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Bytes of input across all splits.</summary>
    [JsonIgnore]
    public long TotalBytes => Splits.Sum(s => s.Bytes);

    /// <summary>Files (or ranges) across all splits.</summary>
    [JsonIgnore]
    public int FileCount => Splits.Sum(s => s.Files.Count);

    /// <summary>A fingerprint of the plan: a checkpoint is only reused by the same plan.</summary>
    public string Fingerprint()
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(Splits, ImportJsonContext.Indented.IReadOnlyListImportSplit);
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes))[..32].ToLowerInvariant();
    }

    /// <summary>The plan as JSON (what <c>dynamodb-connector plan --json</c> prints).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, ImportJsonContext.Indented.ImportPlan);

    /// <summary>One split with everything needed to run it elsewhere, as JSON.</summary>
    public string SplitToJson(int index) => JsonSerializer.Serialize(new SplitDocument(Source, Format, Fingerprint(), Splits.Count, Splits[index]) { NativeExport = Kind == ImportSourceKind.NativeExport }, ImportJsonContext.Indented.SplitDocument);
}
