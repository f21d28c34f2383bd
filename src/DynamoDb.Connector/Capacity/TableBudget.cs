using Amazon.DynamoDBv2;
using Microsoft.Extensions.Logging;

namespace DynamoDb.Connector.Capacity;

/// <summary>
/// What differs between paced reads and paced writes, given to <see cref="TableBudget{TBudget}"/>: how a budget is
/// computed from the table's description (read or write units, the table or an index, the indexes a write also
/// costs), where an on-demand ramp starts, how big the bucket is, how the AIMD climb is capped, and what is logged.
/// </summary>
/// <typeparam name="TBudget">The computed budget (<see cref="ReadBudget"/>, <see cref="WriteBudget"/>).</typeparam>
internal abstract class CapacityKind<TBudget>
    where TBudget : class
{
    /// <summary>How often the table is described again.</summary>
    public abstract TimeSpan RefreshInterval { get; }

    /// <summary>The longest one success lets the AIMD share climb (null: for all the time since the last one).</summary>
    public abstract TimeSpan? ClimbPerSuccess { get; }

    /// <summary>Where an on-demand ramp starts, in units per second.</summary>
    public abstract double OnDemandStart(TableCapacity table);

    /// <summary>The budget, with the on-demand ramp at <paramref name="onDemandLevel"/>.</summary>
    public abstract TBudget Compute(TableCapacity table, double onDemandLevel);

    /// <summary>The budget's pacing rate before any cut, in units per second.</summary>
    public abstract double UnitsPerSecond(TBudget budget);

    /// <summary>How the budget was derived, in words.</summary>
    public abstract string Basis(TBudget budget);

    /// <summary>The bucket's size (the largest burst, and the most one request should cost) at <paramref name="pacingRate"/>.</summary>
    public abstract double BucketFor(TBudget budget, double pacingRate);

    public abstract void LogComputed(ILogger logger, string table, TBudget budget);

    public abstract void LogChanged(ILogger logger, string table, TBudget before, TBudget after);

    public abstract void LogRefreshFailed(ILogger logger, string table, Exception exception);

    public abstract void LogCut(ILogger logger, string table, double beforePercent, double afterPercent, bool hotKeyRange);
}

