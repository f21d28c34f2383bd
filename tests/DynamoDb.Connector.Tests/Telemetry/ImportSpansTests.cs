using System.Diagnostics;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.Telemetry;
using DynamoDb.Connector.Tests.Import;
using DynamoDb.Connector.Tests.Infrastructure;
using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Tests.Telemetry;

/// <summary>An import's spans: the job, its splits under it, their batches under them; a failed job says so.</summary>
public sealed class ImportSpansTests
{
    [Fact]
    public async Task Import_SpansTheJob_ItsSplitsUnderIt_AndTheirBatchesUnderThem_WithTheCounts()
    {
        using var h = new ImportHarness();
        h.WriteFile("a.json", ImportHarness.LinesOf(0, 30, size: 3000));
        h.WriteFile("b.json", ImportHarness.LinesOf(1, 20, size: 3000));
        using var collector = new SpanCollector();

        var result = await h.RunAsync(h.Options(h.Input, o => o.Source.TargetSplitBytes = 64 * 1024));
        var spans = collector.Spans;

        var job = Assert.Single(spans, s => s.OperationName == ConnectorActivities.ImportSpan && s.GetTagItem("source") as string == result.Plan.Source);
        Assert.Equal("items", job.GetTagItem("table"));
        Assert.Equal(50L, job.GetTagItem("items.read"));
        Assert.Equal(50L, job.GetTagItem("items.written"));
        var splits = spans.Where(s => s.OperationName == ConnectorActivities.ImportSplitSpan && s.ParentSpanId == job.SpanId).ToList();
        Assert.Equal(result.Plan.Splits.Count, splits.Count);
        Assert.True(splits.Count >= 2, "small splits: several");
        Assert.Equal(50L, splits.Sum(s => (long)s.GetTagItem("items.read")!));
        Assert.Equal([.. Enumerable.Range(0, splits.Count)], splits.Select(s => (int)s.GetTagItem("split")!).Order());
        var batches = spans.Where(s => s.OperationName == ConnectorActivities.BatchWriteSpan && splits.Any(p => p.SpanId == s.ParentSpanId)).ToList();
        Assert.Equal(50, batches.Sum(b => (int)b.GetTagItem("items")!));
        Assert.Equal(ActivityStatusCode.Unset, job.Status);
    }

    [Fact]
    public async Task Import_ThatFails_EndsItsSpanWithTheErrorStatusAndType_NotTheMessage()
    {
        using var h = new ImportHarness();
        h.WriteFile("a.json", ImportHarness.LinesOf(0, 10));
        h.Dynamo.FaultFor = _ => Fault.AccessDenied();
        using var collector = new SpanCollector();

        await Assert.ThrowsAsync<TableWriteException>(() => h.RunAsync(h.Options(h.Input)));
        var spans = collector.Spans;

        var job = Assert.Single(spans, s => s.OperationName == ConnectorActivities.ImportSpan && (s.GetTagItem("source") as string)?.StartsWith(h.Input.TrimEnd('/'), StringComparison.Ordinal) == true);
        Assert.Equal(ActivityStatusCode.Error, job.Status);
        Assert.Equal(typeof(TableWriteException).FullName, job.GetTagItem("error.type"));
    }
}
