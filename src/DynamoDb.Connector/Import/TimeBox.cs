using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Import;

/// <summary>
/// The time box of one run (<see cref="ImportJobOptions.TimeBudget"/>): says when to stop reading so that flushing
/// what is in flight and storing the position still end within the budget. Its <see cref="Token"/> is cancelled when
/// the time left reaches the flush margin.
/// </summary>
/// <remarks>
/// The margin is the fixed part (<see cref="FixedMargin"/>, at most a quarter of the budget) plus twice the time the
/// writer takes to drain what it holds: the items handed to it in this split and not yet acknowledged (those in the
/// shuffle window too), at this worker's share of the rate it is paced at now, with the write units per item seen so
/// far (1 before the first write). Twice, because a throttle while draining halves the pacing rate, and retries resend.
/// Since it counts what the writer holds rather than what it could hold, a slow table makes the run stop reading
/// early, before the backlog outgrows the time left (at 50 WCU/s, 800 items accepted take 16 s to flush). The check
/// comes after each record is handed over, so each run makes progress however short its budget.
/// </remarks>
internal sealed class TimeBox : IDisposable
{
    /// <summary>
    /// The part of the margin that does not depend on the table: storing the checkpoint and committing the dead-letter
    /// chunk (an S3 PUT each, tens to hundreds of milliseconds, more with a retry), completing the writers and returning.
    /// </summary>
    internal static readonly TimeSpan FixedMargin = TimeSpan.FromSeconds(2);

    /// <summary>How often the margin is estimated again (a writer's progress is a snapshot: not free per record).</summary>
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(100);

    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly int _workers;
    private readonly long _mostHeld;
    private readonly TimeSpan _fixed;
    private readonly CancellationTokenSource _stop;
    private readonly Lock _lock = new();
    private long _estimatedAt;
    private bool _estimated;
    private TimeSpan _margin;

    /// <param name="time">The job's clock.</param>
    /// <param name="started">When the run started (a timestamp of <paramref name="time"/>).</param>
    /// <param name="budget">The run's budget.</param>
    /// <param name="workers">The run's workers (each with its writer, sharing the rate).</param>
    /// <param name="mostHeld">The most items one worker's writer and shuffle window can hold (a bound on the estimate).</param>
    public TimeBox(TimeProvider time, long started, TimeSpan budget, int workers, long mostHeld)
    {
        _time = time;
        _started = started;
        Budget = budget;
        _workers = Math.Max(1, workers);
        _mostHeld = mostHeld;
        _fixed = FixedMargin < budget / 4 ? FixedMargin : budget / 4;
        _margin = _fixed;
        _stop = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
    }

    /// <summary>The run's budget.</summary>
    public TimeSpan Budget { get; }

    /// <summary>Cancelled once reading must stop.</summary>
    public CancellationToken Token => _stop.Token;

    private TimeSpan Remaining => Budget - _time.GetElapsedTime(_started);

    /// <summary>What <paramref name="writer"/> has acknowledged in its life: call at a split's start, for <see cref="Check"/>.</summary>
    public static long Acknowledged(IDynamoDbWriter writer) => Acknowledged(writer.GetProgress());

    private static long Acknowledged(WriteProgress progress) => progress.ItemsWritten + progress.ItemsDeleted + progress.ItemsDeadLettered;

    /// <summary>
    /// Called after each record is handed to <paramref name="writer"/> (<paramref name="handed"/> items in this split,
    /// which began when the writer had acknowledged <paramref name="acknowledgedAtStart"/>): stops reading once the
    /// time left is within the margin. It also sets a timer at that point, which stops a read that waits on its source;
    /// first set here, after a record, so that every run gets past the lines it skips to its position.
    /// </summary>
    public void Check(IDynamoDbWriter writer, long handed, long acknowledgedAtStart)
    {
        if (_stop.IsCancellationRequested) return;
        var remaining = Remaining;
        if (!_estimated || _time.GetElapsedTime(_estimatedAt) >= Refresh)
        {
            lock (_lock)
            {
                _margin = Estimate(writer, handed, acknowledgedAtStart);
                _estimatedAt = _time.GetTimestamp();
                _estimated = true;
                if (remaining > _margin) _stop.CancelAfter(remaining - _margin);
            }
        }
        if (remaining <= _margin) _stop.Cancel();
    }

    /// <summary>The margin now: the fixed part and twice the time to drain what the writer holds.</summary>
    internal TimeSpan Estimate(IDynamoDbWriter writer, long handed, long acknowledgedAtStart)
    {
        var progress = writer.GetProgress();
        long held = Math.Clamp(handed - (Acknowledged(progress) - acknowledgedAtStart), 0, _mostHeld);
        long done = progress.ItemsWritten + progress.ItemsDeleted;
        double unitsPerItem = done > 0 && progress.ConsumedWriteUnits > 0 ? progress.ConsumedWriteUnits / done : 1;
        double rate = writer.Budget.WriteUnitsPerSecond;
        if (progress.PacingWriteUnitsPerSecond > 0) rate = Math.Min(rate, progress.PacingWriteUnitsPerSecond);
        double drainSeconds = held * unitsPerItem / Math.Max(0.01, rate / _workers);
        return _fixed + TimeSpan.FromSeconds(Math.Min(2 * drainSeconds, TimeSpan.FromDays(7).TotalSeconds));
    }

    public void Dispose() => _stop.Dispose();
}
