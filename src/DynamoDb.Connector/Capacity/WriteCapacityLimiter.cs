using System.Threading.RateLimiting;

namespace DynamoDb.Connector.Capacity;

/// <summary>
/// A token bucket whose permits are write capacity units, driven by a <see cref="TimeProvider"/> (so pacing is tested
/// on a fake clock), whose rate can change while it runs (budget refreshes, AIMD), and which can be charged or
/// refunded after the fact when DynamoDB reports what a request really cost.
/// </summary>
/// <remarks>
/// The BCL's TokenBucketRateLimiter has fixed options, a wall-clock timer and refuses requests larger than its
/// bucket. Here a request larger than the bucket waits for a full bucket and leaves the balance negative: the debt is
/// paid back before anyone else is served, so the long-run rate holds for any item size. Waiters are served in order.
/// The bucket starts empty, so no more than <c>rate x elapsed</c> permits are ever handed out.
/// </remarks>
internal sealed class WriteCapacityLimiter : RateLimiter
{
    private static readonly RateLimitLease Granted = new Lease(true, null);

    private readonly TimeProvider _time;
    private readonly object _lock = new();
    private readonly LinkedList<Waiter> _queue = new();
    private readonly ITimer _timer;
    private double _tokens;
    private double _rate;
    private double _capacity;
    private long _refilledAt;
    private long _idleSince;
    private long _successfulLeases;
    private long _failedLeases;
    private bool _disposed;
    private long _version;

    /// <param name="rate">Permits added per second; more than 0.</param>
    /// <param name="capacity">The most permits the bucket holds; at least 1.</param>
    /// <param name="timeProvider">The clock.</param>
    public WriteCapacityLimiter(double rate, double capacity, TimeProvider timeProvider)
    {
        ValidateRate(rate, capacity);
        _time = timeProvider;
        _rate = rate;
        _capacity = capacity;
        _refilledAt = _idleSince = timeProvider.GetTimestamp();
        _timer = timeProvider.CreateTimer(static state => ((WriteCapacityLimiter)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Permits added per second.</summary>
    public double Rate
    {
        get { lock (_lock) return _rate; }
    }

    /// <summary>The most permits the bucket holds, and so the largest burst.</summary>
    public double Capacity
    {
        get { lock (_lock) return _capacity; }
    }

    /// <summary>Permits available now (negative while a debt is being paid back).</summary>
    public double Available
    {
        get
        {
            lock (_lock)
            {
                Refill();
                return _tokens;
            }
        }
    }

    /// <inheritdoc />
    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_lock)
            {
                Refill();
                return _queue.Count == 0 && _tokens >= _capacity ? _time.GetElapsedTime(_idleSince) : null;
            }
        }
    }

    /// <summary>
    /// Changes the rate and bucket size from now on; permits already earned are kept up to the new capacity.
    /// A change with a <paramref name="version"/> older than one already applied is ignored (changes computed
    /// concurrently may arrive out of order).
    /// </summary>
    public void SetRate(double rate, double capacity, long version = long.MaxValue)
    {
        ValidateRate(rate, capacity);
        List<Waiter>? granted;
        lock (_lock)
        {
            if (version < _version) return;
            _version = version == long.MaxValue ? _version : version;
            Refill();
            _rate = rate;
            _capacity = capacity;
            _tokens = Math.Min(_tokens, capacity);
            granted = GrantWaiters();
        }
        Complete(granted);
    }

    /// <summary>
    /// Charges <paramref name="permits"/> more (a debt, when DynamoDB charged more than was acquired) or, when negative,
    /// refunds them (up to the bucket's capacity).
    /// </summary>
    public void Adjust(double permits)
    {
        if (permits == 0 || double.IsNaN(permits)) return;
        List<Waiter>? granted;
        lock (_lock)
        {
            Refill();
            _tokens = Math.Min(_capacity, _tokens - permits);
            granted = GrantWaiters();
        }
        Complete(granted);
    }

