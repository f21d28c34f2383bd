using System.Text.Json;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Reading;
using DynamoDb.Connector.Tests.Export;
using DynamoDb.Connector.Tests.Infrastructure;

namespace DynamoDb.Connector.Tests.Reading;

public sealed class TableInputTests
{
    [Fact]
    public async Task OpenReader_APlanOfAnotherTableOrConsistency_OrAPositionOfAnotherSplit_IsRefused()
    {
        using var h = new ExportHarness();
        h.Table(10);
        h.Dynamo.AddTable("other", KeySchema.Parse("pk:S"));
        using var tables = new TableInputFormat(h.Client, h.Time);
        using var input = await tables.OpenAsync(new TableInputOptions { TableName = "t", TotalSegments = 2 });
        var otherTable = await tables.PlanAsync(new TableInputOptions { TableName = "other", TotalSegments = 2 });
        var consistent = await tables.PlanAsync(new TableInputOptions { TableName = "t", TotalSegments = 2, ConsistentRead = true });
        var plan = input.Plan();

        Assert.Contains("table other", Assert.Throws<ArgumentException>(() => input.OpenReader(otherTable, 0)).Message);
        Assert.Contains("consistent", Assert.Throws<ArgumentException>(() => input.OpenReader(consistent, 0)).Message);
        Assert.Contains("split 1", Assert.Throws<ArgumentException>(() => input.OpenReader(plan, 0, TableSplitPosition.Start(1))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => input.OpenReader(plan, 2));
    }

    [Fact]
    public async Task Plan_WithTheSegmentsOfAResumedScan_KeepsThem_AndAQueryHasNone()
    {
        using var h = new ExportHarness();
        h.Table(10);
        using var tables = new TableInputFormat(h.Client, h.Time);
        using var scan = await tables.OpenAsync(new TableInputOptions { TableName = "t" });
        using var query = await tables.OpenAsync(new TableInputOptions
        {
            TableName = "t",
            KeyConditionExpression = "pk IN (:a, :b)",
            ExpressionAttributeValues = new() { [":a"] = new() { S = "k000001" }, [":b"] = new() { S = "k000002" } },
        });

        Assert.Equal(7, scan.Plan(totalSegments: 7).TotalSegments);
        Assert.Equal(2, query.Plan(totalSegments: 7).SplitCount);
        Assert.True(query.Plan(totalSegments: 7).IsQuery);
    }

    [Fact]
    public async Task Options_Invalid_AreRefusedWithEveryProblem()
    {
        using var h = new ExportHarness();
        using var tables = new TableInputFormat(h.Client, h.Time);

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => tables.OpenAsync(new TableInputOptions { TotalSegments = 0, FilterExpression = "a = :v" }));

        Assert.Contains("TableName is required", error.Message);
        Assert.Contains("TotalSegments is 0", error.Message);
        Assert.Contains(":v", error.Message);
        Assert.Empty(h.Dynamo.Requests);
    }

    [Fact]
    public void Position_SerializesWithTheNamesExportCheckpointsHaveAlwaysUsed()
    {
        var position = TableSplitPosition.Start(3).Next(new() { ["pk"] = new() { S = "a" } }, scanned: 5, returned: 4);

        string json = JsonSerializer.Serialize(position);

        Assert.Equal("""{"id":3,"pages":1,"itemsScanned":5,"itemsExported":4,"lastEvaluatedKey":{"pk":{"S":"a"}},"done":false}""", json);
        var back = JsonSerializer.Deserialize<TableSplitPosition>(json)!;
        Assert.Equal(3, back.Split);
        Assert.Equal(4, back.ItemsReturned);
        Assert.Equal("a", back.LastEvaluatedKey!["pk"].S);
    }

    [Fact]
    public async Task Readers_OfSeveralSplitsAtOnce_ShareOneBudget_AndNeverReadAheadOfIt()
    {
        using var h = new ExportHarness();
        h.Table(6_000, size: 4000).ReadCapacityUnits = 200; // x 0.5 = a budget of 100 RCU/s; about 30 s of reading
        const double budget = 100;
        using var tables = new TableInputFormat(h.Client, h.Time, h.LoggerFactory, h.Metrics, new Random(7).NextDouble, h.Job.Tracker);

        h.Job.Tracker.Enter(); // the clock stands still until the readers count themselves
        long items = await h.RunAsync(async () =>
        {
            using var input = await tables.OpenAsync(new TableInputOptions { TableName = "t", TotalSegments = 4 });
            var plan = input.Plan();
            long read = 0;
            var readers = plan.Splits.Select(split =>
            {
                h.Job.Tracker.Enter(); // each reader counts as busy from its start, so the clock waits for it
                return Task.Run(async () =>
                {
                    try
                    {
                        await foreach (var page in input.OpenReader(plan, split.Id).ReadPagesAsync()) Interlocked.Add(ref read, page.Items.Count);
                    }
                    finally
                    {
                        h.Job.Tracker.Exit();
                    }
                });
            }).ToList();
            h.Job.Tracker.Exit();
            await Task.WhenAll(readers);
            Assert.Equal(h.Dynamo.Requests.Where(r => r.Operation == "Scan").Sum(r => r.TableUnits), input.Counters.ConsumedCapacityUnits, 6);
            return read;
        });

        Assert.Equal(6_000, items);
        double perSecond = h.UnitsBetween(0, 25) / 25;
        Assert.InRange(perSecond, 0.9 * budget, 1.0 * budget);
        foreach (var request in h.Dynamo.Requests)
        {
            double t = (request.At - h.Start).TotalSeconds;
            Assert.True(h.UnitsBetween(0, t + 1e-9) <= budget * t + budget, $"ahead of the budget at {t:F3} s");
        }
    }
}
