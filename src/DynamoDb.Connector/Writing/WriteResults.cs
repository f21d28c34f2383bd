using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Writing;

/// <summary>What a writer did, returned by <see cref="IDynamoDbWriter.CompleteAsync"/>.</summary>
public sealed record WriteSummary
{
    /// <summary>The table written to.</summary>
    public required string TableName { get; init; }

    /// <summary>Items put (including conditional puts whose condition held).</summary>
    public long ItemsWritten { get; init; }

    /// <summary>Items deleted (a delete of a key with no item counts too: DynamoDB charges it).</summary>
    public long ItemsDeleted { get; init; }

    /// <summary>Writes replaced by a later write of the same key before they were sent (the later one wins, as applying the input in order would).</summary>
    public long ItemsDeduplicated { get; init; }

    /// <summary>
    /// Conditional puts not applied because their condition was false (not errors). A put whose earlier attempt may have
    /// applied (its answer was lost) and whose retry finds an item equal to it counts as written instead.
    /// </summary>
    public long ItemsSkippedByCondition { get; init; }

    /// <summary>Items set aside in the dead-letter sink: invalid, or rejected by DynamoDB for their content (never for throttling or an outage).</summary>
    public long ItemsDeadLettered { get; init; }

    /// <summary>Items accepted by <see cref="IDynamoDbWriter.WriteAsync(Dictionary{string, AttributeValue}, CancellationToken)"/> but neither written nor dead-lettered, because the writer was disposed without <see cref="IDynamoDbWriter.CompleteAsync"/> or failed. 0 after a successful completion.</summary>
    public long ItemsAbandoned { get; init; }

    /// <summary>Write capacity units DynamoDB charged the table (its local secondary indexes included), as it reported them.</summary>
    public double ConsumedWriteUnits { get; init; }

    /// <summary>Write capacity units DynamoDB charged each global secondary index.</summary>
    public IReadOnlyDictionary<string, double> IndexConsumedWriteUnits { get; init; } = new Dictionary<string, double>();

    /// <summary>Requests sent to DynamoDB (retries included).</summary>
    public long Requests { get; init; }

    /// <summary>Requests throttled in whole or in part (unprocessed items included).</summary>
    public long ThrottledRequests { get; init; }

    /// <summary>Of <see cref="ThrottledRequests"/>, those DynamoDB blamed on a hot key range (<c>KeyRangeThroughputExceeded</c>): a sign the input is sorted by key.</summary>
    public long HotKeyRangeThrottles { get; init; }

    /// <summary>Requests sent again after a throttle, unprocessed items or a transient fault: one per failed attempt, the SDK client's own retries included (see <see cref="RetryOptions"/>).</summary>
    public long Retries { get; init; }

    /// <summary>Time batches spent waiting for write capacity permits, summed over the batches in flight (so it can exceed <see cref="Elapsed"/>).</summary>
    public TimeSpan PermitWaitTime { get; init; }

    /// <summary>From the writer's creation to its completion.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>The dead letters, when the writer kept them in memory (no sink or uri set); empty otherwise.</summary>
    public IReadOnlyList<DeadLetter> DeadLetters { get; init; } = [];
}

/// <summary>
/// What a writer acknowledged between two flushes (or its creation and its first flush), returned by
/// <see cref="IDynamoDbWriter.FlushAsync"/>: every item accepted before the flush is counted in exactly one flush as
/// written, deleted, deduplicated, skipped by condition or dead-lettered.
/// </summary>
public sealed record WriteFlush
{
    /// <summary>Items put since the previous flush (including conditional puts whose condition held).</summary>
    public long ItemsWritten { get; init; }

    /// <summary>Items deleted since the previous flush.</summary>
    public long ItemsDeleted { get; init; }

    /// <summary>Writes replaced by a later write of the same key before they were sent, since the previous flush.</summary>
    public long ItemsDeduplicated { get; init; }

    /// <summary>Conditional puts not applied because their condition was false, since the previous flush.</summary>
    public long ItemsSkippedByCondition { get; init; }

    /// <summary>Items set aside in the dead-letter sink since the previous flush; durable when the flush returns.</summary>
    public long ItemsDeadLettered { get; init; }

    /// <summary>Write capacity units DynamoDB charged the table since the previous flush.</summary>
    public double ConsumedWriteUnits { get; init; }

    /// <summary>Requests sent to DynamoDB since the previous flush (retries included).</summary>
    public long Requests { get; init; }

    /// <summary>Requests throttled in whole or in part since the previous flush.</summary>
    public long ThrottledRequests { get; init; }

    /// <summary>Requests sent again after a throttle, unprocessed items or a transient fault, since the previous flush.</summary>
    public long Retries { get; init; }

