using System.Text.Json;

namespace DynamoDb.Connector.Import;

/// <summary>
/// What one run of a split did, as a host passes it on: whether the split is done and, if not, the continuation to
/// run next. What <c>dynamodb-connector run-split --json</c> prints and the Lambda handler returns, as JSON with
/// camelCase names: <c>{"done":false,"continuation":{...},"itemsRead":..,"itemsWritten":..,...}</c>.
/// </summary>
public sealed record SplitRunSummary
{
    /// <summary>Whether the split is finished (see <see cref="ImportResult.Done"/>).</summary>
    public bool Done { get; init; }

    /// <summary>The split document to run next (<see cref="ImportResult.Continuation"/>); null when <see cref="Done"/>.</summary>
    public SplitDocument? Continuation { get; init; }

    /// <summary>Records read by this run.</summary>
    public long ItemsRead { get; init; }

    /// <summary>Items put by this run (a replay after a stop counts again what it writes again).</summary>
    public long ItemsWritten { get; init; }

    /// <summary>Items deleted by this run.</summary>
    public long ItemsDeleted { get; init; }

    /// <summary>Bad lines and items set aside by this run.</summary>
    public long ItemsDeadLettered { get; init; }

    /// <summary>Of <see cref="ItemsDeadLettered"/>, the lines that could not be read.</summary>
    public long BadLines { get; init; }

    /// <summary>
    /// Records read after the position the continuation goes on from and given up at the run's hard deadline (a table
    /// too slow for the flush to end within the budget; see <see cref="ImportResult.ItemsAbandoned"/>): not counted as
    /// read, written or set aside; the next run writes them again (at least once).
    /// </summary>
    public long ItemsAbandoned { get; init; }

    /// <summary>How long the run took, in seconds.</summary>
    public double ElapsedSeconds { get; init; }

    /// <summary>The summary of <paramref name="result"/>.</summary>
    public static SplitRunSummary From(ImportResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new SplitRunSummary
        {
            Done = result.Done,
            Continuation = result.Continuation,
            ItemsRead = result.ItemsRead,
            ItemsWritten = result.ItemsWritten,
            ItemsDeleted = result.ItemsDeleted,
            ItemsDeadLettered = result.ItemsDeadLettered,
            BadLines = result.BadLines,
            ItemsAbandoned = result.ItemsAbandoned,
            ElapsedSeconds = Math.Round(result.Elapsed.TotalSeconds, 3),
        };
    }

    /// <summary>The summary as one line of JSON (<c>continuation</c> is written as null when done).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, ImportJsonContext.Default.SplitRunSummary);

    /// <summary>Reads a summary written by <see cref="ToJson"/>.</summary>
    /// <exception cref="FormatException">The text is not a split-run summary, or its continuation is not a split document.</exception>
    public static SplitRunSummary Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        SplitRunSummary? summary;
        try
        {
            summary = JsonSerializer.Deserialize(json, ImportJsonContext.Default.SplitRunSummary);
        }
        catch (JsonException e)
        {
            throw new FormatException($"not a split-run summary: {e.Message}", e);
        }
        if (summary is null) throw new FormatException("not a split-run summary: null");
        if (!summary.Done && summary.Continuation is null) throw new FormatException("not a split-run summary: not done, and no 'continuation'");
        // The continuation is checked as a split document is.
        if (summary.Continuation is { } continuation) SplitDocument.Parse(continuation.ToJson(), "continuation");
        return summary;
    }
}