    /// <inheritdoc />
    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_lock)
        {
            Refill();
            return new RateLimiterStatistics
            {
                CurrentAvailablePermits = (long)Math.Floor(_tokens),
                CurrentQueuedCount = _queue.Count,
                TotalSuccessfulLeases = _successfulLeases,
                TotalFailedLeases = _failedLeases,
            };
        }
    }

    /// <inheritdoc />
    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(permitCount);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Refill();
            if (_queue.Count == 0 && CanTake(permitCount))
            {
                Take(permitCount);
                return Granted;
            }
            _failedLeases++;
            return new Lease(false, TimeUntil(permitCount));
        }
    }

    /// <inheritdoc />
    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(permitCount);
        Waiter waiter;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Refill();
            if (_queue.Count == 0 && CanTake(permitCount))
            {
                Take(permitCount);
                return new ValueTask<RateLimitLease>(Granted);
            }
            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<RateLimitLease>(cancellationToken);
            }
            // Continuations run where the waiter is granted (the timer), after the lock is released: callers that
            // track their own activity rely on resuming synchronously when the clock grants them.
            waiter = new Waiter(permitCount, this);
            waiter.Node = _queue.AddLast(waiter);
            if (_queue.Count == 1) Schedule();
        }
        if (cancellationToken.CanBeCanceled)
        {
            waiter.Registration = cancellationToken.UnsafeRegister(static (state, token) => ((Waiter)state!).Owner.Cancel((Waiter)state!, token), waiter);
            // Granted while registering: nobody else will dispose the registration.
            if (waiter.Task.Task.IsCompleted) waiter.Registration.Dispose();
        }
        return new ValueTask<RateLimitLease>(waiter.Task.Task);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (!disposing) return;
        List<Waiter> pending;
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            pending = [.. _queue];
            _queue.Clear();
        }
        _timer.Dispose();
        foreach (var waiter in pending)
        {
            waiter.Registration.Dispose();
            waiter.Task.TrySetResult(new Lease(false, null));
        }
    }

    /// <inheritdoc />
    protected override ValueTask DisposeAsyncCore()
    {
        Dispose(true);
        return ValueTask.CompletedTask;
    }

    private static void ValidateRate(double rate, double capacity)
    {
        if (!double.IsFinite(rate) || rate <= 0) throw new ArgumentOutOfRangeException(nameof(rate), rate, "The rate must be a finite number above 0.");
        if (!double.IsFinite(capacity) || capacity < 1) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The capacity must be a finite number of at least 1.");
    }

    // A request larger than the bucket needs a full bucket, then goes into debt.
    private bool CanTake(int permits) => _tokens >= Math.Min(permits, _capacity);

    private void Take(int permits)
    {
        _tokens -= permits;
        _successfulLeases++;
    }

    private void Refill()
    {
        long now = _time.GetTimestamp();
        double seconds = _time.GetElapsedTime(_refilledAt, now).TotalSeconds;
        _refilledAt = now;
        if (seconds <= 0) return;
        bool wasFull = _tokens >= _capacity;
        _tokens = Math.Min(_capacity, _tokens + seconds * _rate);
        if (!wasFull && _tokens >= _capacity) _idleSince = now;
    }

    private TimeSpan TimeUntil(int permits)
    {
        double missing = Math.Min(permits, _capacity) - _tokens;
        if (missing <= 0) return TimeSpan.Zero;
        // Round up to a whole tick so that when the timer fires the permits are there.
        double ticks = Math.Ceiling(missing / _rate * TimeSpan.TicksPerSecond);
        return TimeSpan.FromTicks((long)Math.Clamp(ticks, 1, TimeSpan.MaxValue.Ticks / 2));
    }

    private List<Waiter>? GrantWaiters()
    {
        List<Waiter>? granted = null;
        while (_queue.First is { } node && CanTake(node.Value.Permits))
        {
            _queue.RemoveFirst();
            node.Value.Node = null;
            Take(node.Value.Permits);
            (granted ??= []).Add(node.Value);
        }
        Schedule();
        return granted;
    }

    private void Schedule()
    {
        if (_disposed) return;
        var due = _queue.First is { } head ? TimeUntil(head.Value.Permits) : Timeout.InfiniteTimeSpan;
        _timer.Change(due, Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        List<Waiter>? granted;
        lock (_lock)
        {
            if (_disposed) return;
            Refill();
            granted = GrantWaiters();
        }
        Complete(granted);
    }

    private void Cancel(Waiter waiter, CancellationToken token)
    {
        List<Waiter>? granted = null;
        lock (_lock)
        {
            if (waiter.Node is null) return;
            bool wasHead = _queue.First == waiter.Node;
            _queue.Remove(waiter.Node);
            waiter.Node = null;
            if (wasHead)
            {
                Refill();
                granted = GrantWaiters();
            }
        }
        waiter.Task.TrySetCanceled(token);
        Complete(granted);
    }

    private static void Complete(List<Waiter>? granted)
    {
        if (granted is null) return;
        foreach (var waiter in granted)
        {
            waiter.Registration.Dispose();
            waiter.Task.TrySetResult(Granted);
        }
    }

    private sealed class Waiter(int permits, WriteCapacityLimiter owner)
    {
        public int Permits { get; } = permits;

        public WriteCapacityLimiter Owner { get; } = owner;

        public TaskCompletionSource<RateLimitLease> Task { get; } = new();

        public LinkedListNode<Waiter>? Node { get; set; }

        public CancellationTokenRegistration Registration { get; set; }
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public override bool IsAcquired { get; } = acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (retryAfter is { } after && metadataName == MetadataName.RetryAfter.Name)
            {
                metadata = after;
                return true;
            }
            metadata = null;
            return false;
        }
    }
}
