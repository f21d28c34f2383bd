using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Telemetry;
using Microsoft.Extensions.Logging;

namespace DynamoDb.Connector.Writing;

/// <summary>
/// What one writer did, counted as it happens (from several batches at once) and recorded to the meter: the summary,
/// the progress snapshots and the deltas each flush returns. Thread-safe.
/// </summary>
internal sealed class WriterStatistics
{
    private readonly string _table;
    private readonly TimeProvider _time;
    private readonly ConnectorMetrics _metrics;
    private readonly KeyValuePair<string, object?> _tableTag;
    private readonly long _startedAt;
    private readonly object _unitsLock = new();
    private readonly Dictionary<string, double> _indexUnits = new(StringComparer.Ordinal);
    private double _tableUnits;
    private long _written, _deleted, _deduplicated, _skipped, _deadLettered, _abandoned;
    private long _requests, _throttled, _hotKeyRange, _retries, _permitWaitTicks;
    private int _hotKeyRangeSeen;
    private WriteSummary _flushed;
    private int _flushedInMemory;
    private long _progressAt;
    private long _progressItems;
    private double _progressUnits;

    public WriterStatistics(string table, TimeProvider timeProvider, ConnectorMetrics metrics)
    {
        _table = table;
        _time = timeProvider;
        _metrics = metrics;
        _tableTag = new("table", table);
        _startedAt = _progressAt = timeProvider.GetTimestamp();
        _flushed = new WriteSummary { TableName = table };
    }

    /// <summary>The <c>table</c> tag of the writer's measurements.</summary>
    public KeyValuePair<string, object?> TableTag => _tableTag;

    public long ItemsApplied => Interlocked.Read(ref _written) + Interlocked.Read(ref _deleted);

    public long Abandoned => Interlocked.Read(ref _abandoned);

    /// <summary>A request is about to be sent for <paramref name="pending"/>: counts it (and a retry) and the entries' attempts.</summary>
    public void CountRequest(List<WriteEntry> pending, bool retry)
    {
        long now = _time.GetTimestamp();
        foreach (var entry in pending)
        {
            if (entry.Attempts++ == 0) entry.FirstAttemptAt = now;
        }
        Interlocked.Increment(ref _requests);
        if (retry)
        {
            Interlocked.Increment(ref _retries);
            _metrics.Retries.Add(1, _tableTag);
        }
    }

    /// <summary>DynamoDB applied <paramref name="applied"/>, entries of <paramref name="flow"/>.</summary>
    public void CountApplied(BatchFlow flow, List<WriteEntry> applied)
    {
        int deletes = 0;
        foreach (var entry in applied)
        {
            if (entry.Operation == RecordOperation.Delete) deletes++;
        }
        int puts = applied.Count - deletes;
        Interlocked.Add(ref flow.Settled, applied.Count);
        if (puts > 0)
        {
            Interlocked.Add(ref _written, puts);
            _metrics.ItemsWritten.Add(puts, _tableTag, new("operation", "put"));
        }
        if (deletes > 0)
        {
            Interlocked.Add(ref _deleted, deletes);
            _metrics.ItemsWritten.Add(deletes, _tableTag, new("operation", "delete"));
        }
    }

    /// <summary>A conditional put of <paramref name="flow"/> was not applied: its condition was false.</summary>
    public void CountSkipped(BatchFlow flow)
    {
        Interlocked.Increment(ref _skipped);
        Interlocked.Increment(ref flow.Settled);
        _metrics.ItemsSkipped.Add(1, _tableTag);
    }

    public void CountDeduplicated()
    {
        Interlocked.Increment(ref _deduplicated);
        _metrics.ItemsDeduplicated.Add(1, _tableTag);
    }

    public void CountDeadLettered(string cause)
    {
        Interlocked.Increment(ref _deadLettered);
        _metrics.ItemsDeadLettered.Add(1, _tableTag, new("cause", cause));
    }

    public void CountAbandoned(long count) => Interlocked.Add(ref _abandoned, count);

    /// <summary>Counts a throttled request; true the first time DynamoDB blames a hot key range (to log it once).</summary>
    public bool CountThrottled(bool hotKeyRange)
    {
        Interlocked.Increment(ref _throttled);
        _metrics.ThrottledRequests.Add(1, _tableTag, new("reason", hotKeyRange ? "key_range" : "capacity"));
        if (!hotKeyRange) return false;
        Interlocked.Increment(ref _hotKeyRange);
        return Interlocked.Exchange(ref _hotKeyRangeSeen, 1) == 0;
    }

    public void AddPermitWait(TimeSpan waited)
    {
        Interlocked.Add(ref _permitWaitTicks, waited.Ticks);
        _metrics.PermitWait.Record(waited.TotalSeconds, _tableTag);
    }