    /// <summary>
    /// The dead letters since the previous flush, when the writer keeps them in memory (no sink or uri set; the
    /// summary's <see cref="WriteSummary.DeadLetters"/> holds them all, within the same limit); empty otherwise.
    /// </summary>
    public IReadOnlyList<DeadLetter> DeadLetters { get; init; } = [];
}

/// <summary>A writer's progress so far, reported every progress interval.</summary>
/// <param name="TableName">The table.</param>
/// <param name="ItemsWritten">Items put so far.</param>
/// <param name="ItemsDeleted">Items deleted so far.</param>
/// <param name="ItemsDeadLettered">Items dead-lettered so far.</param>
/// <param name="ConsumedWriteUnits">Write capacity units charged to the table so far.</param>
/// <param name="WritesPerSecond">Items put or deleted per second over the last interval.</param>
/// <param name="WriteUnitsPerSecond">Write capacity units per second over the last interval.</param>
/// <param name="BudgetWriteUnitsPerSecond">The table's budget now (shared with the table's other writers).</param>
/// <param name="PacingWriteUnitsPerSecond">The pacing rate now: the budget less what throttling took off it.</param>
/// <param name="Elapsed">Since the writer was created.</param>
/// <param name="ThrottledRequests">Requests DynamoDB throttled so far, in whole or in part.</param>
public sealed record WriteProgress(
    string TableName,
    long ItemsWritten,
    long ItemsDeleted,
    long ItemsDeadLettered,
    double ConsumedWriteUnits,
    double WritesPerSecond,
    double WriteUnitsPerSecond,
    double BudgetWriteUnitsPerSecond,
    double PacingWriteUnitsPerSecond,
    TimeSpan Elapsed,
    long ThrottledRequests = 0);

/// <summary>An item that could not be written, with why and where it came from.</summary>
/// <param name="Item">The item as given to the writer (for a delete, what was given as the key).</param>
/// <param name="Operation">Put or delete.</param>
/// <param name="Reason">Why, in words: the validation rule broken, DynamoDB's own message, or the last error before retries ran out.</param>
/// <param name="Source">The file the item came from, when known.</param>
/// <param name="Line">Its 1-based line in that file; 0 when unknown.</param>
public sealed record DeadLetter(Dictionary<string, AttributeValue> Item, RecordOperation Operation, string Reason, string? Source, long Line)
{
    /// <summary>
    /// A line that could not be read as an item at all, as it was in the file (<see cref="Item"/> is then empty), so it can
    /// be fixed by hand. Null for items that were read but could not be written.
    /// </summary>
    public string? RawLine { get; init; }

    /// <summary>
    /// The folder, under an import's dead-letter folder, where CSV records that could not be read are kept as CSV
    /// files (each starting with the header the records were read under), which import again with the same schema.
    /// </summary>
    public const string CsvFolder = "csv/";

    /// <summary>
    /// The folder, under an import's dead-letter folder, where deletes that could not be applied are kept as
    /// <c>{"Keys":...}</c> lines, which import again (as deletes) with the ddb-json-incremental format.
    /// </summary>
    public const string DeletesFolder = "deletes/";

    /// <summary>Set when <see cref="RawLine"/> is a whole CSV record: the header it was read under (<see cref="RecordError.Csv"/>), to set it aside as CSV.</summary>
    public Formats.Csv.CsvRecordOrigin? Csv { get; init; }

    /// <summary>A dead letter for a line that could not be read: its source, line, reason and text.</summary>
    public static DeadLetter ForBadLine(RecordError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new DeadLetter([], RecordOperation.Put, error.Reason, error.Source, error.Line) { RawLine = error.RawLine ?? error.Excerpt, Csv = error.Csv };
    }
}

/// <summary>
/// Where items that cannot be written go, to be fixed and imported again. Writers call it from several batches at
/// once: implementations must be safe for concurrent calls.
/// </summary>
public interface IDeadLetterSink
{
    /// <summary>Records one dead letter. An exception fails the writer (an item must not be lost silently).</summary>
    ValueTask WriteAsync(DeadLetter letter, CancellationToken cancellationToken = default);

    /// <summary>Makes what was written so far durable; each writer calls it when it completes.</summary>
    ValueTask FlushAsync(CancellationToken cancellationToken = default);
}

/// <summary>A writer failed (an error that retrying cannot fix, such as a missing table or denied access). What it did before is in <see cref="Summary"/>.</summary>
public sealed class TableWriteException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TableWriteException(string message, WriteSummary summary, Exception? innerException)
        : base(message, innerException)
    {
        ArgumentNullException.ThrowIfNull(summary);
        Summary = summary;
    }

    /// <summary>What the writer did before and after the failure: written, dead-lettered and abandoned items.</summary>
    public WriteSummary Summary { get; }
}
