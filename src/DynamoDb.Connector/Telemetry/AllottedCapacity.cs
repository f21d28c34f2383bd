using System.Diagnostics.Metrics;

namespace DynamoDb.Connector.Telemetry;

/// <summary>
/// The budgets in use (one per table and direction), for an observable gauge: each is tracked once however many
/// writers share it, and leaves the gauge when the last of them lets go.
/// </summary>
internal sealed class AllottedCapacity
{
    private readonly object _lock = new();
    private readonly Dictionary<object, Entry> _budgets = new(ReferenceEqualityComparer.Instance);

    /// <summary>Tracks <paramref name="budget"/> (the key: the live budget object) until the result is disposed.</summary>
    public IDisposable Track(object budget, string table, Func<double> unitsPerSecond)
    {
        lock (_lock)
        {
            if (_budgets.TryGetValue(budget, out var entry)) entry.Users++;
            else _budgets[budget] = new Entry(table, unitsPerSecond) { Users = 1 };
        }
        return new Release(this, budget);
    }

    /// <summary>The gauge's callback: each budget's units per second now, tagged with its table.</summary>
    public IEnumerable<Measurement<double>> Observe()
    {
        Entry[] entries;
        lock (_lock) entries = [.. _budgets.Values];
        return entries.Select(e => new Measurement<double>(e.UnitsPerSecond(), new KeyValuePair<string, object?>("table", e.Table)));
    }

    private void Untrack(object budget)
    {
        lock (_lock)
        {
            if (_budgets.TryGetValue(budget, out var entry) && --entry.Users == 0) _budgets.Remove(budget);
        }
    }

    private sealed class Entry(string table, Func<double> unitsPerSecond)
    {
        public string Table { get; } = table;

        public Func<double> UnitsPerSecond { get; } = unitsPerSecond;

        public int Users { get; set; }
    }

    private sealed class Release(AllottedCapacity owner, object budget) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) owner.Untrack(budget);
        }
    }
}
