using Amazon.DynamoDBv2;
using Microsoft.Extensions.Logging;

namespace DynamoDb.Connector.Capacity;

/// <summary>
/// The write budgets of this process, one per table (and client): the first writer of a table describes it and
/// creates its budget, the next ones share it, and the last one to finish releases it.
/// </summary>
internal sealed class WriteBudgetRegistry(TimeProvider timeProvider, ILoggerFactory loggerFactory, WorkTracker tracker)
{
    private readonly object _lock = new();
    private readonly Dictionary<(IAmazonDynamoDB Client, string Table), Entry> _budgets = [];
    private readonly ILogger _logger = loggerFactory.CreateLogger("DynamoDb.Connector.Capacity");

    /// <summary>The budget of <paramref name="tableName"/>, created (DescribeTable) if no writer holds it. Release it with <see cref="Release"/>.</summary>
    /// <exception cref="InvalidOperationException">The table's budget is held with different options.</exception>
    public async Task<TableWriteBudget> AcquireAsync(IAmazonDynamoDB client, string tableName, WriteThroughputOptions options, CancellationToken cancellationToken)
    {
        Entry entry;
        bool create = false;
        lock (_lock)
        {
            if (_budgets.TryGetValue((client, tableName), out var existing))
            {
                if (!existing.Options.SameAs(options))
                {
                    throw new InvalidOperationException(
                        $"Table '{tableName}' already has writers in this process with other throughput options: writers of one table share one budget, so their WriteThroughputOptions must be equal.");
                }
                existing.References++;
                entry = existing;
            }
            else
            {
                entry = new Entry(options.Clone());
                _budgets[(client, tableName)] = entry;
                create = true;
            }
        }
        if (create)
        {
            // Described outside the lock, with the first writer's token: writers arriving meanwhile wait for it.
            try
            {
                var capacity = await TableCapacity.ReadAsync(client, tableName, cancellationToken).ConfigureAwait(false);
                entry.Created.SetResult(new TableWriteBudget(client, capacity, entry.Options, timeProvider, _logger, tracker));
            }
            catch (OperationCanceledException ex)
            {
                entry.Created.SetCanceled(ex.CancellationToken);
            }
            catch (Exception ex)
            {
                entry.Created.SetException(ex);
            }
        }
        try
        {
            return await entry.Created.Task.ConfigureAwait(false);
        }
        catch
        {
            lock (_lock)
            {
                if (--entry.References == 0 && _budgets.TryGetValue((client, tableName), out var current) && current == entry)
                {
                    _budgets.Remove((client, tableName));
                }
            }
            throw;
        }
    }

    /// <summary>The budget of a table held by writers now, or null.</summary>
    public TableWriteBudget? Find(IAmazonDynamoDB client, string tableName)
    {
        lock (_lock)
        {
            return _budgets.TryGetValue((client, tableName), out var entry) && entry.Created.Task.IsCompletedSuccessfully ? entry.Created.Task.Result : null;
        }
    }

    /// <summary>A writer is done with its table's budget; the last one disposes it.</summary>
    public void Release(TableWriteBudget budget)
    {
        bool last = false;
        lock (_lock)
        {
            foreach (var (key, entry) in _budgets)
            {
                if (entry.Created.Task.IsCompletedSuccessfully && entry.Created.Task.Result == budget)
                {
                    if (--entry.References == 0)
                    {
                        _budgets.Remove(key);
                        last = true;
                    }
                    break;
                }
            }
        }
        if (last) budget.Dispose();
    }

    private sealed class Entry(WriteThroughputOptions options)
    {
        public WriteThroughputOptions Options { get; } = options;

        public TaskCompletionSource<TableWriteBudget> Created { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int References { get; set; } = 1;
    }
}
