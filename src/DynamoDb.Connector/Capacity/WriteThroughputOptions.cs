using DynamoDb.Connector.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DynamoDb.Connector.Capacity;

/// <summary>
/// How much of a table's write capacity the writers of this process may use. The budget is per table and per
/// process, and shared by the writers actually writing to that table at the moment: one writer alone gets all of it,
/// ten writers share it. It is never divided by a configured task count.
/// </summary>
/// <remarks>
/// <para>Provisioned tables: the table's write capacity units (from DescribeTable) x <see cref="WritePercent"/>.
/// Each global secondary index bounds the budget too, by its own capacity x <see cref="WritePercent"/>, measured in
/// what a table write really costs the index (DynamoDB's consumed capacity per index), so an index with less capacity
/// than the table slows the writers down instead of throttling them.</para>
/// <para>On-demand tables: <see cref="OnDemandMaxWriteUnitsPerSecond"/> when set; otherwise <see cref="WritePercent"/>
/// x the table's <c>OnDemandThroughput.MaxWriteRequestUnits</c> when it has one; otherwise no ceiling. The writers
/// start at what the table takes at once (its warm throughput, else the 4,000 writes/s of a new on-demand table)
/// and double every 30 minutes in which they used the level they had, as DynamoDB absorbs up to twice a table's
/// previous peak. Throttling (AIMD) keeps them under what the table really takes.</para>
/// <para>The table is described again every <see cref="RefreshInterval"/>, so a capacity raised by autoscaling is used
/// within one interval.</para>
/// </remarks>
public sealed class WriteThroughputOptions
{
    /// <summary>The least <see cref="WritePercent"/> accepted.</summary>
    public const double MinWritePercent = 0.1;

    /// <summary>The most <see cref="WritePercent"/> accepted.</summary>
    public const double MaxWritePercent = 1.5;

    /// <summary>The largest write rate accepted for any setting in write capacity units per second.</summary>
    public const double MaxWriteUnits = 1_000_000_000;

    /// <summary>
    /// The share of the table's (and each index's) write capacity to use. Default 0.5; valid 0.1 to 1.5 (above 1
    /// spends burst capacity and leans on autoscaling).
    /// </summary>
    [Between(MinWritePercent, MaxWritePercent)]
    public double WritePercent { get; set; } = 0.5;

    /// <summary>
    /// An absolute budget in write capacity units per second, used as is instead of the table's capacity x
    /// <see cref="WritePercent"/>; it bounds the table and each index alike. This is how a process running part of a
    /// job receives its share of the table's budget. Default null (derive from the table); valid 1 to 1,000,000,000.
    /// </summary>
    [Between(1, MaxWriteUnits)]
    public double? WriteUnitsPerSecond { get; set; }

    /// <summary>
    /// The ceiling for an on-demand table, in write request units per second. Default null: <see cref="WritePercent"/>
    /// x the table's maximum on-demand throughput when it has one, else no ceiling. Valid 1 to 1,000,000,000.
    /// </summary>
    [Between(1, MaxWriteUnits)]
    public double? OnDemandMaxWriteUnitsPerSecond { get; set; }

    /// <summary>
    /// This process's share of the budget computed above, for a job fanned out over several processes that run at once
    /// (<c>dynamodb-connector run-split</c> in containers or Lambda invocations): with N of them, 1/N each, so together
    /// they keep to the table's budget. Scales the table's, each index's and the on-demand ceiling alike. Default 1;
    /// valid above 0 up to 1.
    /// </summary>
    [Between(double.Epsilon, 1, Rule = "it must be above 0 and at most 1.")]
    public double ProcessShare { get; set; } = 1;

    /// <summary>How often the table is described again to follow capacity changes. Default 30 s; valid 1 s to 1 h.</summary>
    [DurationBetween("00:00:01", "01:00:00", Rule = "it must be between 1 second and 1 hour.")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The largest burst, in seconds of budget: the size of the token bucket, and so the most capacity units one batch
    /// may carry (a batch is closed early rather than exceed it). Default 1; valid 0.1 to 300 (DynamoDB keeps up to
    /// 300 s of unused capacity as burst).
    /// </summary>
    [Between(0.1, 300)]
    public double BurstSeconds { get; set; } = 1;

    /// <summary>Copies these options.</summary>
    public WriteThroughputOptions Clone() => (WriteThroughputOptions)MemberwiseClone();

    internal bool SameAs(WriteThroughputOptions other) =>
        WritePercent == other.WritePercent && WriteUnitsPerSecond == other.WriteUnitsPerSecond &&
        OnDemandMaxWriteUnitsPerSecond == other.OnDemandMaxWriteUnitsPerSecond &&
        RefreshInterval == other.RefreshInterval && BurstSeconds == other.BurstSeconds && ProcessShare == other.ProcessShare;

    /// <summary>Every problem with these options, each prefixed with <paramref name="prefix"/>; empty when they are valid.</summary>
    internal IEnumerable<string> Validate(string prefix) => OptionsValidation.Annotations(this, prefix);
}

/// <summary>Validates <see cref="WriteThroughputOptions"/> (their annotations: every value has a range of its own).</summary>
internal sealed class WriteThroughputOptionsValidator : IValidateOptions<WriteThroughputOptions>
{
    public ValidateOptionsResult Validate(string? name, WriteThroughputOptions options) => OptionsValidation.Result(options.Validate(""));
}
