using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Retry;
using DynamoDb.Connector.Writing;
using Microsoft.Extensions.Time.Testing;

namespace DynamoDb.Connector.Tests.Retry;

public sealed class RetryPolicyTests
{
    [Fact]
    public async Task ExecuteAsync_RetriesThrottlesAndTransientErrors_AndTellsTheCallerEachTime()
    {
        var policy = new RetryPolicy(new RetryOptions { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(1) }, TimeProvider.System, () => 0);
        var seen = new List<RequestErrorKind>();
        int calls = 0;

        int result = await policy.ExecuteAsync(_ => ++calls switch
        {
            1 => throw new ProvisionedThroughputExceededException("slow down"),
            2 => throw new HttpRequestException("connection reset"),
            _ => Task.FromResult(42),
        }, (error, failures) => { seen.Add(error.Kind); return ValueTask.CompletedTask; }, CancellationToken.None);

        Assert.Equal(42, result);
        Assert.Equal([RequestErrorKind.Throttled, RequestErrorKind.Transient], seen);
    }

    [Fact]
    public async Task ExecuteAsync_AnErrorRetryingCannotFix_IsRethrownAsItWas()
    {
        var policy = new RetryPolicy(new RetryOptions(), TimeProvider.System, () => 0);
        int calls = 0;

        await Assert.ThrowsAsync<ResourceNotFoundException>(() => policy.ExecuteAsync<int>(_ => { calls++; throw new ResourceNotFoundException("no table"); }, null, CancellationToken.None));

        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task ExecuteAsync_PastMaxAttempts_StopsWithTheLastError()
    {
        var policy = new RetryPolicy(new RetryOptions { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(1) }, TimeProvider.System, () => 0);
        int calls = 0;

        var error = await Assert.ThrowsAsync<RetriesExhaustedException>(() => policy.ExecuteAsync<int>(_ => { calls++; throw new ThrottlingException("busy"); }, null, CancellationToken.None));

        Assert.Equal(3, calls);
        Assert.Equal(RequestErrorKind.Throttled, error.LastError.Kind);
        Assert.Contains("3 attempts", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 1.0, 50)]
    [InlineData(3, 1.0, 200)]
    [InlineData(3, 0.5, 100)]
    [InlineData(30, 1.0, 20_000)]
    public void DelayBefore_IsFullJitterUnderADoublingCeiling(int failures, double random, double expectedMilliseconds)
    {
        Assert.Equal(expectedMilliseconds, RetryPolicy.DelayBefore(new RetryOptions(), failures, random).TotalMilliseconds, 3);
    }

    [Fact]
    public void IsExhausted_CountsTheTimeFromTheFirstAttempt()
    {
        var time = new FakeTimeProvider();
        var policy = new RetryPolicy(new RetryOptions { MaxAttempts = null, MaxRetryTime = TimeSpan.FromMinutes(1) }, time, () => 0);
        long first = time.GetTimestamp();
        Assert.False(policy.IsExhausted(5, first, out _));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(policy.IsExhausted(5, first, out string limits));
        Assert.Contains("no attempt limit", limits, StringComparison.Ordinal);
    }
}
