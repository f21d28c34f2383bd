using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.Telemetry;
using DynamoDb.Connector.Writing;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace DynamoDb.Connector.Tests.Import;

/// <summary>
/// One budget across invocations: the splits of one plan run by separate processes at once (a Distributed Map), each
/// invocation time-boxed and its own process (its own writers, limiter and budget), each taking
/// <see cref="WriteThroughputOptions.ProcessShare"/> of the table's budget. On the fake clock, against a table that takes
/// only the budget: together they write at 0.9-1.0 of it, also when twice as many run as the share planned for (the
/// limiters' AIMD backs off on the throttles), and the table ends equal to the source.
/// </summary>
public sealed class FanOutBudgetTests(ITestOutputHelper output)
{
    private const double Budget = 100; // WCU/s: 200 provisioned x 50 %; the table takes just that
    private const int Planned = 4; // the share each invocation takes: 1/4
    private const int ItemsPerSplit = 1_500; // 1 WCU each

    [Theory]
    [InlineData(Planned)]
    [InlineData(2 * Planned)]
    public async Task ConcurrentTimeBoxedRuns_OfOnePlan_EachTakingItsShare_TogetherWriteAtTheBudget_AndLoseNothing(int processes)
    {
        using var h = new ImportHarness();
        h.Table.WriteCapacityUnits = 200;
        h.Table.AdmitWriteUnitsPerSecond = Budget;
        h.WriteFile("a.json", ImportHarness.LinesOf(0, processes * ItemsPerSplit, size: 900));
        long size = new FileInfo(Path.Combine(h.Input, "a.json")).Length;
        var plan = await new ImportInputFormat([h.Store]).PlanAsync(new ImportSourceOptions { Source = h.Input, Format = ItemFileFormat.DynamoDbJson, TargetSplitBytes = size / processes + 1 });
        Assert.Equal(processes, plan.Splits.Count);
        var trackers = new List<WorkTracker>();
        var finished = new DateTimeOffset[processes];
        var longest = TimeSpan.Zero;

        // Each process runs its split's continuations one after another, each invocation a process of its own.
        async Task RunProcessAsync(int index)
        {
            SplitDocument? next = SplitDocument.Parse(plan.SplitToJson(index));
            for (int invocation = 0; next is not null; invocation++)
            {
                Assert.True(invocation < 100, "the continuations do not end");
                using var factory = new DynamoDbWriterFactory(h.Writers.Client, new DynamoDbWriterOptions(), h.Writers.Time, NullLoggerFactory.Instance, h.Writers.Metrics, [h.Store], new Random(index * 1000 + invocation).NextDouble);
                var job = new ImportJob(new ImportInputFormat([h.Store]), factory, h.Writers.Time, NullLoggerFactory.Instance, h.Writers.Metrics, factory.Tracker);
                var options = new ImportJobOptions
                {
                    TableName = "items",
                    TimeBudget = TimeSpan.FromSeconds(30),
                    CheckpointUri = h.CheckpointUri,
                    Writer = { Throughput = { WritePercent = 0.5, ProcessShare = 1.0 / Planned } },
                };
                factory.Tracker.Enter();
                lock (trackers) trackers.Add(factory.Tracker);
                Task<ImportResult> run;
                try
                {
                    run = job.RunSplitAsync(next, options);
                }
                finally
                {
                    factory.Tracker.Exit();
                }
                var startedAt = h.Writers.Time.GetUtcNow();
                var result = await run;
                var took = h.Writers.Time.GetUtcNow() - startedAt;
                lock (trackers) longest = took > longest ? took : longest;
                // Twice as many as planned, the throttles slow the drain after the stop below what the margin foresaw.
                if (processes == Planned) Assert.True(took <= options.TimeBudget, $"an invocation took {took}");
                lock (trackers) trackers.Remove(factory.Tracker);
                next = result.Done ? null : SplitDocument.Parse(result.Continuation!.ToJson());
            }
            finished[index] = h.Writers.Time.GetUtcNow();
        }

        var all = Task.WhenAll(Enumerable.Range(0, processes).Select(i => Task.Run(() => RunProcessAsync(i))));
        while (!all.IsCompleted)
        {
            List<WorkTracker> busy;
            lock (trackers) busy = [.. trackers];
            if (busy.Count == 0)
            {
                // Between invocations (or before the first): the clock waits for the next to start.
                await Task.WhenAny(all, Task.Delay(1));
                continue;
            }
            var done = await Task.WhenAny(Task.WhenAll(busy.Select(t => t.WhenIdleAsync())), all).WaitAsync(TimeSpan.FromSeconds(60));
            if (done == all) break;
            h.Writers.Time.Advance(TimeSpan.FromMilliseconds(10));
        }
        await all;

        // While every process writes: past the first invocations' start, until the first process is done.
        double from = 20, to = (finished.Min() - h.Writers.Start).TotalSeconds - 5;
        double admitted = h.Dynamo.Requests.Where(r => r.Operation == "BatchWriteItem" && (r.At - h.Writers.Start).TotalSeconds is var t && t >= from && t < to).Sum(r => r.TableUnits);
        double rate = admitted / (to - from);
        double throttled = h.Dynamo.Requests.Count(r => r.Fault is not null || r.Unprocessed > 0) / (double)h.Dynamo.Requests.Sum(r => r.Applied.Count);
        output.WriteLine($"{processes} processes: {rate:F1} WCU/s admitted from {from} s to {to:F0} s ({rate / Budget:P0} of the budget); {throttled:F3} throttled requests per admitted item; the longest invocation took {longest.TotalSeconds:F1} s");
        Assert.True(to - from >= 30, $"the window is {to - from:F0} s");
        // At most one batch (25 WCU) more: a batch sent at the window's edge counts whole.
        Assert.InRange(admitted, 0.9 * Budget * (to - from), Budget * (to - from) + 25);
        Assert.Equal(Enumerable.Range(1, processes * ItemsPerSplit).Select(l => ImportHarness.Key(0, l)), h.Table.Items.Keys.Order(StringComparer.Ordinal));
    }
}
