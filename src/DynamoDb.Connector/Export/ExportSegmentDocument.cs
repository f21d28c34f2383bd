using System.Text.Json;
using System.Text.Json.Serialization;
using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Reading;
using DynamoDb.Connector.Storage;
using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Export;

/// <summary>
/// One segment of a fanned-out export (a parallel scan segment or one Query), with what is needed to run it alone:
/// the table, the destination and its layout, the checkpoint every segment records into, the plan it belongs to and
/// (in a continuation) the position to go on from. Written by <see cref="ExportJob.PlanSegmentsAsync"/> as
/// <c>segment-NNNN.json</c>, run by <see cref="ExportJob.RunSegmentAsync"/>. A few hundred bytes (no item data): far
/// below the 256 KB of a Step Functions state.
/// </summary>
/// <param name="TableName">The table read.</param>
/// <param name="IndexName">The index read, or null for the table.</param>
/// <param name="Destination">The export folder (absolute, a directory uri).</param>
/// <param name="Layout">The file layout.</param>
/// <param name="Format">The line format of the part files.</param>
/// <param name="Compression">The compression of the part files.</param>
/// <param name="ExportId">The native layout's export id (the folder under <c>AWSDynamoDB/</c>); null for the EMR layout.</param>
/// <param name="CheckpointUri">The folder every segment of the export records its position and parts in.</param>
/// <param name="PlanFingerprint">The plan's identity: a segment of one plan is never run against another's checkpoint.</param>
/// <param name="Segment">The segment (its id, scan segment or key condition).</param>
/// <param name="SegmentCount">How many segments the plan has.</param>
/// <param name="From">Where a continuation goes on from; null for the segment's start (the checkpoint's record, when later, wins).</param>
public sealed record ExportSegmentDocument(
    [property: JsonPropertyName("table")] string TableName,
    [property: JsonPropertyName("index")] string? IndexName,
    [property: JsonPropertyName("destination")] string Destination,
    [property: JsonPropertyName("layout")] ExportLayout Layout,
    [property: JsonPropertyName("format")] ItemFileFormat Format,
    [property: JsonPropertyName("compression")] CompressionKind Compression,
    [property: JsonPropertyName("exportId")] string? ExportId,
    [property: JsonPropertyName("checkpoint")] string CheckpointUri,
    [property: JsonPropertyName("planFingerprint")] string PlanFingerprint,
    [property: JsonPropertyName("segment")] ExportSplit Segment,
    [property: JsonPropertyName("segmentCount")] int SegmentCount,
    [property: JsonPropertyName("from")] TableSplitPosition? From = null)
{
    /// <summary>The document's format version.</summary>
    [JsonPropertyName("version")] public int Version { get; init; } = 1;

    /// <summary>The document as JSON (one line).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, ExportJsonContext.Default.ExportSegmentDocument);

    /// <summary>Reads a segment document (or continuation) written by <see cref="ToJson"/>.</summary>
    /// <exception cref="FormatException">The text is not a segment document; the message says why.</exception>
    public static ExportSegmentDocument Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            var document = JsonSerializer.Deserialize(json, ExportJsonContext.Default.ExportSegmentDocument);
            if (document is not { TableName: not null, Destination: not null, CheckpointUri: not null, PlanFingerprint: not null, Segment: not null })
            {
                throw new FormatException("not an export segment document: 'table', 'destination', 'checkpoint', 'planFingerprint' and 'segment' are required");
            }
            if (document.Version != 1) throw new FormatException($"export segment document version {document.Version} is not known (1 is)");
            if (document.From is { } from && from.Split != document.Segment.Id)
            {
                throw new FormatException($"the position 'from' is of segment {from.Split}, not of segment {document.Segment.Id}");
            }
            return document;
        }
        catch (JsonException e)
        {
            throw new FormatException($"not an export segment document: {e.Message}", e);
        }
    }

    /// <summary>Reads a segment document from an object uri (<c>s3://</c>, <c>file://</c> or a local path).</summary>
    /// <exception cref="FormatException">The object is not a segment document; the message names it.</exception>
    /// <exception cref="FileNotFoundException">There is no object at <paramref name="uri"/>.</exception>
    public static async Task<ExportSegmentDocument> ReadAsync(ObjectStores stores, string uri, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stores);
        ArgumentException.ThrowIfNullOrWhiteSpace(uri);
        var store = stores.For(uri);
        if (await store.GetInfoAsync(uri, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new FileNotFoundException($"There is no export segment document at {uri}.", uri);
        }
        var stream = await store.OpenReadAsync(uri, cancellationToken: cancellationToken).ConfigureAwait(false);
        string text;
        await using (stream.ConfigureAwait(false))
        {
            using var reader = new StreamReader(stream, System.Text.Encoding.UTF8);
            text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }
        try
        {
            return Parse(text);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{uri}: {e.Message}", e);
        }
    }
}

