using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace DynamoDb.Connector.Capacity;

/// <summary>
/// The read budget of one table (or global secondary index) in this process, as computed from its description and
/// <see cref="ReadThroughputOptions"/>.
/// </summary>
/// <param name="TableName">The table.</param>
/// <param name="IndexName">The global secondary index whose own capacity is read, or null for the table's.</param>
/// <param name="ReadUnitsPerSecond">The budget in read capacity units per second: the readers' pacing rate.</param>
/// <param name="OnDemand">Whether the table is on-demand.</param>
/// <param name="CeilingReadUnitsPerSecond">Where the budget may grow to (an on-demand ramp's ceiling; null for none).</param>
/// <param name="Basis">How the budget was derived, in words.</param>
internal sealed record ReadBudget(string TableName, string? IndexName, double ReadUnitsPerSecond, bool OnDemand, double? CeilingReadUnitsPerSecond, string Basis)
{
    /// <summary>The read request units per second a new on-demand table sustains (DynamoDB's documented start).</summary>
    public const double NewOnDemandTableReadUnits = 12_000;

    /// <summary>The read capacity of the table, or of <paramref name="globalIndex"/>: provisioned units, on-demand maximum, warm throughput.</summary>
    internal static (double Provisioned, double? OnDemandMax, double? Warm, bool OnDemand) CapacityOf(TableDescription table, string? globalIndex)
    {
        bool onDemand = table.BillingModeSummary?.BillingMode == BillingMode.PAY_PER_REQUEST;
        ProvisionedThroughputDescription? provisioned = table.ProvisionedThroughput;
        long? max = table.OnDemandThroughput?.MaxReadRequestUnits;
        long? warm = table.WarmThroughput?.ReadUnitsPerSecond;
        if (globalIndex is not null && table.GlobalSecondaryIndexes?.Find(i => i.IndexName == globalIndex) is { } index)
        {
            provisioned = index.ProvisionedThroughput;
            max = index.OnDemandThroughput?.MaxReadRequestUnits;
            warm = index.WarmThroughput?.ReadUnitsPerSecond;
        }
        double units = Math.Max(0, provisioned?.ReadCapacityUnits ?? 0);
        // A provisioned table has at least 1 RCU; 0 without a billing summary is how emulators describe on-demand.
        onDemand |= table.BillingModeSummary is null && units <= 0;
        return (units, max > 0 ? max : null, warm > 0 ? warm : null, onDemand);
    }

    /// <summary>Where an on-demand ramp starts: <see cref="ReadThroughputOptions.ReadPercent"/> x what the table takes at once.</summary>
    internal static double OnDemandStart(TableDescription table, string? globalIndex, ReadThroughputOptions options) =>
        Math.Max(1, (CapacityOf(table, globalIndex).Warm ?? NewOnDemandTableReadUnits) * options.ReadPercent);

    /// <summary>Computes the budget; <paramref name="onDemandLevel"/> is where an on-demand ramp stands now (null: its start).</summary>
    internal static ReadBudget Compute(TableDescription table, string? globalIndex, ReadThroughputOptions options, double? onDemandLevel = null)
    {
        var whole = ComputeWhole(table, globalIndex, options, onDemandLevel);
        double share = options.ProcessShare;
        if (share >= 1) return whole;
        // A process running part of a fanned-out export takes its share of the budget and of the ceiling.
        return whole with
        {
            ReadUnitsPerSecond = Math.Max(1, whole.ReadUnitsPerSecond * share),
            CeilingReadUnitsPerSecond = whole.CeilingReadUnitsPerSecond * share,
            Basis = $"{whole.Basis}; this process's share: {Format(share)}",
        };
    }

    private static ReadBudget ComputeWhole(TableDescription table, string? globalIndex, ReadThroughputOptions options, double? onDemandLevel)
    {
        string what = globalIndex is null ? "table" : $"index {globalIndex}";
        if (options.ReadUnitsPerSecond is { } absolute)
        {
            return new ReadBudget(table.TableName, globalIndex, absolute, false, absolute, $"{Format(absolute)} RCU/s set explicitly");
        }
        var capacity = CapacityOf(table, globalIndex);
        double percent = options.ReadPercent;
        if (!capacity.OnDemand)
        {
            double units = Math.Max(1, capacity.Provisioned * percent);
            return new ReadBudget(table.TableName, globalIndex, units, false, units, $"{what} provisioned {Format(capacity.Provisioned)} RCU x {Format(percent)}");
        }
        double? ceiling = options.OnDemandMaxReadUnitsPerSecond ?? (capacity.OnDemandMax is { } max ? Math.Max(1, max * percent) : null);
        double level = onDemandLevel ?? OnDemandStart(table, globalIndex, options);
        if (ceiling is { } c) level = Math.Min(c, level);
        string start = capacity.Warm is { } warm ? $"warm throughput {Format(warm)}" : $"a new table's {Format(NewOnDemandTableReadUnits)}";
        string bound = options.OnDemandMaxReadUnitsPerSecond is { } set ? $"ceiling {Format(set)} set explicitly"
            : capacity.OnDemandMax is { } tableMax ? $"ceiling: {what} maximum {Format(tableMax)} RRU x {Format(percent)}"
            : "no ceiling";
        return new ReadBudget(table.TableName, globalIndex, Math.Max(1, level), true, ceiling,
            $"on-demand {what}: {Format(level)} RRU/s now (ramp from {start} x {Format(percent)}, doubling per 30 min of use), {bound}");
    }

    private static string Format(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