    public void AddConsumed(in ConsumedWrite consumed)
    {
        if (!consumed.Reported) return;
        lock (_unitsLock)
        {
            _tableUnits += consumed.Table;
            foreach (var (index, units) in consumed.Indexes)
            {
                _indexUnits[index] = _indexUnits.GetValueOrDefault(index) + units;
            }
        }
        _metrics.WriteUnitsConsumed.Add(consumed.Table, _tableTag, new("resource", "table"));
        foreach (var (index, units) in consumed.Indexes)
        {
            _metrics.WriteUnitsConsumed.Add(units, _tableTag, new("resource", index));
        }
    }

    public WriteProgress Progress(TableWriteBudget budget)
    {
        double units;
        lock (_unitsLock) units = _tableUnits;
        var elapsed = _time.GetElapsedTime(_startedAt);
        double seconds = Math.Max(elapsed.TotalSeconds, 1e-9);
        return new WriteProgress(_table, Interlocked.Read(ref _written), Interlocked.Read(ref _deleted), Interlocked.Read(ref _deadLettered),
            units, ItemsApplied / seconds, units / seconds, budget.Current.WriteUnitsPerSecond, budget.PacingRate, elapsed, Interlocked.Read(ref _throttled));
    }

    /// <summary>The progress with the rates over the time since the last report (the progress timer calls it).</summary>
    public WriteProgress ProgressSinceLastReport(TableWriteBudget budget)
    {
        var progress = Progress(budget);
        long now = _time.GetTimestamp();
        double seconds = Math.Max(_time.GetElapsedTime(_progressAt, now).TotalSeconds, 1e-9);
        long items = progress.ItemsWritten + progress.ItemsDeleted;
        double writes = (items - _progressItems) / seconds, units = (progress.ConsumedWriteUnits - _progressUnits) / seconds;
        _progressAt = now;
        _progressItems = items;
        _progressUnits = progress.ConsumedWriteUnits;
        return progress with { WritesPerSecond = writes, WriteUnitsPerSecond = units };
    }

    public WriteSummary Summary(IReadOnlyList<DeadLetter> deadLettersInMemory)
    {
        double units;
        Dictionary<string, double> indexes;
        lock (_unitsLock)
        {
            units = _tableUnits;
            indexes = new Dictionary<string, double>(_indexUnits, StringComparer.Ordinal);
        }
        return new WriteSummary
        {
            TableName = _table,
            ItemsWritten = Interlocked.Read(ref _written),
            ItemsDeleted = Interlocked.Read(ref _deleted),
            ItemsDeduplicated = Interlocked.Read(ref _deduplicated),
            ItemsSkippedByCondition = Interlocked.Read(ref _skipped),
            ItemsDeadLettered = Interlocked.Read(ref _deadLettered),
            ItemsAbandoned = Interlocked.Read(ref _abandoned),
            ConsumedWriteUnits = units,
            IndexConsumedWriteUnits = indexes,
            Requests = Interlocked.Read(ref _requests),
            ThrottledRequests = Interlocked.Read(ref _throttled),
            HotKeyRangeThrottles = Interlocked.Read(ref _hotKeyRange),
            Retries = Interlocked.Read(ref _retries),
            PermitWaitTime = TimeSpan.FromTicks(Interlocked.Read(ref _permitWaitTicks)),
            Elapsed = _time.GetElapsedTime(_startedAt),
            DeadLetters = deadLettersInMemory,
        };
    }

    /// <summary>What changed since the previous flush; called by a drained writer (nothing in flight changes the counts).</summary>
    public WriteFlush Flush(DeadLetterRecorder deadLetters)
    {
        var now = Summary([]);
        var flush = new WriteFlush
        {
            ItemsWritten = now.ItemsWritten - _flushed.ItemsWritten,
            ItemsDeleted = now.ItemsDeleted - _flushed.ItemsDeleted,
            ItemsDeduplicated = now.ItemsDeduplicated - _flushed.ItemsDeduplicated,
            ItemsSkippedByCondition = now.ItemsSkippedByCondition - _flushed.ItemsSkippedByCondition,
            ItemsDeadLettered = now.ItemsDeadLettered - _flushed.ItemsDeadLettered,
            ConsumedWriteUnits = now.ConsumedWriteUnits - _flushed.ConsumedWriteUnits,
            Requests = now.Requests - _flushed.Requests,
            ThrottledRequests = now.ThrottledRequests - _flushed.ThrottledRequests,
            Retries = now.Retries - _flushed.Retries,
            DeadLetters = deadLetters.InMemoryFrom(_flushedInMemory),
        };
        _flushed = now;
        _flushedInMemory += flush.DeadLetters.Count;
        return flush;
    }

    public void LogCompleted(ILogger logger, WriteSummary s) =>
        Log.WriterCompleted(logger, _table, s.ItemsWritten, s.ItemsDeleted, s.ItemsDeduplicated, s.ItemsSkippedByCondition, s.ItemsDeadLettered,
            s.ConsumedWriteUnits, s.Elapsed, (s.ItemsWritten + s.ItemsDeleted) / Math.Max(s.Elapsed.TotalSeconds, 1e-9), s.ThrottledRequests, s.Retries);
}