/// <summary>How one run of an export segment reads: how fast, with what retries, for how long.</summary>
public sealed class ExportSegmentOptions
{
    /// <summary>The longest <see cref="TimeBudget"/>: seven days.</summary>
    public static readonly TimeSpan MaxTimeBudget = TimeSpan.FromDays(7);

    /// <summary>
    /// How much read capacity the run may use. With N segments running at once, set
    /// <see cref="ReadThroughputOptions.ProcessShare"/> to 1/N so that together they keep to the table's budget.
    /// </summary>
    public ReadThroughputOptions Throughput { get; set; } = new();

    /// <summary>Backoff and limits for throttled and failed reads.</summary>
    public RetryOptions Retry { get; set; } = new();

    /// <summary>
    /// How long the run may take, on the job's clock from its start (null: until the segment is done). Before it ends
    /// (less a margin of a tenth of it, at most 10 s) the run stops reading, commits what the part writer holds,
    /// records the segment's position and returns a continuation. A run reads at least one page, so each continuation
    /// gets further. Valid above 0 up to seven days.
    /// </summary>
    public TimeSpan? TimeBudget { get; set; }

    /// <summary>Checks every option (the same checks a segment run makes when it starts).</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option is invalid; its <c>Failures</c> list every problem.</exception>
    public void Validate() => DependencyInjection.OptionsValidation.ThrowIfInvalid(new ExportSegmentOptionsValidator(), this);

    /// <summary>Every problem with these options, as messages naming the option; empty when they are valid.</summary>
    internal List<string> Problems()
    {
        var problems = new List<string>();
        if (Throughput is null) problems.Add("Throughput is required.");
        else problems.AddRange(Throughput.Validate("Throughput."));
        if (Retry is null) problems.Add("Retry is required.");
        else problems.AddRange(Retry.Validate("Retry."));
        if (TimeBudget is { } budget && (budget <= TimeSpan.Zero || budget > MaxTimeBudget)) problems.Add($"TimeBudget is {budget}; it must be above 0 and at most seven days.");
        return problems;
    }
}

/// <summary>Validates <see cref="ExportSegmentOptions"/>.</summary>
internal sealed class ExportSegmentOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<ExportSegmentOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, ExportSegmentOptions options) => DependencyInjection.OptionsValidation.Result(options.Problems());
}

/// <summary>
/// What one run of an export segment (or the finish of a fanned-out export) did, in the shape of the import's split
/// summary, so one state machine handles both: <c>{"done":false,"continuation":{...},"itemsRead":..}</c>.
/// </summary>
public sealed record ExportSegmentRunSummary
{
    /// <summary>Whether the segment is done (for the finish: the manifest is written).</summary>
    [JsonPropertyName("done")] public required bool Done { get; init; }

