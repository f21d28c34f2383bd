using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Import;

/// <summary>
/// The time box of one run (<see cref="ImportJobOptions.TimeBudget"/>): says when to stop reading so that flushing
/// what is in flight and storing the position still end within the budget. Its <see cref="Token"/> is cancelled when
/// the time left reaches the flush margin.
/// </summary>
/// <remarks>
/// The margin is <see cref="FixedMargin"/> plus twice the time the writers take to drain the most they can hold
/// (every batch in flight and each worker's open batch, <see cref="DynamoDbWriterOptions.BatchSize"/> items each) at
/// the rate they are paced at now, with the write units per item seen so far (1 before the first write). Twice,
/// because a throttle while draining halves the pacing rate and retries resend. It never exceeds
/// <see cref="MaxMarginShare"/> of the budget, so every run reads for most of it: with a budget too short for what
/// the writers hold at the table's rate, the flush, and so the run, ends late.
/// </remarks>
internal sealed class TimeBox : IDisposable
{
    /// <summary>
    /// The part of the margin that does not depend on the table: storing the checkpoint and committing the dead-letter
    /// chunk (an S3 PUT each, tens to hundreds of milliseconds, more with a retry), completing the writers and returning.
    /// </summary>
    internal static readonly TimeSpan FixedMargin = TimeSpan.FromSeconds(2);

    /// <summary>The largest share of the budget the margin takes.</summary>
    internal const double MaxMarginShare = 0.5;

    /// <summary>How often the margin is estimated again (a writer's progress is a snapshot: not free per record).</summary>
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(250);

    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly int _itemsHeld;
    private readonly CancellationTokenSource _stop;
    private readonly Lock _lock = new();
    private long _estimatedAt;
    private bool _estimated;
    private TimeSpan _margin;

    /// <param name="time">The job's clock.</param>
    /// <param name="started">When the run started (a timestamp of <paramref name="time"/>).</param>
    /// <param name="budget">The run's budget.</param>
    /// <param name="workers">The run's workers (each has one writer with an open batch).</param>
    /// <param name="batchesInFlight">Each writer's batches in flight at most.</param>
    /// <param name="batchSize">Items per batch at most.</param>
    public TimeBox(TimeProvider time, long started, TimeSpan budget, int workers, int batchesInFlight, int batchSize)
    {
        _time = time;
        _started = started;
        Budget = budget;
        _itemsHeld = workers * (batchesInFlight + 1) * batchSize;
        _margin = Cap(FixedMargin);
        _stop = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
    }

    /// <summary>The run's budget.</summary>
    public TimeSpan Budget { get; }

    /// <summary>Cancelled once reading must stop.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>Whether the time box stopped the run.</summary>
    public bool Expired => _stop.IsCancellationRequested;

    private TimeSpan Remaining => Budget - _time.GetElapsedTime(_started);

    /// <summary>
    /// Called after each record is handed to <paramref name="writer"/>: stops reading once the time left is within
    /// the margin. It also sets a timer at that point, which stops a read that waits on its source; it is first set
    /// here, after a record, so that every run gets past the records it skips to its position and makes progress.
    /// </summary>
    public void Check(IDynamoDbWriter writer)
    {
        if (_stop.IsCancellationRequested) return;
        var remaining = Remaining;
        if (!_estimated || _time.GetElapsedTime(_estimatedAt) >= Refresh)
        {
            lock (_lock)
            {
                _margin = Cap(Estimate(writer));
                _estimatedAt = _time.GetTimestamp();
                _estimated = true;
                if (remaining > _margin) _stop.CancelAfter(remaining - _margin);
            }
        }
        if (remaining <= _margin) _stop.Cancel();
    }

    /// <summary>The margin now: <see cref="FixedMargin"/> and twice the time to drain what the writers can hold.</summary>
    internal TimeSpan Estimate(IDynamoDbWriter writer)
    {
        var progress = writer.GetProgress();
        long done = progress.ItemsWritten + progress.ItemsDeleted;
        double unitsPerItem = done > 0 && progress.ConsumedWriteUnits > 0 ? progress.ConsumedWriteUnits / done : 1;
        double rate = writer.Budget.WriteUnitsPerSecond;
        if (progress.PacingWriteUnitsPerSecond > 0) rate = Math.Min(rate, progress.PacingWriteUnitsPerSecond);
        double drainSeconds = _itemsHeld * unitsPerItem / Math.Max(1, rate);
        return FixedMargin + TimeSpan.FromSeconds(2 * drainSeconds);
    }

    private TimeSpan Cap(TimeSpan margin) => margin < Budget * MaxMarginShare ? margin : Budget * MaxMarginShare;

    public void Dispose() => _stop.Dispose();
}
