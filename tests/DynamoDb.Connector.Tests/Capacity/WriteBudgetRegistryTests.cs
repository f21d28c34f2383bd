using DynamoDb.Connector.Tests.Infrastructure;
using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Tests.Capacity;

public sealed class WriteBudgetRegistryTests
{
    [Fact]
    public async Task NextWriterWithinTheGracePeriod_TakesOverTheBudget_WithoutDescribingTheTableAgain()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { Throughput = { RefreshInterval = TimeSpan.FromSeconds(30) } });
        h.Table();
        var first = await h.Factory.CreateAsync("items");
        var budget = h.Factory.Budgets.Find(h.Client, "items");
        await h.RunAsync(() => first.CompleteAsync());
        await first.DisposeAsync();
        h.Time.Advance(TimeSpan.FromSeconds(20));

        await using var second = await h.Factory.CreateAsync("items");

        Assert.Same(budget, h.Factory.Budgets.Find(h.Client, "items"));
        Assert.Equal(1, h.Dynamo.Describes);
    }

    [Fact]
    public async Task ABudgetNobodyTakesOver_IsDisposedAfterTheGracePeriod()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { Throughput = { RefreshInterval = TimeSpan.FromSeconds(30) } });
        h.Table();
        var first = await h.Factory.CreateAsync("items");
        await h.RunAsync(() => first.CompleteAsync());
        await first.DisposeAsync();
        Assert.NotNull(h.Factory.Budgets.Find(h.Client, "items"));

        h.Time.Advance(TimeSpan.FromSeconds(31));

        Assert.Null(h.Factory.Budgets.Find(h.Client, "items"));
        int described = h.Dynamo.Describes;
        await using var next = await h.Factory.CreateAsync("items");
        Assert.Equal(described + 1, h.Dynamo.Describes);
    }
}