    /// <summary>The document to run next (the segment from where this run stopped); null when done.</summary>
    [JsonPropertyName("continuation"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] public ExportSegmentDocument? Continuation { get; init; }

    /// <summary>Items DynamoDB evaluated this run (before the filter; the capacity is charged for these).</summary>
    [JsonPropertyName("itemsRead")] public long ItemsRead { get; init; }

    /// <summary>Items written to part files this run (for the finish: items in the export).</summary>
    [JsonPropertyName("itemsWritten")] public long ItemsWritten { get; init; }

    /// <summary>Always 0 for an export (the import's summary counts deletes here).</summary>
    [JsonPropertyName("itemsDeleted")] public long ItemsDeleted { get; init; }

    /// <summary>Always 0 for an export (the import's summary counts dead letters here).</summary>
    [JsonPropertyName("itemsDeadLettered")] public long ItemsDeadLettered { get; init; }

    /// <summary>Always 0 for an export (the import's summary counts bad lines here).</summary>
    [JsonPropertyName("badLines")] public long BadLines { get; init; }

    /// <summary>
    /// Items read this run but given up at its hard deadline (the time budget less 2 s) in a part not yet committed:
    /// not in <see cref="ItemsWritten"/>; the continuation goes on from the last recorded position and reads them again.
    /// </summary>
    [JsonPropertyName("itemsAbandoned")] public long ItemsAbandoned { get; init; }

    /// <summary>Part files committed this run (for the finish: files in the export).</summary>
    [JsonPropertyName("filesCommitted")] public int FilesCommitted { get; init; }

    /// <summary>Read capacity units consumed this run.</summary>
    [JsonPropertyName("consumedCapacityUnits")] public double ConsumedCapacityUnits { get; init; }

    /// <summary>The manifest written by the finish; null for a segment run.</summary>
    [JsonPropertyName("manifestUri")] public string? ManifestUri { get; init; }

    /// <summary>How long the run took, in seconds.</summary>
    [JsonPropertyName("elapsedSeconds")] public double ElapsedSeconds { get; init; }

    /// <summary>The summary as JSON (one line; the continuation inline, null when done).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, ExportJsonContext.Default.ExportSegmentRunSummary);

    /// <summary>Reads a summary written by <see cref="ToJson"/>.</summary>
    /// <exception cref="FormatException">The text is not a summary.</exception>
    public static ExportSegmentRunSummary Parse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, ExportJsonContext.Default.ExportSegmentRunSummary)
                ?? throw new FormatException("not an export segment summary: null");
        }
        catch (JsonException e)
        {
            throw new FormatException($"not an export segment summary: {e.Message}", e);
        }
    }
}

/// <summary>The segments of a fanned-out export as <see cref="ExportJob.PlanSegmentsAsync"/> wrote them.</summary>
/// <param name="Plan">How the table is read.</param>
/// <param name="Segments">One document per segment, in order.</param>
/// <param name="SegmentUris">Where each was written (<c>segment-NNNN.json</c> in the plan folder).</param>
/// <param name="ItemsUri">The <c>items.json</c> a Distributed Map's ItemReader reads: <c>[{"exportSegmentUri":"...","index":N}]</c>.</param>
/// <param name="Resumed">Whether the export was planned before (the same checkpoint): the segments go on where they stopped.</param>
public sealed record ExportSegmentPlan(ExportPlan Plan, IReadOnlyList<ExportSegmentDocument> Segments, IReadOnlyList<string> SegmentUris, string ItemsUri, bool Resumed);

/// <summary>The finish of a fanned-out export was asked for before every segment was done; nothing was written.</summary>
public sealed class ExportSegmentsUnfinishedException : InvalidOperationException
{
    /// <summary>Creates the exception naming the segments not done.</summary>
    public ExportSegmentsUnfinishedException(string tableName, IReadOnlyList<int> unfinished, int segmentCount)
        : base($"The export of {tableName} cannot be finished: {unfinished.Count} of {segmentCount} segments are not done ({Names(unfinished)}). Run their continuations (run-export-segment) until done, then finish again.")
    {
        UnfinishedSegments = unfinished;
    }

    /// <summary>The ids of the segments not done.</summary>
    public IReadOnlyList<int> UnfinishedSegments { get; }

    private static string Names(IReadOnlyList<int> segments) =>
        (segments.Count == 1 ? "segment " : "segments ") + string.Join(", ", segments.Take(20)) + (segments.Count > 20 ? $" and {segments.Count - 20} more" : "");
}
