using DynamoDb.Connector.DependencyInjection;

namespace DynamoDb.Connector.Capacity;

/// <summary>
/// How much of a table's read capacity an export may use. The budget is shared by the export's workers (however
/// many there are), in read capacity units per second: one 4 KB strongly consistent read, or two eventually
/// consistent ones.
/// </summary>
/// <remarks>
/// <para>Provisioned tables: the read capacity units of what is read (the table, or a global secondary index, which has
/// capacity of its own; a local secondary index shares the table's) x <see cref="ReadPercent"/>.</para>
/// <para>On-demand tables: <see cref="OnDemandMaxReadUnitsPerSecond"/> when set; otherwise <see cref="ReadPercent"/> x
/// the table's <c>OnDemandThroughput.MaxReadRequestUnits</c> when it has one; otherwise no ceiling. The readers start
/// at <see cref="ReadPercent"/> x what the table takes at once (its warm throughput, else the 12,000 reads/s of a new
/// on-demand table) and double every 30 minutes in which they used the level they had. Throttling cuts the rate
/// (AIMD) and it climbs back. <see cref="ProcessShare"/> then takes this process's part of it.</para>
/// <para>The table is described again every <see cref="RefreshInterval"/>, so a capacity raised by autoscaling is
/// used within one interval.</para>
/// </remarks>
public sealed class ReadThroughputOptions
{
    /// <summary>The least <see cref="ReadPercent"/> accepted.</summary>
    public const double MinReadPercent = 0.01;

    /// <summary>The most <see cref="ReadPercent"/> accepted.</summary>
    public const double MaxReadPercent = 1.5;

    /// <summary>The largest rate accepted for any setting in read capacity units per second.</summary>
    public const double MaxReadUnits = 1_000_000_000;

    /// <summary>
    /// The share of the read capacity to use. Default 0.5, as the EMR connector; valid 0.01 to 1.5 (above 1 spends
    /// burst capacity and leans on autoscaling).
    /// </summary>
    [Between(MinReadPercent, MaxReadPercent)]
    public double ReadPercent { get; set; } = 0.5;

    /// <summary>
    /// An absolute budget in read capacity units per second, used as is instead of the capacity x
    /// <see cref="ReadPercent"/>. Default null (derive from the table); valid 1 to 1,000,000,000.
    /// </summary>
    [Between(1, MaxReadUnits)]
    public double? ReadUnitsPerSecond { get; set; }

    /// <summary>
    /// The ceiling for an on-demand table, in read request units per second. Default null: <see cref="ReadPercent"/>
    /// x the table's maximum on-demand read throughput when it has one, else no ceiling. Valid 1 to 1,000,000,000.
    /// </summary>
    [Between(1, MaxReadUnits)]
    public double? OnDemandMaxReadUnitsPerSecond { get; set; }

    /// <summary>
    /// This process's share of the budget computed above, for an export fanned out over processes that run at once
    /// (<c>dynamodb-connector run-export-segment</c> in containers or Lambda invocations): with N of them, 1/N each,
    /// so together they keep to the table's budget. Scales the budget and the on-demand ceiling alike. Default 1;
    /// valid above 0 up to 1.
    /// </summary>
    [Between(double.Epsilon, 1, Rule = "it must be above 0 and at most 1.")]
    public double ProcessShare { get; set; } = 1;

    /// <summary>How often the table is described again to follow capacity changes. Default 30 s; valid 1 s to 1 h.</summary>
    [DurationBetween("00:00:01", "01:00:00", Rule = "it must be between 1 second and 1 hour.")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The largest burst, in seconds of budget: the size of the token bucket, and so the most read units one page
    /// is sized to cost. Default 1; valid 0.1 to 300.
    /// </summary>
    [Between(0.1, 300)]
    public double BurstSeconds { get; set; } = 1;

    /// <summary>Copies these options.</summary>
    public ReadThroughputOptions Clone() => (ReadThroughputOptions)MemberwiseClone();

    internal bool SameAs(ReadThroughputOptions other) =>
        ReadPercent == other.ReadPercent && ReadUnitsPerSecond == other.ReadUnitsPerSecond &&
        OnDemandMaxReadUnitsPerSecond == other.OnDemandMaxReadUnitsPerSecond &&
        RefreshInterval == other.RefreshInterval && BurstSeconds == other.BurstSeconds && ProcessShare == other.ProcessShare;

    /// <summary>Every problem with these options, each prefixed with <paramref name="prefix"/>; empty when they are valid.</summary>
    internal IEnumerable<string> Validate(string prefix) => OptionsValidation.Annotations(this, prefix);
}
