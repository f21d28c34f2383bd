using System.Globalization;

namespace DynamoDb.Connector.Capacity;

/// <summary>
/// The write budget of one table in this process, as computed from its description and
/// <see cref="WriteThroughputOptions"/>. Writers acquire permits at <see cref="WriteUnitsPerSecond"/>; a write is
/// charged the larger of what it costs the table and what it costs each index scaled to that index's limit.
/// </summary>
/// <param name="TableName">The table.</param>
/// <param name="WriteUnitsPerSecond">The table's limit in write capacity units per second: the writers' pacing rate.</param>
/// <param name="IndexWriteUnitsPerSecond">Each bounded global secondary index's limit, in its own write capacity units per second.</param>
/// <param name="OnDemand">Whether the table is on-demand.</param>
/// <param name="CeilingWriteUnitsPerSecond">
/// Where the budget may grow to: for an on-demand table the ceiling its ramp heads for (null when there is none);
/// otherwise <paramref name="WriteUnitsPerSecond"/>.
/// </param>
/// <param name="Basis">How the budget was derived, in words (logged at start and on every change).</param>
public sealed record WriteBudget(
    string TableName,
    double WriteUnitsPerSecond,
    IReadOnlyDictionary<string, double> IndexWriteUnitsPerSecond,
    bool OnDemand,
    double? CeilingWriteUnitsPerSecond,
    string Basis)
{
    /// <summary>The write request units per second a new on-demand table sustains (DynamoDB's documented start).</summary>
    public const double NewOnDemandTableWriteUnits = 4_000;

    /// <summary>The table's primary key, from its description (null when the budget was not computed from one).</summary>
    public Formats.Items.KeySchema? Keys { get; init; }

    /// <summary>Where an on-demand ramp starts: the table's warm throughput, else what a new on-demand table takes.</summary>
    internal static double OnDemandStart(TableCapacity table) => table.Write.Warm ?? NewOnDemandTableWriteUnits;

    /// <summary>The ceiling of an on-demand ramp, or null for none.</summary>
    internal static double? OnDemandCeiling(TableCapacity table, WriteThroughputOptions options) =>
        options.OnDemandMaxWriteUnitsPerSecond ?? (table.Write.OnDemandMax is { } max ? Math.Max(1, max * options.WritePercent) : null);

    /// <summary>Computes the budget; <paramref name="onDemandLevel"/> is where an on-demand ramp stands now.</summary>
    internal static WriteBudget Compute(TableCapacity table, WriteThroughputOptions options, double onDemandLevel)
    {
        var whole = ComputeWhole(table, options, onDemandLevel) with { Keys = table.Keys };
        double share = options.ProcessShare;
        if (BudgetShare.IsWhole(share)) return whole;
        // A process running part of a fanned-out job takes its share of everything: the table, each index, the ceiling.
        var indexes = whole.IndexWriteUnitsPerSecond.ToDictionary(p => p.Key, p => BudgetShare.Of(p.Value, share), StringComparer.Ordinal);
        return whole with
        {
            WriteUnitsPerSecond = BudgetShare.Of(whole.WriteUnitsPerSecond, share),
            IndexWriteUnitsPerSecond = indexes,
            CeilingWriteUnitsPerSecond = whole.CeilingWriteUnitsPerSecond * share,
            Basis = BudgetShare.Describe(whole.Basis, share),
        };
    }

    private static WriteBudget ComputeWhole(TableCapacity table, WriteThroughputOptions options, double onDemandLevel)
    {
        var indexes = new Dictionary<string, double>(StringComparer.Ordinal);
        if (options.WriteUnitsPerSecond is { } absolute)
        {
            foreach (var index in table.Indexes) indexes[index.Name] = absolute;
            return new WriteBudget(table.TableName, absolute, indexes, table.OnDemand, absolute,
                $"{Format(absolute)} WCU/s set explicitly (bounds the table and each index)");
        }
        double percent = options.WritePercent;
        if (!table.OnDemand)
        {
            double units = Math.Max(1, table.Write.Provisioned * percent);
            var basis = $"provisioned {Format(table.Write.Provisioned)} WCU x {Format(percent)}";
            foreach (var index in table.Indexes)
            {
                if (index.Write.Provisioned <= 0) continue;
                indexes[index.Name] = Math.Max(1, index.Write.Provisioned * percent);
                basis += $"; index {index.Name}: {Format(index.Write.Provisioned)} WCU x {Format(percent)}";
            }
            return new WriteBudget(table.TableName, units, indexes, false, units, basis);
        }
        double? ceiling = OnDemandCeiling(table, options);
        double level = ceiling is { } c ? Math.Min(c, onDemandLevel) : onDemandLevel;
        string start = table.Write.Warm is { } warm ? $"warm throughput {Format(warm)}" : $"a new table's {Format(NewOnDemandTableWriteUnits)}";
        string bound = options.OnDemandMaxWriteUnitsPerSecond is { } set ? $"ceiling {Format(set)} set explicitly"
            : table.Write.OnDemandMax is { } max ? $"ceiling: table maximum {Format(max)} WRU x {Format(percent)}"
            : "no ceiling (the table sets no maximum on-demand throughput)";
        var text = $"on-demand: {Format(level)} WRU/s now (ramp from {start}, doubling per 30 min of use), {bound}";
        foreach (var index in table.Indexes)
        {
            if (index.Write.OnDemandMax is not { } indexMax) continue;
            indexes[index.Name] = Math.Max(1, indexMax * percent);
            text += $"; index {index.Name}: maximum {Format(indexMax)} WRU x {Format(percent)}";
        }
        return new WriteBudget(table.TableName, Math.Max(1, level), indexes, true, ceiling, text);
    }

    private static string Format(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
