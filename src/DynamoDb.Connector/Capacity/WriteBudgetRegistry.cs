using Amazon.DynamoDBv2;
using Microsoft.Extensions.Logging;

namespace DynamoDb.Connector.Capacity;

/// <summary>
/// The write budgets of this process, one per table (and client): the first writer of a table describes it and
/// creates its budget, the next ones share it, and the last one to finish releases it. A released budget is kept for
/// a grace period (<see cref="WriteThroughputOptions.RefreshInterval"/>): a writer that follows with the same options
/// (the next split of an ordered plan, a host's next batch job) takes it over with what its pacing learned, instead of
/// describing the table again and learning its rate from scratch.
/// </summary>
internal sealed class WriteBudgetRegistry(TimeProvider timeProvider, ILoggerFactory loggerFactory, WorkTracker tracker) : IDisposable
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
        Entry? replaced = null;
        lock (_lock)
        {
            if (_budgets.TryGetValue((client, tableName), out var idle) && idle.References == 0 && !idle.Options.SameAs(options))
            {
                // Released and no writer holds it: other options replace it.
                _budgets.Remove((client, tableName));
                replaced = idle;
            }
            if (_budgets.TryGetValue((client, tableName), out var existing))
            {
                if (!existing.Options.SameAs(options))
                {
                    throw new InvalidOperationException(
                        $"Table '{tableName}' already has writers in this process with other throughput options: writers of one table share one budget, so their WriteThroughputOptions must be equal.");
                }
                existing.References++;
                existing.Expiry?.Dispose();
                existing.Expiry = null;
                entry = existing;
            }
            else
            {
                entry = new Entry(options.Clone());
                _budgets[(client, tableName)] = entry;
                create = true;
            }
        }
        replaced?.DisposeBudget();
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

    /// <summary>The budget of a table held by writers now (or released within the grace period), or null.</summary>
    public TableWriteBudget? Find(IAmazonDynamoDB client, string tableName)
    {
        lock (_lock)
        {
            return _budgets.TryGetValue((client, tableName), out var entry) && entry.Created.Task.IsCompletedSuccessfully ? entry.Created.Task.Result : null;
        }
    }

    /// <summary>
    /// A writer is done with its table's budget. After the last one the budget is kept for the grace period, then
    /// disposed unless a writer took it over.
    /// </summary>
    public void Release(TableWriteBudget budget)
    {
        lock (_lock)
        {
            foreach (var (key, entry) in _budgets)
            {
                if (entry.Created.Task.IsCompletedSuccessfully && entry.Created.Task.Result == budget)
                {
                    if (--entry.References == 0)
                    {
                        entry.Expiry = timeProvider.CreateTimer(
                            static state => ((Expiring)state!).Registry.Expire(((Expiring)state).Key, ((Expiring)state).Entry),
                            new Expiring(this, key, entry), entry.Options.RefreshInterval, Timeout.InfiniteTimeSpan);
                    }
                    return;
                }
            }
        }
        budget.Dispose(); // not (or no longer) registered: nobody else can hold it
    }

    /// <summary>Disposes the budgets no writer holds (those held are disposed by their last writer's release, at once).</summary>
    public void Dispose()
    {
        var idle = new List<Entry>();
        lock (_lock)
        {
            foreach (var (key, entry) in _budgets.Where(p => p.Value.References == 0).ToList())
            {
                _budgets.Remove(key);
                idle.Add(entry);
            }
        }
        foreach (var entry in idle) entry.DisposeBudget();
    }

    private void Expire((IAmazonDynamoDB Client, string Table) key, Entry entry)
    {
        lock (_lock)
        {
            if (entry.References != 0 || !_budgets.TryGetValue(key, out var current) || current != entry) return;
            _budgets.Remove(key);
        }
        entry.DisposeBudget();
    }

    private sealed record Expiring(WriteBudgetRegistry Registry, (IAmazonDynamoDB Client, string Table) Key, Entry Entry);

    private sealed class Entry(WriteThroughputOptions options)
    {
        public WriteThroughputOptions Options { get; } = options;

        public TaskCompletionSource<TableWriteBudget> Created { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int References { get; set; } = 1;

        /// <summary>The grace period's timer while no writer holds the budget.</summary>
        public ITimer? Expiry { get; set; }

        public void DisposeBudget()
        {
            Expiry?.Dispose();
            if (Created.Task.IsCompletedSuccessfully) Created.Task.Result.Dispose();
        }
    }
}
