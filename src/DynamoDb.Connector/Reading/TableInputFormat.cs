using System.Diagnostics.Metrics;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DynamoDb.Connector.Reading;

/// <summary>
/// The table side of an export, usable alone: plans how a table (or an index, or the part a key condition selects) is
/// read, as parallel Scan segments or as Queries (one per value of an <c>IN</c> list on the partition key), and opens
/// a <see cref="TableInput"/> whose split readers return pages paced in read capacity units over one shared read
/// budget, each page with the position to resume its split from. Registered by
/// <c>services.AddDynamoDbConnector(...)</c>; uses the <see cref="IAmazonDynamoDB"/> from DI.
/// </summary>
/// <example>
/// <code>
/// using var input = await tables.OpenAsync(new TableInputOptions { TableName = "orders" }, ct);
/// var plan = input.Plan();
/// foreach (var split in plan.Splits)
/// {
///     var reader = input.OpenReader(plan, split.Id);
///     while (await reader.ReadPageAsync(cancellationToken: ct) is { } page)
///     {
///         // use page.Items; store page.Position to resume the split from there
///     }
/// }
/// </code>
/// </example>
public sealed class TableInputFormat : IDisposable
{
    private readonly IAmazonDynamoDB _client;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConnectorMetrics _metrics;
    private readonly Func<double> _random;
    private readonly bool _ownsMetrics;
    private readonly ReadBudgetRegistry _budgets;

    /// <summary>Creates the input format over the DynamoDB client registered in DI.</summary>
    /// <param name="client">The DynamoDB client.</param>
    /// <param name="timeProvider">The clock (pacing, backoff).</param>
    /// <param name="loggerFactory">Logging; none when null.</param>
    /// <param name="meterFactory">Metrics (read units consumed, throttled reads); a meter of its own when null.</param>
    public TableInputFormat(IAmazonDynamoDB client, TimeProvider timeProvider, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
        : this(client, timeProvider, loggerFactory ?? NullLoggerFactory.Instance, new ConnectorMetrics(meterFactory), Random.Shared.NextDouble, new WorkTracker())
    {
        _ownsMetrics = true;
    }

    /// <summary>For the export job and tests: given metrics, random source for the backoff jitter and tracker of busy flows.</summary>
    internal TableInputFormat(IAmazonDynamoDB client, TimeProvider timeProvider, ILoggerFactory loggerFactory, ConnectorMetrics metrics, Func<double> random, WorkTracker tracker)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _client = client;
        _time = timeProvider;
        _logger = loggerFactory.CreateLogger("DynamoDb.Connector.Export");
        _metrics = metrics;
        _random = random;
        Tracker = tracker;
        _budgets = new ReadBudgetRegistry(timeProvider, _logger, tracker);
    }

    /// <summary>Counts the readers' busy flows (waits for read units, backoffs), for tests on a fake clock.</summary>
    internal WorkTracker Tracker { get; }

    /// <summary>
    /// Plans the reading without reading any item: describes the table, computes the read budget and the splits
    /// (segments or Queries).
    /// </summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (its <c>Failures</c> list every problem).</exception>
    /// <exception cref="ArgumentException">The options do not fit the table (no such index, consistent reads on a global index, a bad <c>IN</c> list).</exception>
    /// <exception cref="TableDoesNotExistException">The table does not exist (or this identity cannot see it).</exception>
    /// <exception cref="Writing.DynamoDbUnavailableException">DynamoDB could not be reached.</exception>
    public async Task<ExportPlan> PlanAsync(TableInputOptions options, CancellationToken cancellationToken = default)
    {
        options = TableInputOptions.Validated(options);
        var table = await DescribeAsync(options.TableName, cancellationToken).ConfigureAwait(false);
        var (_, _, global) = ExportPlanner.KeysOf(table, options.IndexName);
        var budget = ReadBudget.Compute(table, global ? options.IndexName : null, options.Throughput);
        return ExportPlanner.Plan(options, table, budget.ReadUnitsPerSecond);
    }

    /// <summary>
    /// Opens the table for reading: describes it and starts its read budget (kept in step with the table's capacity
    /// until the input is disposed). Every reader opened from the input shares that budget, and so do the inputs of
    /// the same table (or index) open at once; an input opened within the budget's refresh interval after the last
    /// one was disposed takes over its budget with what its pacing learned.
    /// </summary>
    /// <exception cref="InvalidOperationException">The table (or index) is open in another input of this format with other throughput options.</exception>
    /// <inheritdoc cref="PlanAsync" path="/exception"/>
    public async Task<TableInput> OpenAsync(TableInputOptions options, CancellationToken cancellationToken = default)
    {
        options = TableInputOptions.Validated(options);
        var table = await DescribeAsync(options.TableName, cancellationToken).ConfigureAwait(false);
        var (_, _, global) = ExportPlanner.KeysOf(table, options.IndexName);
        var budget = await _budgets.AcquireAsync(_client, table.TableName, global ? options.IndexName : null, options.Throughput, TableCapacity.From(table), cancellationToken).ConfigureAwait(false);
        return new TableInput(new TableInput.Context(_client, _time, _logger, _metrics, _random, Tracker), options, table, budget, _budgets.Release);
    }

    /// <summary>Releases the read budgets no input holds, and the metrics of its own (when it was created without the export job's).</summary>
    public void Dispose()
    {
        _budgets.Dispose();
        if (_ownsMetrics) _metrics.Dispose();
    }

    private async Task<TableDescription> DescribeAsync(string tableName, CancellationToken cancellationToken)
    {
        try
        {
            // An unreachable endpoint is said as such (DynamoDbUnavailableException), not as a raw socket error.
            return await TableCapacity.DescribeAsync(_client, tableName, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException e)
        {
            throw new TableDoesNotExistException(tableName, e);
        }
    }
}
