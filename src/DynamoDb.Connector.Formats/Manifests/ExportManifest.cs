using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using DynamoDb.Connector.Formats.Uris;

namespace DynamoDb.Connector.Formats.Manifests;

/// <summary>One data file listed in an EMR export <c>manifest</c>.</summary>
/// <param name="Url">The file's uri as written (absolute, including the bucket); <c>s3n://</c> is read as <c>s3://</c>.</param>
/// <param name="Mandatory">The original's flag: always written true, missing reads as true, never acted on.</param>
public sealed record ExportManifestEntry(string Url, bool Mandatory = true)
{
    /// <summary>Optional extra field <c>itemCount</c>: items in the file (lines of the decompressed data). Null when absent.</summary>
    public long? ItemCount { get; init; }

    /// <summary>Optional extra field <c>bytes</c>: the file's size as stored (compressed). Null when absent.</summary>
    public long? Bytes { get; init; }

    /// <summary>Optional extra field <c>sha256</c>: SHA-256 of the file as stored, 64 lower-case hex digits. Null when absent.</summary>
    public string? Sha256 { get; init; }
}

/// <summary>
/// The EMR DynamoDB connector's export manifest (a file named <c>manifest</c>, format version 3): the list of data
/// files of an export. Read leniently (unknown fields ignored, <c>mandatory</c> optional, <c>s3n://</c> as
/// <c>s3://</c>) and written byte for byte as the original writes it, plus optional per-entry <c>itemCount</c>,
/// <c>bytes</c> and <c>sha256</c> (old readers ignore them).
/// </summary>
public sealed class ExportManifest
{
    /// <summary>The only manifest format version there is: 3.</summary>
    public const int FormatVersion = 3;

    /// <summary>The manifest's file name in an export directory: <c>manifest</c>.</summary>
    public const string FileName = "manifest";

    private static readonly JsonWriterOptions EntryWriting = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Creates a manifest listing <paramref name="entries"/> in order.</summary>
    public ExportManifest(IEnumerable<ExportManifestEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        Entries = [.. entries];
        foreach (var entry in Entries)
        {
            ArgumentNullException.ThrowIfNull(entry, nameof(entries));
            ArgumentException.ThrowIfNullOrEmpty(entry.Url, nameof(entries));
        }
    }

    /// <summary>The data files, in manifest order.</summary>
    public IReadOnlyList<ExportManifestEntry> Entries { get; }

    /// <summary>
    /// Reads a manifest, streaming (a manifest of 100,000 entries is read without holding its text). A missing
    /// <c>entries</c> gives zero entries.
    /// </summary>
    /// <param name="stream">The manifest's bytes (never compressed).</param>
    /// <param name="sourceName">The manifest's uri or path, named in errors.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="FormatException">
    /// Not valid JSON, an entry without <c>url</c>, or a version other than 3 ("Unknown version: N"); the message
    /// names the file.
    /// </exception>
    public static async Task<ExportManifest> ReadAsync(Stream stream, string sourceName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ManifestJson? json;
        try
        {
            json = await JsonSerializer.DeserializeAsync(stream, ManifestJsonContext.Default.ManifestJson, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            throw new FormatException($"{sourceName}: not a valid export manifest{JsonPosition.Of(e)}: {e.Message}", e);
        }
        if (json is null)
        {
            throw new FormatException($"{sourceName}: not a valid export manifest: the file holds JSON null.");
        }
        if (json.Version != FormatVersion)
        {
            throw new FormatException($"{sourceName}: Unknown version: {(json.Version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(missing)")}; this reader knows export manifest version {FormatVersion}.");
        }
        var entries = new List<ExportManifestEntry>(json.Entries?.Count ?? 0);
        foreach (var entry in json.Entries ?? [])
        {
            if (entry is null || string.IsNullOrEmpty(entry.Url))
            {
                throw new FormatException($"{sourceName}: entry {entries.Count + 1} has no \"url\".");
            }
            entries.Add(new ExportManifestEntry(FromS3n(entry.Url), entry.Mandatory ?? true)
            {
                ItemCount = entry.ItemCount,
                Bytes = entry.Bytes,
                Sha256 = entry.Sha256,
            });
        }
        return new ExportManifest(entries);
    }