/// <summary>
/// The live budget of one table (or index) in this process, for reads or writes (<see cref="CapacityKind{TBudget}"/>):
/// one shared <see cref="WriteCapacityLimiter"/> every reader or writer of the table acquires units from (so they
/// share the budget by taking turns, whatever their number), kept in step with the table by re-reading DescribeTable
/// every refresh interval, with AIMD on throttling (<see cref="AimdRate"/>), the on-demand ramp
/// (<see cref="OnDemandRamp"/>), and reconciliation of each estimate with what DynamoDB charged.
/// </summary>
internal abstract class TableBudget<TBudget> : IDisposable
    where TBudget : class
{
    private readonly IAmazonDynamoDB _client;
    private readonly CapacityKind<TBudget> _kind;
    private readonly ILogger _logger;
    private readonly object _lock = new();
    private readonly PeriodicRefresh _refresh;
    private readonly AimdRate _aimd;
    private readonly OnDemandRamp _ramp;
    private TableCapacity _table;
    private TBudget _budget;
    private double _appliedRate;
    private double _appliedBucket;
    private long _rateVersion;

    protected TableBudget(IAmazonDynamoDB client, TableCapacity table, CapacityKind<TBudget> kind, TimeProvider timeProvider, ILogger logger, WorkTracker tracker)
    {
        _client = client;
        _kind = kind;
        _logger = logger;
        _table = table;
        TableName = table.TableName;
        _aimd = new AimdRate(timeProvider, kind.ClimbPerSuccess);
        _ramp = new OnDemandRamp(kind.OnDemandStart(table), timeProvider);
        _budget = kind.Compute(table, _ramp.Level);
        _appliedRate = kind.UnitsPerSecond(_budget);
        _appliedBucket = kind.BucketFor(_budget, _appliedRate);
        Limiter = new WriteCapacityLimiter(_appliedRate, _appliedBucket, timeProvider);
        kind.LogComputed(logger, TableName, _budget);
        _refresh = new PeriodicRefresh(timeProvider, kind.RefreshInterval, tracker, RefreshAsync);
    }

    public string TableName { get; }

    /// <summary>The table's description as last read.</summary>
    public TableCapacity Table => Volatile.Read(ref _table);

    /// <summary>The budget now (an immutable record, replaced at each refresh).</summary>
    public TBudget Current => Volatile.Read(ref _budget);

    /// <summary>The pacing rate now: the budget, less what throttling took off it.</summary>
    public double PacingRate => Limiter.Rate;

    /// <summary>The limiter every reader or writer of the table acquires from.</summary>
    public WriteCapacityLimiter Limiter { get; }

    /// <summary>The most permits one request should cost: the bucket's size.</summary>
    public double PermitCeiling => Limiter.Capacity;

    /// <summary>Gives back permits a request did not use (it was throttled or rejected whole, so DynamoDB charged nothing).</summary>
    public void Refund(int permits) => Limiter.Adjust(-permits);

    /// <summary>
    /// DynamoDB throttled a request. Cuts the pacing rate (<see cref="AimdRate"/>: gently for a hot key range), at
    /// most once per cooldown since concurrent requests report the same overload. Returns whether it was cut.
    /// </summary>
    public bool OnThrottled(bool hotKeyRange)
    {
        if (!_aimd.Cut(hotKeyRange, out double before, out double after)) return false;
        ApplyRate();
        _kind.LogCut(_logger, TableName, before * 100, after * 100, hotKeyRange);
        return true;
    }

    /// <summary>Reads the table's capacity again and applies it (the refresh timer calls this every interval).</summary>
    internal async Task RefreshAsync(CancellationToken cancellationToken)
    {
        TableCapacity table;
        try
        {
            table = await TableCapacity.ReadAsync(_client, TableName, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _kind.LogRefreshFailed(_logger, TableName, ex);
            return;
        }
        TBudget before, after;
        lock (_lock)
        {
            Volatile.Write(ref _table, table);
            if (table.OnDemand) _ramp.Refresh(_kind.OnDemandStart(table));
            before = _budget;
            after = _kind.Compute(table, _ramp.Level);
            Volatile.Write(ref _budget, after);
        }
        _aimd.Climb();
        ApplyRate();
        if (_kind.UnitsPerSecond(before) != _kind.UnitsPerSecond(after) || _kind.Basis(before) != _kind.Basis(after))
        {
            _kind.LogChanged(_logger, TableName, before, after);
        }
    }

    public void Dispose()
    {
        _refresh.Dispose();
        Limiter.Dispose();
    }

    /// <summary>
    /// Reconciles <paramref name="acquiredPermits"/> with what DynamoDB charged: <paramref name="consumedUnits"/> of
    /// the table's capacity (the on-demand ramp's measure) and <paramref name="charge"/> in permits (the difference is
    /// refunded or owed). Null: DynamoDB reported nothing, the estimate stands. Lets the rate climb back after throttling.
    /// </summary>
    protected void Reconcile(int acquiredPermits, double? consumedUnits, double? charge)
    {
        if (consumedUnits is { } units)
        {
            lock (_lock) _ramp.Track(units);
        }
        _aimd.Climb();
        ApplyRate();
        if (charge is { } charged) Limiter.Adjust(charged - acquiredPermits);
    }

    // Computed under the lock with a version, applied outside it (it may wake waiting requests, which run on from
    // there): a change computed earlier never overrides a later one. Small drifts of the climb are applied in steps.
    private void ApplyRate()
    {
        double rate, bucket;
        long version;
        lock (_lock)
        {
            rate = _kind.UnitsPerSecond(_budget) * _aimd.Fraction;
            bucket = _kind.BucketFor(_budget, rate);
            if (Math.Abs(rate - _appliedRate) <= 0.001 * rate && bucket == _appliedBucket) return;
            _appliedRate = rate;
            _appliedBucket = bucket;
            version = ++_rateVersion;
        }
        Limiter.SetRate(rate, bucket, version);
    }
}
