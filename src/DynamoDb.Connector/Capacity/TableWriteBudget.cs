using Amazon.DynamoDBv2;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Telemetry;
using Microsoft.Extensions.Logging;

namespace DynamoDb.Connector.Capacity;

/// <summary>
/// The live write budget of one table in this process: one shared <see cref="WriteCapacityLimiter"/> that every
/// writer of the table acquires from (so writers share the budget by taking turns, whatever their number), kept in
/// step with the table by re-reading DescribeTable every refresh interval, with AIMD on throttling, the on-demand
/// ramp, and reconciliation of each estimate with what DynamoDB charged.
/// </summary>
internal sealed class TableWriteBudget : IDisposable
{
    private const double RatioSmoothing = 0.2;

    private readonly IAmazonDynamoDB _client;
    private readonly WriteThroughputOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly object _lock = new();
    private readonly PeriodicRefresh _refresh;
    private readonly Dictionary<string, double> _indexRatios = new(StringComparer.Ordinal);
    private TableCapacity _capacity;
    private WriteBudget _budget;
    private double _permitFactor = 1;
    private readonly AimdRate _aimd;
    private readonly OnDemandRamp _ramp;
    private double _appliedRate;
    private double _appliedBucket;
    private long _rateVersion;

    public TableWriteBudget(IAmazonDynamoDB client, TableCapacity capacity, WriteThroughputOptions options, TimeProvider timeProvider, ILogger logger, WorkTracker tracker)
    {
        _client = client;
        _options = options;
        _time = timeProvider;
        _logger = logger;
        _capacity = capacity;
        _aimd = new AimdRate(timeProvider);
        _ramp = new OnDemandRamp(WriteBudget.OnDemandStart(capacity), timeProvider);
        _budget = WriteBudget.Compute(capacity, options, _ramp.Level);
        UpdatePermitFactor();
        _appliedRate = _budget.WriteUnitsPerSecond;
        _appliedBucket = BucketFor(_budget);
        Limiter = new WriteCapacityLimiter(_appliedRate, _appliedBucket, timeProvider);
        Log.WriteBudgetComputed(logger, capacity.TableName, _budget.WriteUnitsPerSecond, _budget.Basis);
        _refresh = new PeriodicRefresh(timeProvider, options.RefreshInterval, tracker, RefreshAsync);
    }

    public string TableName => _capacity.TableName;

    public KeySchema Keys
    {
        get { lock (_lock) return _capacity.Keys; }
    }

    public WriteThroughputOptions Options => _options;

    /// <summary>The budget now.</summary>
    public WriteBudget Current
    {
        get { lock (_lock) return _budget; }
    }

    /// <summary>The pacing rate now: the budget, less what throttling took off it.</summary>
    public double PacingRate => Limiter.Rate;

    /// <summary>The limiter every writer of the table acquires from.</summary>
    public WriteCapacityLimiter Limiter { get; }

    /// <summary>The most permits one batch should carry: the bucket's size.</summary>
    public double PermitCeiling => Limiter.Capacity;

    /// <summary>The permits to acquire for writes that cost the table <paramref name="tableWriteUnits"/>, indexes included.</summary>
    public int EstimatePermits(long tableWriteUnits)
    {
        double factor;
        lock (_lock) factor = _permitFactor;
        return (int)Math.Min(int.MaxValue, Math.Max(1, Math.Ceiling(tableWriteUnits * factor)));
    }

    /// <summary>Gives back permits a request did not use (it was rejected whole, so DynamoDB charged nothing).</summary>
    public void Refund(int permits) => Limiter.Adjust(-permits);

