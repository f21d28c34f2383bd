using System.Text.Json;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.Writing;
using Xunit.Abstractions;

namespace DynamoDb.Connector.Tests.Import;

/// <summary>
/// The import as a composition of its public pieces: a checkpoint flushes the worker's one writer and stores the
/// position, so it never resets pacing; and a host can do the same with the same pieces.
/// </summary>
public sealed class ImportPacingTests(ITestOutputHelper output)
{
    private const double Takes = 60; // WCU/s the table really takes; it describes 200, and the budget is 50 %: 100

    [Fact]
    public async Task Import_CheckpointingEverySecond_SettlesNearWhatTheTableTakes_WithFewThrottles()
    {
        using var h = new ImportHarness();
        h.Table.WriteCapacityUnits = 200;
        h.Table.AdmitWriteUnitsPerSecond = Takes;
        const int items = 12_000; // 1 WCU each: about 200 s at what the table takes
        h.WriteFile("a.json", ImportHarness.LinesOf(0, items, size: 900));
        int checkpoints = 0;
        h.Store.Committed = uri =>
        {
            if (uri.Contains("/splits/", StringComparison.Ordinal)) Interlocked.Increment(ref checkpoints);
        };

        var result = await h.RunAsync(h.Options(h.Input, o =>
        {
            o.Writer.Throughput.WritePercent = 0.5;
            o.CheckpointInterval = TimeSpan.FromSeconds(1);
            o.Workers = 1;
        }));

        var requests = h.Dynamo.Requests;
        double end = (requests[^1].At - h.Writers.Start).TotalSeconds;
        double settled = requests.Where(r => (r.At - h.Writers.Start).TotalSeconds >= end - 100).Sum(r => r.TableUnits) / 100;
        double throttled = requests.Count(r => r.Fault is not null || r.Unprocessed > 0) / (double)requests.Sum(r => r.Applied.Count);
        output.WriteLine($"{checkpoints} checkpoints; settled at {settled:F1} WCU/s ({settled / Takes:P0} of what the table takes); {throttled:F3} throttled requests per admitted item; {h.Dynamo.Describes} describes");
        Assert.Equal(items, result.ItemsWritten);
        // Each checkpoint drains the writes in flight at the table's pace first, so they come every several seconds.
        Assert.True(checkpoints >= 10, $"{checkpoints} checkpoints");
        Assert.True(settled >= 0.85 * Takes, $"settled at {settled:F1} WCU/s");
        Assert.True(throttled <= 0.5, $"{throttled:F3} throttled requests per admitted item");
    }

    [Fact]
    public async Task Host_PlansReadsWritesFlushesAndStoresThePosition_ThenResumesFromIt_LosingNothing_RepeatingOnlyWhatFollowedTheFlush()
    {
        using var h = new ImportHarness();
        h.WriteFile("a.json", ImportHarness.LinesOf(0, 500, bad: line => line == 150));
        var input = new ImportInputFormat([h.Store]);
        var source = new ImportSourceOptions { Source = h.Input };
        var plan = await input.PlanAsync(source);
        var split = Assert.Single(plan.Splits);
        string? stored = null; // what the host keeps: the position as JSON
        var badLines = new List<long>();

        // First run: a flush and a stored position every 100 records; the host dies after record 250.
        await h.Writers.RunAsync(async () =>
        {
            var writer = await h.Writers.Factory.CreateAsync("items");
            await using var reader = await input.OpenAsync(split, ImportReadOptions.For(plan, source));
            int count = 0;
            await foreach (var record in reader.ReadAsync())
            {
                if (record.IsBad) badLines.Add(record.Error.Line);
                else await writer.WriteAsync(record.Record, record.Source);
                if (++count % 100 == 0)
                {
                    await writer.FlushAsync();
                    stored = JsonSerializer.Serialize(record.Next);
                }
                if (count == 250) break;
            }
            await writer.DisposeAsync(); // killed: what followed the last flush is abandoned
            return 0;
        });
        int before = h.Dynamo.Requests.Count;

        // Second run: from the stored position to the end.
        var position = JsonSerializer.Deserialize<ImportPosition>(stored!);
        var summary = await h.Writers.RunAsync(async () =>
        {
            await using var writer = await h.Writers.Factory.CreateAsync("items");
            await using var reader = await input.OpenAsync(split, ImportReadOptions.For(plan, source), position);
            await foreach (var record in reader.ReadAsync())
            {
                if (record.IsBad) badLines.Add(record.Error.Line);
                else await writer.WriteAsync(record.Record, record.Source);
            }
            return await writer.CompleteAsync();
        });

        Assert.Equal(200, position.Line);
        Assert.NotNull(position.Offset);
        Assert.Equal([150L], badLines); // set aside once: before the stored position, so not read again
        Assert.Equal(Enumerable.Range(1, 500).Where(l => l != 150).Select(l => ImportHarness.Key(0, l)), h.Table.Items.Keys.Order(StringComparer.Ordinal));
        var rerun = h.Dynamo.Requests.Skip(before).SelectMany(r => r.Keys).ToHashSet();
        Assert.Equal(Enumerable.Range(201, 300).Select(l => ImportHarness.Key(0, l)).ToHashSet(), rerun);
        Assert.Equal(300, summary.ItemsWritten);
    }
}
