using DynamoDb.Connector.Tests.Infrastructure;
using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Tests.Writing;

/// <summary>A host's client that keeps the SDK's default retries hides throttles inside one call: the writer sees them anyway.</summary>
public sealed class SdkRetryTests
{
    [Fact]
    public async Task ClientWithDefaultRetries_ThrottlesItRetriedOnItsOwn_AreCountedAndSlowThePacing()
    {
        using var h = new WriterHarness(sdkRetries: true);
        Assert.True(h.Client.Config.MaxErrorRetry > 0);
        h.Table();
        h.Dynamo.Enqueue(Fault.Throttle(), Fault.Throttle());
        await using var writer = await h.Factory.CreateAsync("items");
        var budget = h.Factory.Budgets.Find(h.Client, "items")!;

        var summary = await h.WriteAllAsync(writer, Enumerable.Range(0, 5).Select(i => Items.Of($"k{i}")));

        Assert.Equal(3, h.Dynamo.Requests.Count); // two throttled, retried by the SDK within one call, then applied
        Assert.Equal(5, summary.ItemsWritten);
        Assert.Equal(2, summary.ThrottledRequests);
        Assert.Equal(3, summary.Requests);
        Assert.Equal(2, summary.Retries);
        Assert.True(budget.PacingRate < budget.Current.WriteUnitsPerSecond, $"pacing {budget.PacingRate} of {budget.Current.WriteUnitsPerSecond}: the throttles were not heard");
    }

    [Fact]
    public async Task ConditionalPut_WhoseSdkRetryFindsItsOwnEarlierAttempt_CountsAsWritten()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { Mode = WriteMode.PutIfAbsent }, sdkRetries: true);
        h.Table();
        h.Dynamo.Enqueue(Fault.LostResponse()); // applied, but the answer is lost: the SDK retries, and the condition fails
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await h.WriteAllAsync(writer, [Items.Of("k0", ("v", "1"))]);

        Assert.Equal(1, summary.ItemsWritten);
        Assert.Equal(0, summary.ItemsSkippedByCondition);
    }
}
