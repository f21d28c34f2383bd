using Amazon.DynamoDBv2;

namespace DynamoDb.Connector.Capacity;

/// <summary>
/// The live budgets of this process of one kind (reads, writes), one per table or index (and client): the first
/// user of a table describes it and creates its budget, the next ones share it, and the last one to finish releases
/// it. A released budget is kept for a grace period (its options' refresh interval): a user that follows with the
/// same options (the next split of an ordered plan, a host's next batch job, the next export of the table) takes it
/// over with what its pacing learned, instead of describing the table again and learning its rate from scratch.
/// </summary>
internal abstract class BudgetRegistry<TBudget, TOptions>(TimeProvider timeProvider) : IDisposable
    where TBudget : class, IDisposable
    where TOptions : class
{
    private readonly object _lock = new();
    private readonly Dictionary<Key, Entry> _budgets = [];

    /// <summary>
    /// The budget of <paramref name="tableName"/> (or of its <paramref name="index"/>), created if nobody holds it:
    /// from <paramref name="described"/> when given, else from a DescribeTable. Release it with <see cref="Release"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The budget is held with different options.</exception>
    public async Task<TBudget> AcquireAsync(IAmazonDynamoDB client, string tableName, string? index, TOptions options, TableCapacity? described, CancellationToken cancellationToken)
    {
        var key = new Key(client, tableName, index);
        Entry entry;
        bool create = false;
        Entry? replaced = null;
        lock (_lock)
        {
            if (_budgets.TryGetValue(key, out var idle) && idle.References == 0 && !SameAs(idle.Options, options))
            {
                // Released and nobody holds it: other options replace it.
                _budgets.Remove(key);
                replaced = idle;
            }
            if (_budgets.TryGetValue(key, out var existing))
            {
                if (!SameAs(existing.Options, options)) throw new InvalidOperationException(ConflictMessage(tableName));
                existing.References++;
                existing.Expiry?.Dispose();
                existing.Expiry = null;
                entry = existing;
            }
            else
            {
                entry = new Entry(Clone(options));
                _budgets[key] = entry;
                create = true;
            }
        }
        replaced?.DisposeBudget();
        if (create)
        {
            // Described outside the lock, with the first user's token: users arriving meanwhile wait for it.
            try
            {
                var table = described ?? await TableCapacity.ReadAsync(client, tableName, cancellationToken).ConfigureAwait(false);
                entry.Created.SetResult(Create(client, table, index, entry.Options));
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
                if (--entry.References == 0 && _budgets.TryGetValue(key, out var current) && current == entry) _budgets.Remove(key);
            }
            throw;
        }
    }

    /// <summary>The budget of a table (or index) held now (or released within the grace period), or null.</summary>
    public TBudget? Find(IAmazonDynamoDB client, string tableName, string? index = null)
    {
        lock (_lock)
        {
            return _budgets.TryGetValue(new Key(client, tableName, index), out var entry) && entry.Created.Task.IsCompletedSuccessfully ? entry.Created.Task.Result : null;
        }
    }

    /// <summary>
    /// A user is done with its budget. After the last one the budget is kept for the grace period, then disposed
    /// unless a user took it over.
    /// </summary>
    public void Release(TBudget budget)
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
                            new Expiring(this, key, entry), GracePeriod(entry.Options), Timeout.InfiniteTimeSpan);
                    }
                    return;
                }
            }
        }
        budget.Dispose(); // not (or no longer) registered: nobody else can hold it
    }

    /// <summary>Disposes the budgets nobody holds (those held are disposed by their last user's release, at once).</summary>
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

    /// <summary>Whether a budget created with <paramref name="held"/> serves a user asking with <paramref name="wanted"/>.</summary>
    protected abstract bool SameAs(TOptions held, TOptions wanted);

    protected abstract TOptions Clone(TOptions options);

    /// <summary>How long a released budget is kept for a next user.</summary>
    protected abstract TimeSpan GracePeriod(TOptions options);

    /// <summary>Starts the budget of <paramref name="table"/> (or its <paramref name="index"/>).</summary>
    protected abstract TBudget Create(IAmazonDynamoDB client, TableCapacity table, string? index, TOptions options);

    /// <summary>The error when a table's budget is held with other options.</summary>
    protected abstract string ConflictMessage(string tableName);

    private void Expire(Key key, Entry entry)
    {
        lock (_lock)
        {
            if (entry.References != 0 || !_budgets.TryGetValue(key, out var current) || current != entry) return;
            _budgets.Remove(key);
        }
        entry.DisposeBudget();
    }

    private readonly record struct Key(IAmazonDynamoDB Client, string Table, string? Index);

    private sealed record Expiring(BudgetRegistry<TBudget, TOptions> Registry, Key Key, Entry Entry);

    private sealed class Entry(TOptions options)
    {
        public TOptions Options { get; } = options;

        public TaskCompletionSource<TBudget> Created { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int References { get; set; } = 1;

        /// <summary>The grace period's timer while nobody holds the budget.</summary>
        public ITimer? Expiry { get; set; }

        public void DisposeBudget()
        {
            Expiry?.Dispose();
            if (Created.Task.IsCompletedSuccessfully) Created.Task.Result.Dispose();
        }
    }
}
