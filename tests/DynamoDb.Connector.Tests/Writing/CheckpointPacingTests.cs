using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Tests.Infrastructure;
using DynamoDb.Connector.Writing;
using Xunit.Abstractions;

namespace DynamoDb.Connector.Tests.Writing;

/// <summary>
/// A checkpoint never resets pacing: against a table that takes less than its description says, a writer that
/// checkpoints (flushes) every few hundred items keeps what its limiter learned, and so do writers that follow one
/// another on the same table.
/// </summary>
public sealed class CheckpointPacingTests(ITestOutputHelper output)
{
    private const double Takes = 60; // WCU/s the table really takes; it describes 200, and the budget is 50 %: 100
    private const int Items = 24_000; // 1 WCU each: about 400 s at what the table takes
    private const int CheckpointEvery = 300;

    private static WriterHarness ThrottlingTable()
    {
        var h = new WriterHarness(new DynamoDbWriterOptions { Throughput = { WritePercent = 0.5 } });
        var table = h.Table();
        table.WriteCapacityUnits = 200;
        table.AdmitWriteUnitsPerSecond = Takes;
        return h;
    }

    private static IEnumerable<Dictionary<string, AttributeValue>> Input() =>
        Enumerable.Range(0, Items).Select(i => Infrastructure.Items.Sized($"k{i:D6}", 900));

    /// <summary>WCU/s the table took over the last <paramref name="seconds"/> of the run.</summary>
    private static double SettledRate(WriterHarness h, double seconds)
    {
        double end = (h.Dynamo.Requests[^1].At - h.Start).TotalSeconds;
        return h.Dynamo.Requests.Where(r => (r.At - h.Start).TotalSeconds >= end - seconds).Sum(r => r.TableUnits) / seconds;
    }

    /// <summary>Requests throttled in whole or in part, per item the table admitted, over the run.</summary>
    private static double ThrottledPerAdmitted(WriterHarness h) =>
        h.Dynamo.Requests.Count(r => r.Fault is not null || r.Unprocessed > 0) / (double)h.Dynamo.Requests.Sum(r => r.Applied.Count);

    [Fact]
    public async Task OneWriter_FlushingAtEveryCheckpoint_SettlesNearWhatTheTableTakes_WithFewThrottles()
    {
        using var h = ThrottlingTable();
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await h.RunAsync(async () =>
        {
            int sinceCheckpoint = 0;
            foreach (var item in Input())
            {
                await writer.WriteAsync(item);
                if (++sinceCheckpoint == CheckpointEvery)
                {
                    await writer.FlushAsync();
                    sinceCheckpoint = 0;
                }
            }
            return await writer.CompleteAsync();
        });

        double settled = SettledRate(h, 200), throttled = ThrottledPerAdmitted(h);
        output.WriteLine($"settled at {settled:F1} WCU/s ({settled / Takes:P0} of what the table takes); {throttled:F3} throttled requests per admitted item; {h.Dynamo.Describes} describes");
        Assert.Equal(Items, summary.ItemsWritten);
        Assert.True(settled >= 0.85 * Takes, $"settled at {settled:F1} WCU/s");
        Assert.True(throttled <= 0.5, $"{throttled:F3} throttled requests per admitted item");
    }

    [Fact]
    public async Task WritersFollowingOneAnother_OnTheSameTable_KeepWhatTheLimiterLearned()
    {
        using var h = ThrottlingTable();

        // The caller stays counted as working between writers, as an import worker does, so the fake clock does not
        // run while it creates the next one.
        h.Factory.Tracker.Enter();
        var written = await h.RunAsync(async () =>
        {
            long total = 0;
            foreach (var chunk in Input().Chunk(CheckpointEvery))
            {
                // The old checkpoint: complete the writer and create a new one.
                await using var writer = await h.Factory.CreateAsync("items");
                ((DynamoDbWriter)writer).HandsCallerBack = true;
                h.Factory.Tracker.Exit();
                foreach (var item in chunk) await writer.WriteAsync(item);
                total += (await writer.CompleteAsync()).ItemsWritten;
            }
            h.Factory.Tracker.Exit();
            return total;
        });

        double settled = SettledRate(h, 200), throttled = ThrottledPerAdmitted(h);
        output.WriteLine($"settled at {settled:F1} WCU/s ({settled / Takes:P0}); {throttled:F3} throttled requests per admitted item; {h.Dynamo.Describes} describes");
        Assert.Equal(Items, written);
        Assert.True(settled >= 0.85 * Takes, $"settled at {settled:F1} WCU/s");
        Assert.True(throttled <= 0.5, $"{throttled:F3} throttled requests per admitted item");
    }
}
