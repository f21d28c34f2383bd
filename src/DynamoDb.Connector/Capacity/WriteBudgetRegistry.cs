using Amazon.DynamoDBv2;
using Microsoft.Extensions.Logging;

namespace DynamoDb.Connector.Capacity;

/// <summary>
/// The write budgets of this process, one per table (and client), kept while writers hold them and for a grace period
/// (<see cref="WriteThroughputOptions.RefreshInterval"/>) after (<see cref="BudgetRegistry{TBudget, TOptions}"/>).
/// </summary>
internal sealed class WriteBudgetRegistry(TimeProvider timeProvider, ILoggerFactory loggerFactory, WorkTracker tracker)
    : BudgetRegistry<TableWriteBudget, WriteThroughputOptions>(timeProvider)
{
    private readonly TimeProvider _time = timeProvider;
    private readonly ILogger _logger = loggerFactory.CreateLogger("DynamoDb.Connector.Capacity");

    /// <summary>The budget of <paramref name="tableName"/>, created (DescribeTable) if no writer holds it. Release it with <see cref="BudgetRegistry{TBudget, TOptions}.Release"/>.</summary>
    /// <exception cref="InvalidOperationException">The table's budget is held with different options.</exception>
    public Task<TableWriteBudget> AcquireAsync(IAmazonDynamoDB client, string tableName, WriteThroughputOptions options, CancellationToken cancellationToken) =>
        AcquireAsync(client, tableName, null, options, null, cancellationToken);

    protected override bool SameAs(WriteThroughputOptions held, WriteThroughputOptions wanted) => held.SameAs(wanted);

    protected override WriteThroughputOptions Clone(WriteThroughputOptions options) => options.Clone();

    protected override TimeSpan GracePeriod(WriteThroughputOptions options) => options.RefreshInterval;

    protected override TableWriteBudget Create(IAmazonDynamoDB client, TableCapacity table, string? index, WriteThroughputOptions options) =>
        new(client, table, options, _time, _logger, tracker);

    protected override string ConflictMessage(string tableName) =>
        $"Table '{tableName}' already has writers in this process with other throughput options: writers of one table share one budget, so their WriteThroughputOptions must be equal.";
}

/// <summary>
/// The read budgets of one <see cref="Reading.TableInputFormat"/>, one per table or global secondary index (and
/// client), kept while inputs hold them and for a grace period (<see cref="ReadThroughputOptions.RefreshInterval"/>)
/// after, so the next input of the table keeps what its pacing learned (<see cref="BudgetRegistry{TBudget, TOptions}"/>).
/// </summary>
internal sealed class ReadBudgetRegistry(TimeProvider timeProvider, ILogger logger, WorkTracker tracker)
    : BudgetRegistry<TableReadBudget, ReadThroughputOptions>(timeProvider)
{
    private readonly TimeProvider _time = timeProvider;

    protected override bool SameAs(ReadThroughputOptions held, ReadThroughputOptions wanted) => held.SameAs(wanted);

    protected override ReadThroughputOptions Clone(ReadThroughputOptions options) => options.Clone();

    protected override TimeSpan GracePeriod(ReadThroughputOptions options) => options.RefreshInterval;

    protected override TableReadBudget Create(IAmazonDynamoDB client, TableCapacity table, string? index, ReadThroughputOptions options) =>
        new(client, table, index, options, _time, logger, tracker);

    protected override string ConflictMessage(string tableName) =>
        $"Table '{tableName}' is already being read in this process with other read throughput options: readers of one table share one budget, so their ReadThroughputOptions must be equal.";
}
