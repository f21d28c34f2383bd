using System.Text.Json;
using System.Text.Json.Serialization;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Storage;

namespace DynamoDb.Connector.Import;

/// <summary>
/// A split and what is needed to run it alone: the format and the plan it belongs to; for a continuation of a
/// time-boxed run (<see cref="ImportResult.Continuation"/>), the position to go on from. Its JSON holds no item data:
/// a few hundred bytes plus the split's file names, far below a Step Functions state's 256 KB.
/// </summary>
/// <param name="Source">The import's source uri.</param>
/// <param name="Format">The line format.</param>
/// <param name="PlanFingerprint">The plan's fingerprint: checkpoints of one plan are not mixed with another's.</param>
/// <param name="SplitCount">How many splits the plan has (the budget share of one split is the job's budget over this).</param>
/// <param name="Split">The split.</param>
public sealed record SplitDocument(string Source, ItemFileFormat Format, string PlanFingerprint, int SplitCount, ImportSplit Split)
{
    /// <summary>
    /// Where a run of this document starts: every record before it is written or set aside. Null (a split as planned):
    /// the split's start, or its checkpoint's position. When a checkpoint is kept too, the one further along stands, so a
    /// retried invocation given an older continuation does not redo what a later one stored. At the split's end
    /// (<c>File</c> = the number of files) the run reads nothing and says done. JSON <c>"from"</c>, left out when null.
    /// </summary>
    [JsonPropertyName("from")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ImportPosition? From { get; init; }

    /// <summary>
    /// With <see cref="From"/>: the dead-letter chunks of this split the runs before committed, so the next run numbers
    /// its own after them instead of replacing them (what a checkpoint records too). JSON <c>"deadLetterChunks"</c>, left out when 0.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int DeadLetterChunks { get; init; }

    /// <summary>
    /// The split's files are a native DynamoDB export's, listed by its manifest (<see cref="ImportSourceKind.NativeExport"/>),
    /// so its incremental lines are read as strictly as the plan read them (<see cref="ImportReadOptions.NativeExport"/>).
    /// JSON <c>"nativeExport"</c>, left out when false.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool NativeExport { get; init; }

    /// <summary>Reads a split written by <see cref="ImportPlan.SplitToJson"/> or <see cref="ToJson"/> (a continuation).</summary>
    /// <exception cref="FormatException">The text is not a split document, or its <see cref="From"/> is not a position in its split.</exception>
    public static SplitDocument Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        SplitDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(json, ImportJsonContext.Default.SplitDocument);
        }
        catch (JsonException e)
        {
            throw new FormatException($"not a split document: {e.Message}", e);
        }
        if (document is not { Split.Files: not null, Source: not null, PlanFingerprint: not null })
        {
            throw new FormatException("not a split document: 'split' with 'files', 'source' or 'planFingerprint' is missing");
        }
        if (document.From is { } from && (from.File < 0 || from.File > document.Split.Files.Count || from.Line < 0 || document.DeadLetterChunks < 0))
        {
            throw new FormatException($"'from' (file {from.File}, line {from.Line}) is not a position in split {document.Split.Index}, which has {document.Split.Files.Count} file(s)");
        }
        return document;
    }

    /// <summary>The document as compact JSON (what <see cref="Parse(string)"/> reads; camelCase names, the format in kebab case).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, ImportJsonContext.Default.SplitDocument);

    /// <summary>
    /// Reads a split document from <paramref name="uri"/>: a local path, a <c>file://</c> or <c>s3://</c> uri (through
    /// <paramref name="stores"/>), or <c>-</c> for standard input.
    /// </summary>
    /// <exception cref="FormatException">The text is not a split document (the message names <paramref name="uri"/>).</exception>
    /// <exception cref="FileNotFoundException">There is no object at <paramref name="uri"/>.</exception>
    /// <exception cref="NotSupportedException">No store handles <paramref name="uri"/>.</exception>
    public static async Task<SplitDocument> ReadAsync(ObjectStores stores, string uri, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stores);
        ArgumentException.ThrowIfNullOrEmpty(uri);
        var stream = uri == "-" ? Console.OpenStandardInput() : await stores.For(uri).OpenReadAsync(uri, cancellationToken: cancellationToken).ConfigureAwait(false);
        string text;
        using (var reader = new StreamReader(stream))
        {
            text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }
        return Parse(text, uri == "-" ? "stdin" : uri);
    }

    /// <summary><see cref="Parse(string)"/>, naming <paramref name="origin"/> in the error.</summary>
    internal static SplitDocument Parse(string json, string origin)
    {
        try
        {
            return Parse(json);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{origin}: {e.Message}", e);
        }
    }
}
