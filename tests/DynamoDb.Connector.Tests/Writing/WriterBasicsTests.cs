using DynamoDb.Connector.Tests.Infrastructure;
using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Tests.Writing;

public sealed class WriterBasicsTests
{
    [Fact]
    public async Task WriteAsync_PutsEveryItemExactlyOnce_InBatchesOfAtMost25()
    {
        using var h = new WriterHarness();
        var table = h.Table();
        var items = Enumerable.Range(0, 1000).Select(i => Items.Sized($"k{i:D4}", 100 + i * 3)).ToList();
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await h.WriteAllAsync(writer, items);

        Assert.Equal(1000, summary.ItemsWritten);
        Assert.Equal(1000, table.Items.Count);
        foreach (var item in items) Assert.Equal(item["data"].S, table.Items[item["pk"].S]["data"].S);
        Assert.All(h.Dynamo.Requests, r => Assert.InRange(r.Count, 1, 25));
        Assert.Equal(1000, h.Dynamo.Requests.Sum(r => r.Applied.Count));
        Assert.Equal(h.Dynamo.Requests.Sum(r => r.TableUnits), summary.ConsumedWriteUnits);
        Assert.Equal(0, summary.ItemsDeadLettered);
        Assert.Equal(0, summary.Retries);
    }
}
