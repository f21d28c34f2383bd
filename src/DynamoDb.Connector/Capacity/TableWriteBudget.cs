using Amazon.DynamoDBv2;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Telemetry;
using Microsoft.Extensions.Logging;

namespace DynamoDb.Connector.Capacity;

/// <summary>
/// The live write budget of one table in this process (<see cref="TableBudget{TBudget}"/> in write units). What only
/// writes have: each global secondary index bounds the budget too, so a write is charged the larger of what it costs
/// the table and what it costs each index scaled to that index's limit, and the permits a write needs are estimated
/// from what writes were seen to cost each index.
/// </summary>
internal sealed class TableWriteBudget : TableBudget<WriteBudget>
{
    private const double RatioSmoothing = 0.2;

    private readonly object _indexLock = new();
    private readonly Dictionary<string, double> _indexRatios = new(StringComparer.Ordinal);
    private PermitFactor _factor = new(null, 1);

    public TableWriteBudget(IAmazonDynamoDB client, TableCapacity capacity, WriteThroughputOptions options, TimeProvider timeProvider, ILogger logger, WorkTracker tracker)
        : base(client, capacity, new WriteUnits(options), timeProvider, logger, tracker)
    {
        Options = options;
    }

    public KeySchema Keys => Table.Keys;

    public WriteThroughputOptions Options { get; }

    /// <summary>The permits to acquire for writes that cost the table <paramref name="tableWriteUnits"/>, indexes included.</summary>
    public int EstimatePermits(long tableWriteUnits)
    {
        double factor = FactorFor(Current);
        return (int)Math.Min(int.MaxValue, Math.Max(1, Math.Ceiling(tableWriteUnits * factor)));
    }

    /// <summary>
    /// Reconciles <paramref name="acquiredPermits"/> with what DynamoDB charged: the difference is refunded or
    /// owed. Without a consumed-capacity answer the estimate stands. Also lets the rate climb back after throttling.
    /// </summary>
    public void Settle(int acquiredPermits, in ConsumedWrite consumed)
    {
        if (!consumed.Reported)
        {
            Reconcile(acquiredPermits, null, null);
            return;
        }
        var budget = Current;
        double charge = consumed.Table;
        lock (_indexLock)
        {
            foreach (var (index, limit) in budget.IndexWriteUnitsPerSecond)
            {
                double used = consumed.IndexUnits(index);
                charge = Math.Max(charge, used * budget.WriteUnitsPerSecond / limit);
                if (consumed.Table > 0)
                {
                    double ratio = _indexRatios.GetValueOrDefault(index, 1);
                    _indexRatios[index] = ratio + RatioSmoothing * (used / consumed.Table - ratio);
                }
            }
            if (budget.IndexWriteUnitsPerSecond.Count > 0) _factor = ComputeFactor(budget);
        }
        Reconcile(acquiredPermits, consumed.Table, charge);
    }

    // Read on every item a batch takes: lock-free unless the budget changed since the factor was computed.
    private double FactorFor(WriteBudget budget)
    {
        var factor = Volatile.Read(ref _factor);
        if (ReferenceEquals(factor.Budget, budget)) return factor.Value;
        lock (_indexLock) return (_factor = ComputeFactor(budget)).Value;
    }

    private PermitFactor ComputeFactor(WriteBudget budget)
    {
        double factor = 1;
        foreach (var (index, limit) in budget.IndexWriteUnitsPerSecond)
        {
            factor = Math.Max(factor, _indexRatios.GetValueOrDefault(index, 1) * budget.WriteUnitsPerSecond / limit);
        }
        return new PermitFactor(budget, factor);
    }

    /// <summary>Permits per table write unit, for one budget.</summary>
    private sealed record PermitFactor(WriteBudget? Budget, double Value);

    /// <summary>Write units: the table's and its indexes' write capacity, a bucket sized to the budget.</summary>
    private sealed class WriteUnits(WriteThroughputOptions options) : CapacityKind<WriteBudget>
    {
        public override TimeSpan RefreshInterval => options.RefreshInterval;

        // A batch's success climbs for all the time since the last one: writers keep many batches in flight.
        public override TimeSpan? ClimbPerSuccess => null;

        public override double OnDemandStart(TableCapacity table) => WriteBudget.OnDemandStart(table);

        public override WriteBudget Compute(TableCapacity table, double onDemandLevel) => WriteBudget.Compute(table, options, onDemandLevel);

        public override double UnitsPerSecond(WriteBudget budget) => budget.WriteUnitsPerSecond;

        public override string Basis(WriteBudget budget) => budget.Basis;

        // Sized to the budget, not the pacing rate: batches are at most 25 items, and the bucket only bounds them.
        public override double BucketFor(WriteBudget budget, double pacingRate) => Math.Max(1, budget.WriteUnitsPerSecond * options.BurstSeconds);

        public override void LogComputed(ILogger logger, string table, WriteBudget budget) => Log.WriteBudgetComputed(logger, table, budget.WriteUnitsPerSecond, budget.Basis);

        public override void LogChanged(ILogger logger, string table, WriteBudget before, WriteBudget after) =>
            Log.WriteBudgetChanged(logger, table, before.WriteUnitsPerSecond, after.WriteUnitsPerSecond, after.Basis);

        public override void LogRefreshFailed(ILogger logger, string table, Exception exception) => Log.WriteBudgetRefreshFailed(logger, table, exception);

        public override void LogCut(ILogger logger, string table, double beforePercent, double afterPercent, bool hotKeyRange) =>
            Log.PacingRateCut(logger, table, beforePercent, afterPercent, hotKeyRange);
    }
}