    /// <summary>
    /// Writes the manifest exactly as the original does: <c>{"name":"DynamoDB-export","version":3,</c> LF
    /// <c>"entries": [</c> LF, the entries joined by <c>,</c> LF, then LF <c>]}</c>, no trailing newline. Each entry is
    /// <c>{"url":...,"mandatory":...}</c> followed by <c>itemCount</c>, <c>bytes</c>, <c>sha256</c> where present.
    /// <c>s3n://</c> urls are written as <c>s3://</c>. The stream is flushed, not disposed.
    /// </summary>
    public async Task WriteAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new MemoryStream();
        buffer.Write("{\"name\":\"DynamoDB-export\",\"version\":3,\n\"entries\": [\n"u8);
        for (int i = 0; i < Entries.Count; i++)
        {
            if (i > 0)
            {
                buffer.Write(",\n"u8);
            }
            WriteEntry(buffer, Entries[i]);
            if (buffer.Length >= 64 * 1024)
            {
                await stream.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken).ConfigureAwait(false);
                buffer.SetLength(0);
            }
        }
        buffer.Write("\n]}"u8);
        await stream.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The manifest's exact text, as <see cref="WriteAsync"/> writes it.</summary>
    public override string ToString()
    {
        using var buffer = new MemoryStream();
        WriteAsync(buffer).GetAwaiter().GetResult(); // a MemoryStream completes synchronously
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>
    /// This manifest with every entry url moved next to the manifest's own location, for an export copied to another
    /// bucket or prefix: each entry keeps its path relative to the export's original directory (the directory all
    /// entry urls share; for the original layout, just the file name) and is joined to the directory of
    /// <paramref name="manifestUri"/>. Pure string logic, no I/O.
    /// </summary>
    /// <param name="manifestUri">Where this manifest was read from: <c>s3://bucket/prefix/manifest</c>, <c>file:///dir/manifest</c> or a plain path.</param>
    /// <exception cref="FormatException">The entries share no directory (they span buckets), so there is no export directory to be relative to.</exception>
    public ExportManifest RelativeTo(string manifestUri)
    {
        ArgumentException.ThrowIfNullOrEmpty(manifestUri);
        if (Entries.Count == 0)
        {
            return this;
        }
        string original = ObjectUri.CommonDirectory(Entries.Select(e => e.Url))
            ?? throw new FormatException($"{manifestUri}: the manifest's entries share no directory (they span buckets or schemes), so they cannot be resolved relative to the manifest.");
        string directory = ObjectUri.DirectoryOf(manifestUri);
        return new ExportManifest(Entries.Select(e => e with { Url = directory + e.Url[original.Length..] }));
    }

    private static void WriteEntry(MemoryStream buffer, ExportManifestEntry entry)
    {
        using var writer = new Utf8JsonWriter(buffer, EntryWriting);
        writer.WriteStartObject();
        writer.WriteString("url", FromS3n(entry.Url));
        writer.WriteBoolean("mandatory", entry.Mandatory);
        if (entry.ItemCount is { } items) writer.WriteNumber("itemCount", items);
        if (entry.Bytes is { } bytes) writer.WriteNumber("bytes", bytes);
        if (entry.Sha256 is { } sha) writer.WriteString("sha256", sha);
        writer.WriteEndObject();
    }

    private static string FromS3n(string url) =>
        url.StartsWith("s3n://", StringComparison.OrdinalIgnoreCase) ? string.Concat("s3://", url.AsSpan(6)) : url;
}

/// <summary>Where a JSON error is, in the words of an error message: 1-based, as editors count.</summary>
internal static class JsonPosition
{
    /// <summary>" (line L, column C)", or "" when the reader did not say.</summary>
    public static string Of(JsonException e) => e.LineNumber is { } line
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $" (line {line + 1}, column {(e.BytePositionInLine ?? 0) + 1})")
        : "";
}

/// <summary>The manifest's JSON shape, for the streaming deserializer. Unknown members are skipped.</summary>
internal sealed class ManifestJson
{
    [JsonPropertyName("version")] public int? Version { get; set; }
    [JsonPropertyName("entries")] public List<ManifestEntryJson?>? Entries { get; set; }
}

/// <summary>One manifest entry's JSON shape.</summary>
internal sealed class ManifestEntryJson
{
    [JsonPropertyName("url")] public string? Url { get; set; }
    [JsonPropertyName("mandatory")] public bool? Mandatory { get; set; }
    [JsonPropertyName("itemCount")] public long? ItemCount { get; set; }
    [JsonPropertyName("bytes")] public long? Bytes { get; set; }
    [JsonPropertyName("sha256")] public string? Sha256 { get; set; }
}

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, AllowTrailingCommas = true)]
[JsonSerializable(typeof(ManifestJson))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;
