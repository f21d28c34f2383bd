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
        // Counts the processes between invocations (and before their first): the clock never moves then.
        var between = new WorkTracker();
        var finished = new DateTimeOffset[processes];
        var longest = TimeSpan.Zero;
        // What the table's bucket holds when the measured window opens: it may admit that much above its rate in the window.
        const double From = 20;
        double tokensAtFrom = 0;
        using var window = h.Writers.Time.CreateTimer(_ => tokensAtFrom = h.Table.WriteTokensNow() ?? 0, null, TimeSpan.FromSeconds(From), Timeout.InfiniteTimeSpan);

        // Each process runs its split's continuations one after another, each invocation a process of its own.
        async Task RunProcessAsync(int index)
        {
            try
            {
                SplitDocument? next = SplitDocument.Parse(plan.SplitToJson(index));
                for (int invocation = 0; next is not null; invocation++)
                {
                    Assert.True(invocation < 100, "the continuations do not end");
                    using var factory = new DynamoDbWriterFactory(h.Writers.Client, new DynamoDbWriterOptions(), h.Writers.Time, NullLoggerFactory.Instance, h.Writers.Metrics, [h.Store], new Random(index * 1000 + invocation).NextDouble);
                    // The run ends still counted, so that the clock waits until this process counts itself between invocations again.
                    var job = new ImportJob(new ImportInputFormat([h.Store]), factory, h.Writers.Time, NullLoggerFactory.Instance, h.Writers.Metrics, factory.Tracker) { HandsCallerBack = true };
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
                        between.Exit(); // the invocation counts itself now
                    }
                    var startedAt = h.Writers.Time.GetUtcNow();
                    ImportResult result;
                    try
                    {
                        result = await run;
                    }
                    finally
                    {
                        between.Enter();
                        lock (trackers) trackers.Remove(factory.Tracker);
                        factory.Tracker.Exit(); // the count the run handed back
                    }
                    var took = h.Writers.Time.GetUtcNow() - startedAt;
                    lock (trackers) longest = took > longest ? took : longest;
                    // Every invocation returns within its budget, however many share the table: the hard deadline gives up what would not fit.
                    Assert.True(took <= options.TimeBudget, $"an invocation took {took}");
                    next = result.Done ? null : SplitDocument.Parse(result.Continuation!.ToJson());
                }
                finished[index] = h.Writers.Time.GetUtcNow();
            }
            finally
            {
                between.Exit();
            }
        }

        for (int i = 0; i < processes; i++) between.Enter();
        var all = Task.WhenAll(Enumerable.Range(0, processes).Select(i => Task.Run(() => RunProcessAsync(i))));
        // One scheduler: the clock moves only when every process is inside an invocation and every flow of each waits.
        while (!all.IsCompleted)
        {
            var idle = await Task.WhenAny(Everyone(), all).WaitAsync(TimeSpan.FromSeconds(60));
            if (idle == all) break;
            if (between.Busy > 0) continue;
            lock (trackers)
            {
                if (trackers.Any(t => t.Busy > 0)) continue;
            }
            h.Writers.Time.Advance(TimeSpan.FromMilliseconds(10));
        }
        await all;

        Task Everyone()
        {
            lock (trackers) return Task.WhenAll([between.WhenIdleAsync(), .. trackers.Select(t => t.WhenIdleAsync())]);
        }

        // While every process writes: past the first invocations' start, until the first process is done.
        double from = From, to = (finished.Min() - h.Writers.Start).TotalSeconds - 5;
        double admitted = h.Dynamo.Requests.Where(r => r.Operation == "BatchWriteItem" && (r.At - h.Writers.Start).TotalSeconds is var t && t >= from && t < to).Sum(r => r.TableUnits);
        double rate = admitted / (to - from);
        double throttled = h.Dynamo.Requests.Count(r => r.Fault is not null || r.Unprocessed > 0) / (double)h.Dynamo.Requests.Sum(r => r.Applied.Count);
        output.WriteLine($"{processes} processes: {rate:F1} WCU/s admitted from {from} s to {to:F0} s ({rate / Budget:P0} of the budget); {throttled:F3} throttled requests per admitted item; the longest invocation took {longest.TotalSeconds:F1} s");
        Assert.True(to - from >= 30, $"the window is {to - from:F0} s");
        // The table admits at most its rate over the window, plus what its bucket held when the window opened.
        output.WriteLine($"the bucket held {tokensAtFrom:F1} WCU at {from} s");
        Assert.InRange(admitted - tokensAtFrom, 0.9 * Budget * (to - from), Budget * (to - from));
        Assert.Equal(Enumerable.Range(1, processes * ItemsPerSplit).Select(l => ImportHarness.Key(0, l)), h.Table.Items.Keys.Order(StringComparer.Ordinal));
    }
}
