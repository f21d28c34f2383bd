namespace DynamoDb.Connector.Capacity;

/// <summary>
/// The share of a budget to pace at, driven by throttling: cut multiplicatively when DynamoDB throttles (at most
/// once per cooldown, since concurrent requests report the same overload; gently for a hot key range, which is the
/// data's problem rather than the table's), and climbed back linearly with the time in which requests succeed: time
/// spent backing off from throttling does not count, or the climb would undo the cuts while nothing gets through.
/// Thread-safe.
/// </summary>
internal sealed class AimdRate(TimeProvider timeProvider)
{
    /// <summary>The share is multiplied by this on throttling.</summary>
    internal const double DecreaseFactor = 0.75;

    /// <summary>A hot key range cuts the global rate only this much.</summary>
    internal const double HotKeyRangeDecreaseFactor = 0.95;

    /// <summary>After a cut the share climbs back by this much per second of successful requests.</summary>
    internal const double IncreasePerSecond = 0.02;

    /// <summary>The share never falls below this.</summary>
    internal const double MinFraction = 0.02;

    internal static readonly TimeSpan DecreaseCooldown = TimeSpan.FromSeconds(1);

    /// <summary>One success climbs for at most this long a gap since the last success or cut.</summary>
    internal static readonly TimeSpan MaxClimbPerSuccess = TimeSpan.FromSeconds(1);

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

    /// <summary>A request succeeded: the share climbs for the time since the last success or cut (at most one second's worth).</summary>
    public void Succeeded()
    {
        lock (_lock)
        {
            long now = timeProvider.GetTimestamp();
            var elapsed = timeProvider.GetElapsedTime(_climbedAt, now);
            _climbedAt = now;
            if (_fraction < 1)
            {
                double seconds = Math.Min(elapsed.TotalSeconds, MaxClimbPerSuccess.TotalSeconds);
                _fraction = Math.Min(1, _fraction + IncreasePerSecond * seconds);
            }
        }
    }

    /// <summary>Cuts the share, unless it was cut within the cooldown. Returns whether it was cut, with the share before and after.</summary>
    public bool Cut(bool hotKeyRange, out double before, out double after)
    {
        lock (_lock)
        {
            before = after = _fraction;
            long now = timeProvider.GetTimestamp();
            if (_everDecreased && timeProvider.GetElapsedTime(_lastDecreaseAt, now) < DecreaseCooldown) return false;
            _fraction = Math.Max(MinFraction, _fraction * (hotKeyRange ? HotKeyRangeDecreaseFactor : DecreaseFactor));
            after = _fraction;
            _lastDecreaseAt = _climbedAt = now;
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
