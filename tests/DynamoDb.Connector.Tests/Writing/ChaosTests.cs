using System.Net;
using DynamoDb.Connector.Tests.Infrastructure;
using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Tests.Writing;

public sealed class ChaosTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Writer_UnderEveryKindOfFaultAtOnce_LosesNothingAndDuplicatesNothing(int seed)
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { Retry = { MaxAttempts = null } }, random: new Random(seed).NextDouble);
        var table = h.Table();
        table.WriteCapacityUnits = 2000;
        var chaos = new Random(seed);
        h.Dynamo.FaultFor = _ => chaos.Next(10) switch
        {
            0 => Fault.Unprocessed(chaos.Next(25)),
            1 => Fault.Throttle(),
            2 => Fault.RequestLimit(),
            3 => Fault.Server(chaos.Next(2) == 0 ? HttpStatusCode.InternalServerError : HttpStatusCode.ServiceUnavailable),
            4 => Fault.Drop(),
            5 => Fault.Throttling("TableWriteKeyRangeThroughputExceeded"),
            _ => null,
        };
        var poison = new HashSet<string> { "k0042", "k0777", "k1500" };
        h.Dynamo.RejectItem = item => poison.Contains(item["pk"].S) ? "One or more parameter values were invalid: poisoned" : null;
        var items = Enumerable.Range(0, 2000).Select(i => Items.Sized($"k{i:D4}", 300 + i % 2000)).ToList();
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await h.WriteAllAsync(writer, items);

        Assert.Equal(1997, summary.ItemsWritten);
        Assert.Equal(3, summary.ItemsDeadLettered);
        Assert.Equal(poison.Order(), summary.DeadLetters.Select(l => l.Item["pk"].S).Order());
        Assert.Equal(1997, table.Items.Count);
        foreach (var item in items.Where(i => !poison.Contains(i["pk"].S)))
        {
            Assert.Equal(item["data"].S, table.Items[item["pk"].S]["data"].S);
        }
        // An item is applied once, except when a request failed in a way that leaves it unknown (a server error or a
        // dropped connection after the fake applied nothing): the fake never applies a failed request, so exactly once.
        Assert.All(table.History.GroupBy(e => e.Key), g => Assert.Single(g));
        Assert.True(summary.Retries > 0, "retries");
        Assert.True(summary.ThrottledRequests > 0, "throttles");
        Assert.True(summary.HotKeyRangeThrottles > 0, "hot key ranges");
    }
}
