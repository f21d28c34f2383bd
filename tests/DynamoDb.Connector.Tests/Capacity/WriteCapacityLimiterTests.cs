using System.Threading.RateLimiting;
using DynamoDb.Connector.Capacity;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Time.Testing;

namespace DynamoDb.Connector.Tests.Capacity;

public sealed class WriteCapacityLimiterTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task AcquireAsync_StartsEmpty_AndGrantsWhenTheClockHasEarnedThePermits()
    {
        using var limiter = new WriteCapacityLimiter(100, 100, _time);

        var pending = limiter.AcquireAsync(25).AsTask();
        _time.Advance(TimeSpan.FromMilliseconds(249));
        Assert.False(pending.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.True((await pending).IsAcquired);
        Assert.Equal(0, limiter.Available, 6);
    }

    [Fact]
    public async Task AcquireAsync_ServesWaitersInOrder()
    {
        using var limiter = new WriteCapacityLimiter(10, 10, _time);
        var big = limiter.AcquireAsync(8).AsTask();
        var small = limiter.AcquireAsync(1).AsTask();

        _time.Advance(TimeSpan.FromMilliseconds(100)); // 1 permit: enough for the small one, but it queues behind the big one
        Assert.False(small.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(700));
        Assert.True(big.IsCompleted);
        Assert.False(small.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(100));

        Assert.True((await big).IsAcquired);
        Assert.True((await small).IsAcquired);
    }

    [Fact]
    public async Task AcquireAsync_MoreThanTheBucket_WaitsForAFullBucketThenRunsADebt()
    {
        using var limiter = new WriteCapacityLimiter(100, 50, _time);

        var huge = limiter.AcquireAsync(400).AsTask();
        _time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True((await huge).IsAcquired);
        Assert.Equal(-350, limiter.Available, 6);

        // The debt is paid back before the next write: 351 permits at 100/s.
        var next = limiter.AcquireAsync(1).AsTask();
        _time.Advance(TimeSpan.FromMilliseconds(3500));
        Assert.False(next.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.True((await next).IsAcquired);
    }

    [Fact]
    public void Adjust_ChargesADebtOrRefundsUpToTheBucket()
    {
        using var limiter = new WriteCapacityLimiter(100, 100, _time);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(limiter.AttemptAcquire(60).IsAcquired);

        limiter.Adjust(30); // DynamoDB charged 30 more than estimated
        Assert.Equal(10, limiter.Available, 6);
        limiter.Adjust(-500); // a refund never overfills the bucket
        Assert.Equal(100, limiter.Available, 6);
    }

    [Fact]
    public async Task SetRate_AppliesFromNow_AndWakesWaitersThatCanNowGo()
    {
        using var limiter = new WriteCapacityLimiter(10, 100, _time);
        var pending = limiter.AcquireAsync(50).AsTask();
        _time.Advance(TimeSpan.FromSeconds(1)); // 10 earned at the old rate

        limiter.SetRate(40, 100);
        _time.Advance(TimeSpan.FromMilliseconds(999)); // 39.96 more at the new rate
        Assert.False(pending.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.True((await pending).IsAcquired);
    }

    [Fact]
    public void SetRate_AnOlderVersion_IsIgnored()
    {
        using var limiter = new WriteCapacityLimiter(10, 10, _time);

        limiter.SetRate(30, 30, version: 2);
        limiter.SetRate(20, 20, version: 1);

        Assert.Equal(30, limiter.Rate);
    }

    [Fact]
    public async Task AcquireAsync_Cancelled_LeavesTheQueue_AndTheNextWaiterIsServed()
    {
        using var limiter = new WriteCapacityLimiter(10, 10, _time);
        using var cancel = new CancellationTokenSource();
        var first = limiter.AcquireAsync(10, cancel.Token).AsTask();
        var second = limiter.AcquireAsync(2).AsTask();

        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        _time.Advance(TimeSpan.FromMilliseconds(200));

        Assert.True((await second).IsAcquired);
        Assert.Equal(0, limiter.GetStatistics()!.CurrentQueuedCount);
    }

    [Fact]
    public void AttemptAcquire_WithoutPermits_FailsWithARetryAfter()
    {
        using var limiter = new WriteCapacityLimiter(10, 10, _time);

        using var lease = limiter.AttemptAcquire(5);

        Assert.False(lease.IsAcquired);
        Assert.True(lease.TryGetMetadata(MetadataName.RetryAfter, out var after));
        Assert.Equal(TimeSpan.FromMilliseconds(500), after);
    }

    [Fact]
    public async Task Dispose_FailsTheWaiters()
    {
        var limiter = new WriteCapacityLimiter(10, 10, _time);
        var pending = limiter.AcquireAsync(5).AsTask();

        limiter.Dispose();

        Assert.False((await pending).IsAcquired);
    }

    [Fact]
    public void Limiter_OverAnyRunOfRequests_NeverHandsOutMoreThanRateTimesTime()
    {
        Prop.ForAll(
            Gen.Choose(1, 2000).ToArbitrary(),
            Gen.ListOf(Gen.Choose(1, 400), 200).ToArbitrary(),
            (rate, requests) =>
            {
                var time = new FakeTimeProvider();
                using var limiter = new WriteCapacityLimiter(rate, rate, time);
                var start = time.GetUtcNow();
                long granted = 0;
                foreach (int permits in requests)
                {
                    var pending = limiter.AcquireAsync(permits);
                    while (!pending.IsCompleted) time.Advance(TimeSpan.FromMilliseconds(7));
                    granted += permits;
                    double seconds = (time.GetUtcNow() - start).TotalSeconds;
                    // A request larger than the bucket may run ahead by itself, never by more.
                    if (granted > rate * seconds + Math.Max(0, permits - rate) + 1e-6) return false;
                }
                // ...and it keeps up: at most one step of slack per request, besides the debt of the last one.
                double elapsed = (time.GetUtcNow() - start).TotalSeconds;
                return granted >= rate * (elapsed - requests.Count * 0.007) - 1e-6;
            }).QuickCheckThrowOnFailure();
    }
}
