using Xunit.Abstractions;
using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Tests.Infrastructure;
using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Tests.Writing;

public sealed class PacingTests(ITestOutputHelper output)
{
    private static IEnumerable<Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>> MixedItems(int count) =>
        Enumerable.Range(0, count).Select(i => Items.Sized($"k{i:D6}", 200 + i * 997 % 2900));

    /// <summary>WCU the fake charged in [from, to) seconds after the start.</summary>
    private static double UnitsBetween(WriterHarness h, double from, double to) => h.Dynamo.Requests
        .Where(r => (r.At - h.Start).TotalSeconds >= from && (r.At - h.Start).TotalSeconds < to)
        .Sum(r => r.TableUnits);

    [Fact]
    public async Task Writer_OverASimulatedMinute_SendsBetween97And100PercentOfTheBudget()
    {
        using var h = new WriterHarness();
        h.Table().WriteCapacityUnits = 800; // x 0.5 = a budget of 400 WCU/s
        const double budget = 400;
        await using var writer = await h.Factory.CreateAsync("items");
        Assert.Equal(budget, writer.Budget.WriteUnitsPerSecond);

        // About 70 s of work at the budget, so the first minute is full.
        var summary = await h.WriteAllAsync(writer, MixedItems(15_000));

        double perSecond = UnitsBetween(h, 0, 60) / 60;
        output.WriteLine($"{perSecond:F2} WCU/s over the first minute; {h.Dynamo.Requests.Count} requests");
        Assert.InRange(perSecond, 0.97 * budget, 1.0 * budget);
        // The bucket starts empty and holds one second: no stretch ever sends more than the budget plus one bucket.
        foreach (var request in h.Dynamo.Requests)
        {
            double t = (request.At - h.Start).TotalSeconds;
            Assert.True(UnitsBetween(h, 0, t + 1e-9) <= budget * t + 1e-6, $"ahead of the budget at {t:F3} s");
            Assert.True(UnitsBetween(h, t, t + 1) <= 2 * budget, $"burst above one bucket at {t:F3} s");
        }
        Assert.Equal(15_000, summary.ItemsWritten);
    }

    [Fact]
    public async Task Writer_UnderATableThatTakesLessThanTheBudget_SettlesJustUnderWhatItTakes()
    {
        using var h = new WriterHarness();
        var table = h.Table();
        table.WriteCapacityUnits = 800; // a budget of 400 WCU/s...
        table.AdmitWriteUnitsPerSecond = 200; // ...but the table takes 200 (say, another job writes to it too)
        await using var writer = await h.Factory.CreateAsync("items");

        var items = Enumerable.Range(0, 36_000).Select(i => Items.Sized($"k{i:D6}", 900)).ToList();
        var summary = await h.WriteAllAsync(writer, items);

        // Nothing lost or duplicated, however often it was throttled.
        Assert.Equal(36_000, summary.ItemsWritten);
        Assert.Equal(36_000, table.Items.Count);
        Assert.Equal(36_000, h.Dynamo.Requests.Sum(r => r.Applied.Count));
        Assert.True(summary.ThrottledRequests > 0);
        // After a minute to find the level, it writes at 80-100 % of what the table takes, and few requests are throttled.
        double settled = UnitsBetween(h, 60, 150) / 90;
        var late = h.Dynamo.Requests.Where(r => (r.At - h.Start).TotalSeconds is >= 60 and < 150).ToList();
        double throttledShare = late.Count(r => r.Fault is not null || r.Unprocessed > 0) / (double)late.Count;
        output.WriteLine($"{settled:F1} WCU/s settled; {throttledShare:P1} of requests throttled; {summary.Retries} retries");
        // (The table's own one-second burst lets a window take a little more than its rate.)
        Assert.InRange(settled, 0.8 * 200, 200 * (1 + 1.0 / 90));
        Assert.True(throttledShare < 0.1, $"{throttledShare:P1} of requests throttled");
    }

