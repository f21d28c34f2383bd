using System.Text.Json.Serialization;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Export;

namespace DynamoDb.Connector.Reading;

/// <summary>
/// How far the reading of one split got: what DynamoDB returned before this position has been read, and
/// <see cref="LastEvaluatedKey"/> is where the next page starts. Give it to <see cref="TableInput.OpenReader"/> to
/// resume the split there. Serializable with System.Text.Json (key values in DynamoDB's JSON shape), so a host can
/// store it with its own checkpoint.
/// </summary>
/// <param name="Split">The split's id in its plan (<see cref="ExportSplit.Id"/>).</param>
/// <param name="Pages">Pages read up to this position (never decreases: of two positions of a split, the later has more pages).</param>
/// <param name="ItemsScanned">Items DynamoDB evaluated up to this position (before the filter; capacity is charged for these).</param>
/// <param name="ItemsReturned">Items DynamoDB returned up to this position (after the filter).</param>
/// <param name="LastEvaluatedKey">Where the next page starts; null when the split is done or has not started.</param>
/// <param name="Done">Whether the split was read to its end.</param>
public sealed record TableSplitPosition(
    [property: JsonPropertyName("id")] int Split,
    [property: JsonPropertyName("pages")] long Pages,
    [property: JsonPropertyName("itemsScanned")] long ItemsScanned,
    // "itemsExported": the name export checkpoints have always recorded, so they resume across versions.
    [property: JsonPropertyName("itemsExported")] long ItemsReturned,
    [property: JsonPropertyName("lastEvaluatedKey"), JsonConverter(typeof(AttributeDictionaryJsonConverter))] Dictionary<string, AttributeValue>? LastEvaluatedKey,
    [property: JsonPropertyName("done")] bool Done)
{
    /// <summary>A split not started.</summary>
    public static TableSplitPosition Start(int split) => new(split, 0, 0, 0, null, false);

    /// <summary>The position after one more page that ended at <paramref name="lastEvaluatedKey"/> (null or empty: the split's end).</summary>
    public TableSplitPosition Next(Dictionary<string, AttributeValue>? lastEvaluatedKey, int scanned, int returned) =>
        new(Split, Pages + 1, ItemsScanned + scanned, ItemsReturned + returned,
            lastEvaluatedKey is { Count: > 0 } ? lastEvaluatedKey : null, lastEvaluatedKey is not { Count: > 0 });
}

/// <summary>One page of a split: its items, and the position after it (resume there to read the next page).</summary>
/// <param name="Items">The items DynamoDB returned, in its order.</param>
/// <param name="Position">The split's position after this page.</param>
/// <param name="Scanned">Items DynamoDB evaluated for this page (before the filter).</param>
/// <param name="ConsumedCapacityUnits">Read capacity units the page cost (estimated when DynamoDB reported none, as emulators do).</param>
public sealed record TablePage(IReadOnlyList<Dictionary<string, AttributeValue>> Items, TableSplitPosition Position, int Scanned, double ConsumedCapacityUnits)
{
    /// <summary>
    /// Each item's DynamoDB JSON (UTF-8, a map of typed attributes on one line, as a Scan returns it), in the order of
    /// <see cref="Items"/>; set by <see cref="TableSplitReader.ReadJsonPageAsync"/>, null otherwise.
    /// </summary>
    public IReadOnlyList<ReadOnlyMemory<byte>>? ItemsJson { get; init; }
}

/// <summary>What the readers of one <see cref="TableInput"/> did so far, together (thread-safe; read at any time).</summary>
public sealed class TableReadCounters
{
    private readonly Lock _lock = new();
    private long _pages, _scanned, _returned, _throttled, _splitsDone;
    private double _units;

    /// <summary>Pages read.</summary>
    public long Pages => Interlocked.Read(ref _pages);

    /// <summary>Items DynamoDB evaluated (before the filter).</summary>
    public long ItemsScanned => Interlocked.Read(ref _scanned);

    /// <summary>Items DynamoDB returned (after the filter).</summary>
    public long ItemsReturned => Interlocked.Read(ref _returned);

    /// <summary>Requests DynamoDB throttled (each was retried after a backoff).</summary>
    public long ThrottledRequests => Interlocked.Read(ref _throttled);

    /// <summary>Splits read to their end.</summary>
    public long SplitsDone => Interlocked.Read(ref _splitsDone);

    /// <summary>Read capacity units consumed (estimated where DynamoDB reported none).</summary>
    public double ConsumedCapacityUnits
    {
        get { lock (_lock) return _units; }
    }

    internal void OnPage(int scanned, int returned, double units, bool done)
    {
        Interlocked.Increment(ref _pages);
        Interlocked.Add(ref _scanned, scanned);
        Interlocked.Add(ref _returned, returned);
        if (done) Interlocked.Increment(ref _splitsDone);
        lock (_lock) _units += units;
    }

    internal void OnThrottled() => Interlocked.Increment(ref _throttled);
}
