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
/// <para>The margin is an estimate: a table that slows down while the run drains (more runs than planned share it,
/// it throttles) can make the flush outlast it. So the box also has a hard deadline (<see cref="Deadline"/>), at the
/// budget less the fixed part: there the run gives up what is not yet acknowledged (the writer's waits are cancelled)
/// and hands on the last position whose items are all acknowledged, keeping the fixed part to store it and return.</para>
/// </remarks>
internal sealed class TimeBox : IDisposable
{
    /// <summary>
    /// The part of the margin that does not depend on the table: storing the checkpoint and committing the dead-letter
    /// chunk (an S3 PUT each, tens to hundreds of milliseconds, more with a retry), completing the writers and returning.
    /// </summary>
    internal static readonly TimeSpan FixedMargin = TimeSpan.FromSeconds(2);

    /// <summary>How often a writer's progress is read again (a snapshot: not free per record).</summary>
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(100);

    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly int _workers;
    private readonly long _mostHeld;
    private readonly TimeSpan _fixed;
    private readonly CancellationTokenSource _stop;
    private readonly CancellationTokenSource _deadline;

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
        _stop = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        var untilDeadline = budget - _fixed - time.GetElapsedTime(started);
        _deadline = new CancellationTokenSource(untilDeadline > TimeSpan.Zero ? untilDeadline : TimeSpan.Zero, time);
    }

    /// <summary>The run's budget.</summary>
    public TimeSpan Budget { get; }

    /// <summary>Cancelled once reading must stop.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>
    /// Cancelled at the hard deadline (the budget less the fixed margin): what the writer has not acknowledged by then
    /// is given up, and the run hands on the last position it stored.
    /// </summary>
    public CancellationToken Deadline => _deadline.Token;

    /// <summary>
    /// How often a run in this box stores its position: <paramref name="configured"/>, at most a quarter of the budget,
    /// so that a run abandoned at its deadline hands on a position near where it got.
    /// </summary>
    public TimeSpan CheckpointInterval(TimeSpan configured) => configured < Budget / 4 ? configured : Budget / 4;

    private TimeSpan Remaining => Budget - _time.GetElapsedTime(_started);

    /// <summary>Starts watching one split run through <paramref name="writer"/> (flushed: it holds nothing of this split yet).</summary>
    public SplitWatch Watch(IDynamoDbWriter writer) => new(this, writer);

    public void Dispose()
    {
        _stop.Dispose();
        _deadline.Dispose();
    }

    /// <summary>What the margin needs from a writer's progress: what it acknowledged, the units per item seen so far (1 before any), the rate it is paced at.</summary>
    private readonly record struct Snapshot(long Acknowledged, double UnitsPerItem, double Rate)
    {
        public static Snapshot Of(IDynamoDbWriter writer)
        {
            var progress = writer.GetProgress();
            long done = progress.ItemsWritten + progress.ItemsDeleted;
            double rate = writer.Budget.WriteUnitsPerSecond;
            if (progress.PacingWriteUnitsPerSecond > 0) rate = Math.Min(rate, progress.PacingWriteUnitsPerSecond);
            return new Snapshot(done + progress.ItemsDeadLettered, done > 0 && progress.ConsumedWriteUnits > 0 ? progress.ConsumedWriteUnits / done : 1, rate);
        }
    }

    /// <summary>One split's run against the time box: counts what it hands its writer, and stops the run in time.</summary>
    internal sealed class SplitWatch
    {
        private readonly TimeBox _box;
        private readonly IDynamoDbWriter _writer;
        private readonly long _acknowledgedAtStart;
        private Snapshot _snapshot;
        private long _snapshotAt;
        private long _handed;

        public SplitWatch(TimeBox box, IDynamoDbWriter writer)
        {
            _box = box;
            _writer = writer;
            _snapshot = Snapshot.Of(writer);
            _snapshotAt = box._time.GetTimestamp();
            _acknowledgedAtStart = _snapshot.Acknowledged;
        }

        /// <summary>
        /// Called after each record, with the <paramref name="items"/> it became and were handed to the writer: stops
        /// reading once the time left is within the margin. It also sets a timer at that point, which stops a read that
        /// waits on its source; first set here, after a record, so that every run gets past the lines it skips to its position.
        /// </summary>
        public void Handed(int items)
        {
            _handed += items;
            if (_box._stop.IsCancellationRequested) return;
            var time = _box._time;
            bool refresh = time.GetElapsedTime(_snapshotAt) >= Refresh || _handed == items;
            if (refresh)
            {
                _snapshot = Snapshot.Of(_writer);
                _snapshotAt = time.GetTimestamp();
            }
            // Per record, from the last snapshot (which may count fewer acknowledged: more held, a safe error): the
            // reader can hand over hundreds of items between two snapshots.
            var margin = Margin();
            var remaining = _box.Remaining;
            if (remaining <= margin) _box._stop.Cancel();
            else if (refresh) _box._stop.CancelAfter(remaining - margin);
        }

        /// <summary>The margin now: the fixed part and twice the time to drain what the writer holds.</summary>
        internal TimeSpan Margin()
        {
            long held = Math.Clamp(_handed - (_snapshot.Acknowledged - _acknowledgedAtStart), 0, _box._mostHeld);
            double drainSeconds = held * _snapshot.UnitsPerItem / Math.Max(0.01, _snapshot.Rate / _box._workers);
            return _box._fixed + TimeSpan.FromSeconds(Math.Min(2 * drainSeconds, TimeSpan.FromDays(7).TotalSeconds));
        }
    }
}
