using Amazon.DynamoDBv2;
using DynamoDb.Connector.Telemetry;
using Microsoft.Extensions.Logging;

namespace DynamoDb.Connector.Capacity;

/// <summary>
/// The live read budget of one table (or global secondary index) in this process (<see cref="TableBudget{TBudget}"/>
/// in read units). What only reads have: the capacity read is the table's or one index's own, the bucket follows
/// the pacing rate (a page is sized to cost at most one bucket), and one page's success climbs the rate back for at
/// most <see cref="ClimbPerSuccess"/>. Pages are priced by their consistency and item size in
/// <see cref="Export.ExportReadPacer"/>.
/// </summary>
internal sealed class TableReadBudget : TableBudget<ReadBudget>
{
    /// <summary>
    /// A page that succeeds lets the rate climb for at most this long since the last one: time spent backing off from
    /// throttling would otherwise undo the cuts before a single page gets through (pages can be large).
    /// </summary>
    internal static readonly TimeSpan ClimbPerSuccess = TimeSpan.FromSeconds(1);

    private readonly WorkTracker _tracker;

    public TableReadBudget(IAmazonDynamoDB client, TableCapacity table, string? globalIndex, ReadThroughputOptions options, TimeProvider timeProvider, ILogger logger, WorkTracker tracker)
        : base(client, table, new ReadUnits(globalIndex, options), timeProvider, logger, tracker)
    {
        _tracker = tracker;
        IndexName = globalIndex;
        Options = options;
    }

    /// <summary>The global secondary index whose capacity is read, or null for the table's.</summary>
    public string? IndexName { get; }

    public ReadThroughputOptions Options { get; }

    /// <summary>Waits for <paramref name="permits"/>, as a flow of the tracker (so a fake clock can advance meanwhile).</summary>
    public async ValueTask AcquireAsync(int permits, CancellationToken cancellationToken)
    {
        var acquiring = Limiter.AcquireAsync(permits, cancellationToken);
        var lease = acquiring.IsCompleted ? acquiring.Result : await _tracker.WaitAsync(acquiring.AsTask()).ConfigureAwait(false);
        if (!lease.IsAcquired) throw new OperationCanceledException("The read budget was released.", cancellationToken);
    }

    /// <summary>Reconciles <paramref name="acquiredPermits"/> with what DynamoDB charged (null: the estimate stands); lets the rate climb back after throttling.</summary>
    public void Settle(int acquiredPermits, double? consumedUnits) => Reconcile(acquiredPermits, consumedUnits, consumedUnits);

    /// <summary>Read units: the table's or one global index's read capacity, a bucket that follows the pacing rate.</summary>
    private sealed class ReadUnits(string? globalIndex, ReadThroughputOptions options) : CapacityKind<ReadBudget>
    {
        public override TimeSpan RefreshInterval => options.RefreshInterval;

        public override TimeSpan? ClimbPerSuccess => TableReadBudget.ClimbPerSuccess;

        public override double OnDemandStart(TableCapacity table) => ReadBudget.OnDemandStart(table, globalIndex, options);

        public override ReadBudget Compute(TableCapacity table, double onDemandLevel) => ReadBudget.Compute(table, globalIndex, options, onDemandLevel);

        public override double UnitsPerSecond(ReadBudget budget) => budget.ReadUnitsPerSecond;

        public override string Basis(ReadBudget budget) => budget.Basis;

        // After throttling, neither the burst nor the pages stay sized for the full budget.
        public override double BucketFor(ReadBudget budget, double pacingRate) => Math.Max(1, pacingRate * options.BurstSeconds);

        public override void LogComputed(ILogger logger, string table, ReadBudget budget) => Log.ReadBudgetComputed(logger, table, budget.ReadUnitsPerSecond, budget.Basis);

        public override void LogChanged(ILogger logger, string table, ReadBudget before, ReadBudget after) =>
            Log.ReadBudgetChanged(logger, table, before.ReadUnitsPerSecond, after.ReadUnitsPerSecond, after.Basis);

        public override void LogRefreshFailed(ILogger logger, string table, Exception exception) => Log.ReadBudgetRefreshFailed(logger, table, exception);

        public override void LogCut(ILogger logger, string table, double beforePercent, double afterPercent, bool hotKeyRange) =>
            Log.ReadPacingCut(logger, table, beforePercent, afterPercent, hotKeyRange);
    }
}
