using System.Globalization;
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

    /// <summary>Where an on-demand ramp starts: <see cref="ReadThroughputOptions.ReadPercent"/> x what the table takes at once.</summary>
    internal static double OnDemandStart(TableCapacity table, string? globalIndex, ReadThroughputOptions options) =>
        Math.Max(1, (table.Of(CapacityUnitKind.Read, globalIndex).Warm ?? NewOnDemandTableReadUnits) * options.ReadPercent);

    /// <inheritdoc cref="Compute(TableCapacity, string?, ReadThroughputOptions, double?)"/>
    internal static ReadBudget Compute(TableDescription table, string? globalIndex, ReadThroughputOptions options, double? onDemandLevel = null) =>
        Compute(TableCapacity.From(table), globalIndex, options, onDemandLevel);

    /// <summary>Computes the budget; <paramref name="onDemandLevel"/> is where an on-demand ramp stands now (null: its start).</summary>
    internal static ReadBudget Compute(TableCapacity table, string? globalIndex, ReadThroughputOptions options, double? onDemandLevel = null)
    {
        var whole = ComputeWhole(table, globalIndex, options, onDemandLevel);
        return BudgetShare.IsWhole(options.ProcessShare) ? whole : whole with
        {
            ReadUnitsPerSecond = BudgetShare.Of(whole.ReadUnitsPerSecond, options.ProcessShare),
            CeilingReadUnitsPerSecond = whole.CeilingReadUnitsPerSecond * options.ProcessShare,
            Basis = BudgetShare.Describe(whole.Basis, options.ProcessShare),
        };
    }

    private static ReadBudget ComputeWhole(TableCapacity table, string? globalIndex, ReadThroughputOptions options, double? onDemandLevel)
    {
        string what = globalIndex is null ? "table" : $"index {globalIndex}";
        if (options.ReadUnitsPerSecond is { } absolute)
        {
            return new ReadBudget(table.TableName, globalIndex, absolute, false, absolute, $"{Format(absolute)} RCU/s set explicitly");
        }
        var capacity = table.Of(CapacityUnitKind.Read, globalIndex);
        double percent = options.ReadPercent;
        if (!table.OnDemand)
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

/// <summary>
/// A process's share of a budget, for a job fanned out over processes that run at once (each takes 1/N of the
/// table's budget, its ceiling and its indexes'), for reads and writes alike.
/// </summary>
internal static class BudgetShare
{
    /// <summary>Whether <paramref name="share"/> is the whole budget (nothing to scale).</summary>
    public static bool IsWhole(double share) => share >= 1;

    /// <summary><paramref name="units"/> x <paramref name="share"/>, at least 1 unit per second.</summary>
    public static double Of(double units, double share) => Math.Max(1, units * share);

    /// <summary>The basis of a budget scaled to <paramref name="share"/>.</summary>
    public static string Describe(string basis, double share) => $"{basis}; this process's share: {share.ToString("0.##", CultureInfo.InvariantCulture)}";
}
