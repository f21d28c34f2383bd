using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.Retry;
using DynamoDb.Connector.Telemetry;
using Microsoft.Extensions.Logging;

namespace DynamoDb.Connector.Reading;

/// <summary>
/// One table (or index) open for reading, from <see cref="TableInputFormat.OpenAsync"/>: its description, its live read
/// budget (refreshed from DescribeTable, cut by throttling and climbing back, the on-demand ramp), and the counters of
/// every reader opened from it. Readers of any number of splits, on any number of threads, share the budget, so
/// together they read at the rate the options allow and never faster. Dispose it when the reading is over.
/// </summary>
public sealed class TableInput : IDisposable
{
    private readonly Context _context;
    private readonly TableReadBudget _budget;
    private readonly Action<TableReadBudget> _release;
    private int _disposed;
    private readonly ExportReadPacer _pacer;
    private readonly IDisposable _allotted; // the read budget gauge, for as long as the input reads

    internal TableInput(Context context, TableInputOptions options, TableDescription table, TableReadBudget budget, Action<TableReadBudget> release)
    {
        _release = release;
        _context = context;
        Options = options;
        Table = table;
        _budget = budget;
        var (items, bytes) = ExportPlanner.StatisticsOf(table, options.IndexName);
        _pacer = new ExportReadPacer(budget, options.ConsistentRead, items > 0 && bytes > 0 ? (double)bytes / items : null, options.ProjectionExpression is not null);
        TableTag = new("table", table.TableName);
        Retry = new RetryPolicy(options.Retry, context.Time, context.Random);
        _allotted = context.Metrics.ReadAllotted.Track(budget, budget.TableName, () => budget.Current.ReadUnitsPerSecond);
    }

    /// <summary>The options the input was opened with (validated; a copy).</summary>
    public TableInputOptions Options { get; }

    /// <summary>The table's description when the input was opened.</summary>
    public TableDescription Table { get; }

    /// <summary>What the readers did so far, together.</summary>
    public TableReadCounters Counters { get; } = new();

    /// <summary>The read budget now, in RCU per second, before any cut for throttling.</summary>
    public double BudgetReadUnitsPerSecond => _budget.Current.ReadUnitsPerSecond;

    /// <summary>How the budget was derived, in words.</summary>
    public string BudgetBasis => _budget.Current.Basis;

    /// <summary>The rate the readers are paced at now, in RCU per second: the budget, less what throttling took off it.</summary>
    public double PacingReadUnitsPerSecond => _budget.PacingRate;

    internal KeyValuePair<string, object?> TableTag { get; }

    internal Context Services => _context;

    internal ExportReadPacer Pacer => _pacer;

    /// <summary>The retry policy of every page read (the one the writer uses too).</summary>
    internal RetryPolicy Retry { get; }

    /// <summary>
    /// The splits of <see cref="Options"/> at the budget now: the segments set, or derived from the table's size and
    /// the budget, or one Query per key condition.
    /// </summary>
    /// <param name="totalSegments">Segments to plan instead of <see cref="TableInputOptions.TotalSegments"/> (a resumed scan keeps the segments it started with); ignored for Queries.</param>
    /// <param name="readers">
    /// How many splits are read at once (the workers), when known: derived segments are then no more than one per
    /// reader unless the data asks for more (one per GiB); null for a plan whose segments run elsewhere.
    /// </param>
    /// <exception cref="ArgumentException">The options do not fit the table (no such index, consistent reads on a global index, a bad <c>IN</c> list).</exception>
    public ExportPlan Plan(int? totalSegments = null, int? readers = null)
    {
        var options = Options;
        if (totalSegments is { } segments && options.KeyConditionExpression is null)
        {
            options = options.Clone();
            options.TotalSegments = segments;
        }
        return ExportPlanner.Plan(options, Table, _budget.Current.ReadUnitsPerSecond, readers);
    }

    /// <summary>
    /// A reader of split <paramref name="split"/> of <paramref name="plan"/>, from <paramref name="from"/> (null: its
    /// start). The plan must read this input's table and index (it may be one stored earlier, with a checkpoint).
    /// </summary>
    /// <exception cref="ArgumentException">The plan reads another table or index, or the position is of another split.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The plan has no such split.</exception>
    public TableSplitReader OpenReader(ExportPlan plan, int split, TableSplitPosition? from = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.TableName != Table.TableName || plan.IndexName != Options.IndexName)
        {
            throw new ArgumentException($"The plan reads {Describe(plan.TableName, plan.IndexName)}; this input is open on {Describe(Table.TableName, Options.IndexName)}.", nameof(plan));
        }
        if (plan.ConsistentRead != Options.ConsistentRead)
        {
            // The pacing prices a page by its consistency: a plan of the other kind would read at half or twice the budget.
            throw new ArgumentException($"The plan's reads are {(plan.ConsistentRead ? "" : "not ")}strongly consistent, this input's are{(Options.ConsistentRead ? "" : " not")}: open the input with the plan's ConsistentRead.", nameof(plan));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(split);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(split, plan.SplitCount);
        if (from is not null && from.Split != split)
        {
            throw new ArgumentException($"The position is of split {from.Split}, not of split {split}.", nameof(from));
        }
        return new TableSplitReader(this, plan, plan.Splits[split], plan.CreateRequest(split), from ?? TableSplitPosition.Start(split));
    }

    /// <summary>Releases its hold on the table's read budget (kept for a next input of the table for one refresh interval).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _allotted.Dispose();
        _release(_budget);
    }

    private static string Describe(string table, string? index) => index is null ? $"table {table}" : $"index {index} of table {table}";

    /// <summary>What the readers need from the format that opened the input.</summary>
    internal sealed record Context(IAmazonDynamoDB Client, TimeProvider Time, ILogger Logger, ConnectorMetrics Metrics, Func<double> Random, WorkTracker Tracker);
}
