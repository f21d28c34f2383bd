using System.Diagnostics;
using System.Diagnostics.Metrics;
using DynamoDb.Connector.Telemetry;
using DynamoDb.Connector.Tests.Infrastructure;
using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Tests.Telemetry;

/// <summary>The writer's spans and the budget gauge, against the fault-injecting double.</summary>
public sealed class ConnectorActivitiesTests
{
    [Fact]
    public async Task Writer_StartsABatchWriteSpanPerBatch_TaggedWithTheTableAndCounts_AndNoItemData()
    {
        // The source is static and tests run in parallel: a table name no other test uses picks this test's spans.
        string name = $"spans-{Guid.NewGuid():N}";
        using var collector = new SpanCollector(a => a.GetTagItem("table") as string == name);
        using var h = new WriterHarness(new DynamoDbWriterOptions { MaxBatchesInFlight = 1 });
        h.Table(name).WriteCapacityUnits = 100;
        h.Dynamo.Enqueue(Fault.Unprocessed(3));
        await using var writer = await h.Factory.CreateAsync(name);

        var summary = await h.WriteAllAsync(writer, Enumerable.Range(0, 30).Select(i => Items.Of($"secret-key-{i:D2}", ("data", "secret-value"))));

        var batches = collector.Spans.Where(s => s.OperationName == ConnectorActivities.BatchWriteSpan).ToList();
        Assert.Equal(2, batches.Count); // 25 items, then 5: the unprocessed ones are resent inside the first batch's span
        Assert.All(batches, b =>
        {
            Assert.Equal(ActivityKind.Client, b.Kind);
            Assert.Equal("BatchWriteItem", b.GetTagItem("db.operation.name"));
            Assert.Equal("aws.dynamodb", b.GetTagItem("db.system.name"));
            Assert.Equal(0, b.GetTagItem("unprocessed")); // the last answer left nothing
        });
        Assert.Equal([25, 5], batches.Select(b => (int)b.GetTagItem("items")!).Order().Reverse());
        Assert.Equal(summary.ConsumedWriteUnits, batches.Sum(b => (double)b.GetTagItem("capacity_units")!));
        Assert.All(batches.SelectMany(b => b.TagObjects), tag => Assert.DoesNotContain("secret", tag.Value?.ToString() ?? "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task BudgetGauge_ReportsEachTablesBudgetOnce_WhileWritersUseIt_AndNothingAfter()
    {
        using var h = new WriterHarness();
        h.Table("a").WriteCapacityUnits = 400;
        var seen = new List<(double Value, string? Table)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == h.Metrics.Meter && instrument.Name == InstrumentNames.WriteAllotted) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            string? table = null;
            foreach (var tag in tags) if (tag.Key == "table") table = tag.Value as string;
            seen.Add((value, table));
        });
        listener.Start();
        List<(double, string?)> Observe()
        {
            seen.Clear();
            listener.RecordObservableInstruments();
            return [.. seen];
        }

        var first = await h.Factory.CreateAsync("a");
        var second = await h.Factory.CreateAsync("a");
        Assert.Equal([(first.Budget.WriteUnitsPerSecond, "a")], Observe()); // one budget, however many writers share it
        Assert.Equal(200, first.Budget.WriteUnitsPerSecond); // half of 400 WCU by default
        await first.DisposeAsync();
        Assert.Single(Observe());
        await second.DisposeAsync();
        Assert.Empty(Observe());
    }
}