    /// <summary>
    /// Reconciles <paramref name="acquiredPermits"/> with what DynamoDB charged: the difference is refunded or
    /// owed. Without a consumed-capacity answer the estimate stands. Also lets the rate climb back after throttling.
    /// </summary>
    public void Settle(int acquiredPermits, in ConsumedWrite consumed)
    {
        double charge;
        (double Rate, double Bucket, long Version)? rate;
        lock (_lock)
        {
            _aimd.Climb();
            if (!consumed.Reported)
            {
                rate = RateChangeLocked();
                Apply(rate);
                return;
            }
            charge = consumed.Table;
            foreach (var (index, limit) in _budget.IndexWriteUnitsPerSecond)
            {
                double used = consumed.IndexUnits(index);
                charge = Math.Max(charge, used * _budget.WriteUnitsPerSecond / limit);
                if (consumed.Table > 0)
                {
                    double ratio = _indexRatios.GetValueOrDefault(index, 1);
                    _indexRatios[index] = ratio + RatioSmoothing * (used / consumed.Table - ratio);
                }
            }
            UpdatePermitFactor();
            _ramp.Track(consumed.Table);
            rate = RateChangeLocked();
        }
        Apply(rate);
        Limiter.Adjust(charge - acquiredPermits);
    }

    /// <summary>
    /// DynamoDB throttled a request. Cuts the pacing rate (<see cref="AimdRate"/>: gently for a hot key range), at most once per cooldown
    /// since concurrent batches report the same overload. Returns whether the rate was cut.
    /// </summary>
    public bool OnThrottled(bool hotKeyRange)
    {
        double before, after;
        (double Rate, double Bucket, long Version)? rate;
        lock (_lock)
        {
            if (!_aimd.Cut(hotKeyRange, out before, out after))
            {
                return false;
            }
            rate = RateChangeLocked();
        }
        Apply(rate);
        Log.PacingRateCut(_logger, TableName, before * 100, after * 100, hotKeyRange);
        return true;
    }

    /// <summary>Reads the table's capacity again and applies it (the refresh timer calls this every interval).</summary>
    internal async Task RefreshAsync(CancellationToken cancellationToken)
    {
        TableCapacity capacity;
        try
        {
            capacity = await TableCapacity.ReadAsync(_client, TableName, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.WriteBudgetRefreshFailed(_logger, TableName, ex);
            return;
        }
        WriteBudget before, after;
        (double Rate, double Bucket, long Version)? rate;
        lock (_lock)
        {
            _capacity = capacity;
            if (capacity.OnDemand)
            {
                _ramp.Refresh(WriteBudget.OnDemandStart(capacity));
            }
            before = _budget;
            _budget = WriteBudget.Compute(capacity, _options, _ramp.Level);
            after = _budget;
            UpdatePermitFactor();
            _aimd.Climb();
            rate = RateChangeLocked();
        }
        Apply(rate);
        if (before.WriteUnitsPerSecond != after.WriteUnitsPerSecond || before.Basis != after.Basis)
        {
            Log.WriteBudgetChanged(_logger, TableName, before.WriteUnitsPerSecond, after.WriteUnitsPerSecond, after.Basis);
        }
    }

    public void Dispose()
    {
        _refresh.Dispose();
        Limiter.Dispose();
    }

    private double BucketFor(WriteBudget budget) => Math.Max(1, budget.WriteUnitsPerSecond * _options.BurstSeconds);

    private void UpdatePermitFactor()
    {
        double factor = 1;
        foreach (var (index, limit) in _budget.IndexWriteUnitsPerSecond)
        {
            factor = Math.Max(factor, _indexRatios.GetValueOrDefault(index, 1) * _budget.WriteUnitsPerSecond / limit);
        }
        _permitFactor = factor;
    }

    // The limiter is changed outside this budget's lock: it may wake waiting batches, which run on from there.
    private (double Rate, double Bucket, long Version)? RateChangeLocked()
    {
        double rate = _budget.WriteUnitsPerSecond * _aimd.Fraction;
        double bucket = BucketFor(_budget);
        // Small drifts of the climb are applied in steps, not on every response.
        return Math.Abs(rate - _appliedRate) > 0.001 * rate || bucket != _appliedBucket ? (_appliedRate = rate, _appliedBucket = bucket, ++_rateVersion) : null;
    }

    private void Apply((double Rate, double Bucket, long Version)? change)
    {
        if (change is { } c) Limiter.SetRate(c.Rate, c.Bucket, c.Version);
    }
}
