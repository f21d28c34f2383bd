namespace DynamoDb.Connector.Capacity;

/// <summary>
/// The share of a budget to pace at, driven by throttling (AIMD), shared by the write and read budgets: cut
/// multiplicatively when DynamoDB throttles (at most once per cooldown, since concurrent requests report the same
/// overload; gently for a hot key range, which is the data's problem rather than the table's), and climbed back
/// linearly with time each time <see cref="Climb"/> is called. With <c>maxClimbPerCall</c> set, one call climbs for at
/// most that long, so time in which nothing succeeded (everything backing off from throttling) does not undo the cuts.
/// Thread-safe.
/// </summary>
internal sealed class AimdRate(TimeProvider timeProvider, TimeSpan? maxClimbPerCall = null)
{
    /// <summary>The share is multiplied by this on throttling.</summary>
    internal const double DecreaseFactor = 0.75;

    /// <summary>A hot key range cuts the global rate only this much.</summary>
    internal const double HotKeyRangeDecreaseFactor = 0.95;

    /// <summary>After a cut the share climbs back by this much per second.</summary>
    internal const double IncreasePerSecond = 0.02;

    /// <summary>The share never falls below this.</summary>
    internal const double MinFraction = 0.02;

    internal static readonly TimeSpan DecreaseCooldown = TimeSpan.FromSeconds(1);

    private readonly object _lock = new();
    private double _fraction = 1;
    private long _climbedAt = timeProvider.GetTimestamp();
    private long _lastDecreaseAt;
    private bool _everDecreased;

    /// <summary>The share now, 0.02 to 1.</summary>
    public double Fraction
    {
        get { lock (_lock) return _fraction; }
    }

    /// <summary>Climbs for the time since the last climb or cut (at most <c>maxClimbPerCall</c> of it).</summary>
    public void Climb()
    {
        lock (_lock)
        {
            long now = timeProvider.GetTimestamp();
            double seconds = timeProvider.GetElapsedTime(_climbedAt, now).TotalSeconds;
            _climbedAt = now;
            if (maxClimbPerCall is { } cap) seconds = Math.Min(seconds, cap.TotalSeconds);
            if (_fraction < 1 && seconds > 0) _fraction = Math.Min(1, _fraction + IncreasePerSecond * seconds);
        }
    }

    /// <summary>Climbs, then cuts the share unless it was cut within the cooldown. Returns whether it was cut, with the share before and after.</summary>
    public bool Cut(bool hotKeyRange, out double before, out double after)
    {
        lock (_lock)
        {
            Climb();
            before = after = _fraction;
            long now = timeProvider.GetTimestamp();
            if (_everDecreased && timeProvider.GetElapsedTime(_lastDecreaseAt, now) < DecreaseCooldown) return false;
            _fraction = Math.Max(MinFraction, _fraction * (hotKeyRange ? HotKeyRangeDecreaseFactor : DecreaseFactor));
            after = _fraction;
            _lastDecreaseAt = now;
            _everDecreased = true;
            return true;
        }
    }
}

/// <summary>
/// Where an on-demand table's budget stands: it starts at what the table takes at once and, as DynamoDB absorbs up
/// to twice a table's previous peak within 30 minutes, doubles the peak reached in each 30-minute interval. Not
/// thread-safe: the owner locks.
/// </summary>
internal sealed class OnDemandRamp(double start, TimeProvider timeProvider)
{
    /// <summary>DynamoDB absorbs up to twice an on-demand table's previous peak within 30 minutes.</summary>
    internal static readonly TimeSpan RampInterval = TimeSpan.FromMinutes(30);

    private long _rampStartedAt = timeProvider.GetTimestamp();
    private long _second = -1;
    private double _secondUnits;
    private double _peakPerSecond;

    /// <summary>The level now, in units per second.</summary>
    public double Level { get; private set; } = start;

    /// <summary>Counts units consumed now, toward the peak of the current second.</summary>
    public void Track(double units)
    {
        long second = timeProvider.GetTimestamp() / timeProvider.TimestampFrequency;
        if (second != _second)
        {
            _second = second;
            _secondUnits = 0;
        }
        _secondUnits += units;
        _peakPerSecond = Math.Max(_peakPerSecond, _secondUnits);
    }

    /// <summary>At a refresh: after a full interval the level rises to twice the peak reached; never below <paramref name="start"/>.</summary>
    public void Refresh(double start)
    {
        long now = timeProvider.GetTimestamp();
        if (timeProvider.GetElapsedTime(_rampStartedAt, now) >= RampInterval)
        {
            Level = Math.Max(Level, 2 * _peakPerSecond);
            _peakPerSecond = 0;
            _rampStartedAt = now;
        }
        Level = Math.Max(Level, start);
    }
}
