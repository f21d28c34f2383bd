using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Telemetry;
using Microsoft.Extensions.Logging;

namespace DynamoDb.Connector.Capacity;

/// <summary>
/// The live read budget of one table (or global secondary index) for an export: one shared limiter that every
/// reader acquires read units from, kept in step with the table by re-reading DescribeTable every refresh interval,
/// with AIMD on throttling, the on-demand ramp, and reconciliation of each page's estimate with what DynamoDB charged.
/// </summary>
internal sealed class TableReadBudget : IDisposable
{
    /// <summary>
    /// A page that succeeds lets the rate climb for at most this long since the last one: time spent backing off from
    /// throttling would otherwise undo the cuts before a single page gets through (pages can be large).
    /// </summary>
    internal static readonly TimeSpan ClimbPerSuccess = TimeSpan.FromSeconds(1);

    private readonly IAmazonDynamoDB _client;
    private readonly string? _globalIndex;
    private readonly ReadThroughputOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly WorkTracker _tracker;
    private readonly object _lock = new();
    private readonly PeriodicRefresh _refresh;
    private readonly AimdRate _aimd;
    private readonly OnDemandRamp _ramp;
    private TableDescription _table;
    private ReadBudget _budget;
    private double _appliedRate;
    private double _appliedBucket;
    private long _rateVersion;

    public TableReadBudget(IAmazonDynamoDB client, TableDescription table, string? globalIndex, ReadThroughputOptions options, TimeProvider timeProvider, ILogger logger, WorkTracker tracker)
    {
        _client = client;
        _table = table;
        _globalIndex = globalIndex;
        _options = options;
        _time = timeProvider;
        _logger = logger;
        _tracker = tracker;
        _ramp = new OnDemandRamp(ReadBudget.OnDemandStart(table, globalIndex, options), timeProvider);
        _budget = ReadBudget.Compute(table, globalIndex, options, _ramp.Level);
        _appliedRate = _budget.ReadUnitsPerSecond;
        _appliedBucket = BucketFor(_appliedRate);
        Limiter = new WriteCapacityLimiter(_appliedRate, _appliedBucket, timeProvider);
        _aimd = new AimdRate(timeProvider, ClimbPerSuccess);
        Log.ReadBudgetComputed(logger, TableName, _budget.ReadUnitsPerSecond, _budget.Basis);
        _refresh = new PeriodicRefresh(timeProvider, options.RefreshInterval, tracker, RefreshAsync);
    }

    public string TableName => _table.TableName;

    /// <summary>The budget now.</summary>
    public ReadBudget Current
    {
        get { lock (_lock) return _budget; }
    }

    /// <summary>The pacing rate now: the budget, less what throttling took off it.</summary>
    public double PacingRate => Limiter.Rate;

    /// <summary>
    /// The most read units one page should be sized to cost: one bucket, which follows the pacing rate (a page larger
    /// than what the table serves per second while it throttles would only be throttled again).
    /// </summary>
    public double PermitCeiling => Limiter.Capacity;

    /// <summary>The limiter every reader acquires from.</summary>
    public WriteCapacityLimiter Limiter { get; }

    /// <summary>Waits for <paramref name="permits"/>, as a flow of the tracker (so a fake clock can advance meanwhile).</summary>
    public async ValueTask AcquireAsync(int permits, CancellationToken cancellationToken)
    {
        var acquiring = Limiter.AcquireAsync(permits, cancellationToken);
        var lease = acquiring.IsCompleted ? acquiring.Result : await _tracker.WaitAsync(acquiring.AsTask()).ConfigureAwait(false);
        if (!lease.IsAcquired) throw new OperationCanceledException("The read budget was released.", cancellationToken);
    }

    /// <summary>Gives back permits a request did not use (it was throttled, so DynamoDB charged nothing).</summary>
    public void Refund(int permits) => Limiter.Adjust(-permits);

    /// <summary>Reconciles <paramref name="acquiredPermits"/> with what DynamoDB charged (null: the estimate stands); lets the rate climb back after throttling.</summary>
    public void Settle(int acquiredPermits, double? consumedUnits)
    {
        lock (_lock)
        {
            if (consumedUnits is { } units) _ramp.Track(units);
        }
        _aimd.Climb();
        ApplyRate();
        if (consumedUnits is { } charged) Limiter.Adjust(charged - acquiredPermits);
    }

    /// <summary>DynamoDB throttled a read: cuts the pacing rate (at most once per cooldown). Returns whether it was cut.</summary>
    public bool OnThrottled(bool hotKeyRange)
    {
        if (!_aimd.Cut(hotKeyRange, out double before, out double after)) return false;
        ApplyRate();
        Log.ReadPacingCut(_logger, TableName, before * 100, after * 100, hotKeyRange);
        return true;
    }

    /// <summary>Reads the table's capacity again and applies it (the refresh timer calls this every interval).</summary>
    internal async Task RefreshAsync(CancellationToken cancellationToken)
    {
        TableDescription table;
        try
        {
            table = (await _client.DescribeTableAsync(new DescribeTableRequest { TableName = TableName }, cancellationToken).ConfigureAwait(false)).Table;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.ReadBudgetRefreshFailed(_logger, TableName, ex);
            return;
        }
        ReadBudget before, after;
        lock (_lock)
        {
            _table = table;
            _ramp.Refresh(ReadBudget.OnDemandStart(table, _globalIndex, _options));
            before = _budget;
            _budget = ReadBudget.Compute(table, _globalIndex, _options, _ramp.Level);
            after = _budget;
        }
        ApplyRate();
        if (before.ReadUnitsPerSecond != after.ReadUnitsPerSecond || before.Basis != after.Basis)
        {
            Log.ReadBudgetChanged(_logger, TableName, before.ReadUnitsPerSecond, after.ReadUnitsPerSecond, after.Basis);
        }
    }

    public void Dispose()
    {
        _refresh.Dispose();
        Limiter.Dispose();
    }

    // The bucket follows the pacing rate: after throttling, neither the burst nor the pages stay sized for the full budget.
    private double BucketFor(double rate) => Math.Max(1, rate * _options.BurstSeconds);

    // Computed under the lock with a version, applied outside it (it may wake waiting readers): a change computed
    // earlier never overrides a later one.
    private void ApplyRate()
    {
        double rate, bucket;
        long version;
        lock (_lock)
        {
            rate = _budget.ReadUnitsPerSecond * _aimd.Fraction;
            bucket = BucketFor(rate);
            if (Math.Abs(rate - _appliedRate) <= 0.001 * rate && bucket == _appliedBucket) return;
            _appliedRate = rate;
            _appliedBucket = bucket;
            version = ++_rateVersion;
        }
        Limiter.SetRate(rate, bucket, version);
    }
}
