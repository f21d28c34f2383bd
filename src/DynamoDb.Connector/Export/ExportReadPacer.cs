using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Formats.Items;

namespace DynamoDb.Connector.Export;

/// <summary>
/// Sizes and paces an export's pages in read capacity units over the shared read budget: a page's <c>Limit</c>
/// comes from the average item size so that one page costs at most one bucket of budget (and never more than the
/// 1 MB DynamoDB reads per page); permits are acquired for the page's estimated cost before it is requested, and
/// reconciled with what DynamoDB reports it consumed. A page without consumed capacity (DynamoDB Local and other
/// emulators) is charged as estimated.
/// </summary>
internal sealed class ExportReadPacer
{
    /// <summary>DynamoDB reads at most 1 MB per Scan or Query page.</summary>
    public const int MaxPageBytes = 1024 * 1024;

    /// <summary>The item size assumed when the table reports none: 1 KiB.</summary>
    public const double DefaultAverageItemBytes = 1024;

    /// <summary>Weight of the newest page in the running average item size (the EMR connector uses 0.3).</summary>
    internal const double Smoothing = 0.3;

    private readonly TableReadBudget _budget;
    private readonly int _bytesPerUnit;
    private readonly bool _projected;
    private readonly object _lock = new();
    private double _averageItemBytes;

    /// <param name="budget">The shared read budget.</param>
    /// <param name="consistentRead">Strongly consistent reads cost twice as much.</param>
    /// <param name="averageItemBytes">The starting average item size (table bytes / items), or null for <see cref="DefaultAverageItemBytes"/>.</param>
    /// <param name="projected">Whether a projection is sent (returned items are then smaller than what is charged).</param>
    public ExportReadPacer(TableReadBudget budget, bool consistentRead, double? averageItemBytes, bool projected)
    {
        _budget = budget;
        _bytesPerUnit = consistentRead ? CapacityUnits.BytesPerReadUnit : 2 * CapacityUnits.BytesPerReadUnit;
        _projected = projected;
        _averageItemBytes = Math.Clamp(averageItemBytes is > 0 and var avg ? avg : DefaultAverageItemBytes, 1, ItemSize.MaxItemBytes);
    }

    /// <summary>The running average size of the items read, in bytes.</summary>
    public double AverageItemBytes
    {
        get { lock (_lock) return _averageItemBytes; }
    }

    /// <summary>The <c>Limit</c> of the next page: as many items as one bucket of budget (or 1 MB) reads, and at most <paramref name="maxItems"/>.</summary>
    public int PageLimit(int maxItems)
    {
        double bytes = Math.Min(MaxPageBytes, _budget.PermitCeiling * _bytesPerUnit);
        double items = Math.Floor(bytes / AverageItemBytes);
        return (int)Math.Clamp(items, 1, Math.Max(1, maxItems));
    }

    /// <summary>The permits a page of <paramref name="limit"/> items is estimated to cost: its bytes (at most 1 MB) in read units, at least 1.</summary>
    public int PermitsFor(int limit)
    {
        double bytes = Math.Min(MaxPageBytes, limit * AverageItemBytes);
        return (int)Math.Max(1, Math.Ceiling(bytes / _bytesPerUnit));
    }

    /// <summary>Waits for <paramref name="permits"/> from the shared budget.</summary>
    public ValueTask AcquireAsync(int permits, CancellationToken cancellationToken) => _budget.AcquireAsync(permits, cancellationToken);

    /// <summary>Gives back the permits of a request DynamoDB refused (throttled: nothing was charged).</summary>
    public void Refund(int permits) => _budget.Refund(permits);

    /// <summary>DynamoDB throttled a request: the budget's pacing rate is cut.</summary>
    public void OnThrottled(bool hotKeyRange) => _budget.OnThrottled(hotKeyRange);

    /// <summary>
    /// Reconciles a page: the budget is charged what DynamoDB consumed (or the estimate when it reported nothing),
    /// and the average item size learns from the page. Returns the units charged.
    /// </summary>
    /// <param name="permits">The permits acquired for the page.</param>
    /// <param name="consumed">The page's consumed capacity, or null.</param>
    /// <param name="scanned">Items DynamoDB evaluated for the page.</param>
    /// <param name="items">The items returned.</param>
    public double Settle(int permits, ConsumedCapacity? consumed, int scanned, List<Dictionary<string, AttributeValue>>? items)
    {
        double? units = consumed?.CapacityUnits ?? consumed?.ReadCapacityUnits ?? consumed?.Table?.CapacityUnits;
        double? sample = null;
        if (units is { } charged && scanned > 0)
        {
            // Pages are rounded up to whole units, so a small page overstates; the smoothing absorbs it.
            sample = charged * _bytesPerUnit / scanned;
        }
        else if (units is null && !_projected && items is { Count: > 0 })
        {
            long bytes = 0;
            foreach (var item in items) bytes += ItemSize.Of(item);
            sample = (double)bytes / items.Count;
        }
        if (sample is { } size)
        {
            lock (_lock) _averageItemBytes = Math.Clamp(_averageItemBytes + Smoothing * (size - _averageItemBytes), 1, ItemSize.MaxItemBytes);
        }
        _budget.Settle(permits, units);
        return units ?? permits;
    }
}