    [Fact]
    public async Task Writer_WhenDescribeTableReportsMoreCapacity_FollowsItWithinOneRefreshInterval()
    {
        using var h = new WriterHarness();
        var table = h.Table();
        table.WriteCapacityUnits = 400; // a budget of 200 WCU/s
        await using var writer = await h.Factory.CreateAsync("items", new DynamoDbWriterOptions { Throughput = { RefreshInterval = TimeSpan.FromSeconds(30) } });
        // Autoscaling raises the table to 1,600 WCU 20 s in: a budget of 800.
        using var raise = h.Time.CreateTimer(_ => table.WriteCapacityUnits = 1600, null, TimeSpan.FromSeconds(20), Timeout.InfiniteTimeSpan);

        var summary = await h.WriteAllAsync(writer, Enumerable.Range(0, 40_000).Select(i => Items.Sized($"k{i:D6}", 1000)));

        double before = UnitsBetween(h, 5, 20) / 15, after = UnitsBetween(h, 50, 60) / 10;
        output.WriteLine($"{before:F1} WCU/s before, {after:F1} after");
        Assert.InRange(before, 0.97 * 200, 200);
        Assert.InRange(after, 0.97 * 800, 800 * 1.1); // the first second at the new rate may spend a full bucket
        Assert.Contains(h.Logs.Entries, e => e.Id.Id == 201 && e.Message.Contains("from 200 to 800", StringComparison.Ordinal));
        Assert.Equal(40_000, summary.ItemsWritten);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Writer_WithAnIndexOfLessCapacityThanTheTable_IsHeldToTheIndexBudget(bool keysOnly)
    {
        using var h = new WriterHarness();
        var table = h.Table();
        table.WriteCapacityUnits = 1000; // a table budget of 500 WCU/s
        table.Indexes.Add(new FakeIndex("byCity", "city") { WriteCapacityUnits = 100, KeysOnly = keysOnly }); // an index budget of 50
        await using var writer = await h.Factory.CreateAsync("items");
        var items = Enumerable.Range(0, 6_000).Select(i =>
        {
            var item = Items.Sized($"k{i:D6}", 2000); // 2 WCU on the table; 2 (ALL) or 1 (KEYS_ONLY) on the index
            item["city"] = new() { S = "c" + (i % 50) };
            return item;
        });

        var summary = await h.WriteAllAsync(writer, items);

        double index = h.Dynamo.Requests.Where(r => (r.At - h.Start).TotalSeconds is >= 20 and < 80).Sum(r => r.IndexUnits.GetValueOrDefault("byCity")) / 60;
        double tableRate = UnitsBetween(h, 20, 80) / 60;
        output.WriteLine($"index {index:F1} WCU/s, table {tableRate:F1} WCU/s");
        Assert.InRange(index, 0.95 * 50, 50 * 1.02);
        // The table is held back to what the index takes: 2 table units per index unit (ALL) or 4 (KEYS_ONLY, 2 KB items).
        Assert.InRange(tableRate, index * (keysOnly ? 1.9 : 0.95), index * (keysOnly ? 2.1 : 1.05));
        Assert.Equal(6_000, summary.ItemsWritten);
        Assert.True(summary.IndexConsumedWriteUnits["byCity"] > 0);
    }

    [Fact]
    public async Task Writers_OfOneTable_ShareItsBudget()
    {
        using var h = new WriterHarness();
        h.Table().WriteCapacityUnits = 600; // a budget of 300 WCU/s for the table, not per writer
        await using var first = await h.Factory.CreateAsync("items");
        await using var second = await h.Factory.CreateAsync("items");
        await using var third = await h.Factory.CreateAsync("items");
        Assert.Equal(1, h.Dynamo.Describes);

        var summaries = await h.RunAsync(() => Task.WhenAll(
            Run(first, "a", 8000), Run(second, "b", 8000), Run(third, "c", 8000)));

        double total = UnitsBetween(h, 0, 60) / 60;
        var shares = new[] { "a", "b", "c" }.Select(p => h.Dynamo.Requests
            .Where(r => (r.At - h.Start).TotalSeconds < 60 && r.Keys[0].StartsWith(p, StringComparison.Ordinal)).Sum(r => r.TableUnits) / 60).ToList();
        output.WriteLine($"{total:F1} WCU/s in all: {string.Join(", ", shares.Select(s => s.ToString("F1")))}");
        Assert.InRange(total, 0.97 * 300, 300);
        Assert.All(shares, share => Assert.InRange(share, 0.8 * 100, 1.2 * 100));
        Assert.All(summaries, s => Assert.Equal(8000, s.ItemsWritten));

        static async Task<WriteSummary> Run(IDynamoDbWriter writer, string prefix, int count)
        {
            for (int i = 0; i < count; i++) await writer.WriteAsync(Items.Sized($"{prefix}{i:D6}", 1000));
            return await writer.CompleteAsync();
        }
    }
}
