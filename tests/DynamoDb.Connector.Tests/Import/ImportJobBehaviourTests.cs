using System.Collections.Concurrent;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Import;
using Microsoft.Extensions.Options;

namespace DynamoDb.Connector.Tests.Import;

public sealed class ImportJobBehaviourTests
{
    [Fact]
    public async Task Progress_ReportsRisingCounts_RemainingFromTheByteRate_AndAFinalReport()
    {
        using var h = new ImportHarness();
        h.WriteFile("a.json", ImportHarness.LinesOf(0, 1000, size: 900));
        var progress = new ProgressLog<ImportProgress>();

        var result = await h.RunAsync(h.Options(h.Input, o =>
        {
            o.Progress = progress;
            o.Writer.Throughput.WriteUnitsPerSecond = 100;
            o.Writer.MaxBatchesInFlight = 1;
        }));

        var reports = progress.Reports;
        Assert.True(reports.Count >= 8, $"{reports.Count} reports");
        for (int i = 1; i < reports.Count; i++)
        {
            Assert.True(reports[i].ItemsRead >= reports[i - 1].ItemsRead);
            Assert.True(reports[i].ItemsWritten >= reports[i - 1].ItemsWritten, $"written fell from {reports[i - 1].ItemsWritten} to {reports[i].ItemsWritten}");
            Assert.True(reports[i].BytesRead >= reports[i - 1].BytesRead);
            Assert.True(reports[i].Elapsed >= reports[i - 1].Elapsed);
        }
        Assert.Contains(reports, r => r.ItemsWritten > 0 && r.ItemsWritten < 1000);
        long total = reports[0].TotalBytes;
        Assert.Equal(new FileInfo(Path.Combine(h.Input, "a.json")).Length, total);
        // Each tick: time left = bytes left / the byte rate over the last ten ticks.
        var ticks = reports.Take(reports.Count - 1).ToList();
        int checkedTicks = 0;
        for (int i = 1; i < ticks.Count; i++)
        {
            var first = ticks[Math.Max(0, i - 10)];
            double rate = (ticks[i].BytesRead - first.BytesRead) / (ticks[i].Elapsed - first.Elapsed).TotalSeconds;
            if (rate <= 0 || ticks[i].BytesRead == total) continue;
            var expected = TimeSpan.FromSeconds((total - ticks[i].BytesRead) / rate);
            Assert.NotNull(ticks[i].Remaining);
            Assert.InRange(ticks[i].Remaining!.Value.TotalSeconds, expected.TotalSeconds * 0.99 - 0.01, expected.TotalSeconds * 1.01 + 0.01);
            checkedTicks++;
        }
        Assert.True(checkedTicks >= 2, $"only {checkedTicks} ticks had a rate");
        var last = reports[^1];
        Assert.Equal(TimeSpan.Zero, last.Remaining);
        Assert.Equal(1000, last.ItemsRead);
        Assert.Equal(1000, last.ItemsWritten);
        Assert.Equal(total, last.BytesRead);
        Assert.Equal(1, last.SplitsDone);
        Assert.Equal(1, last.SplitsTotal);
        Assert.Equal(result.Elapsed, last.Elapsed);
    }

    [Fact]
    public async Task Transform_Filtering_IsCountedInItemsFiltered_AndCalledOncePerRecord()
    {
        using var h = new ImportHarness();
        h.WriteFile("a.json", ImportHarness.LinesOf(0, 100));
        int calls = 0;
        IEnumerable<ItemRecord> KeepOdd(ItemRecord record)
        {
            Interlocked.Increment(ref calls);
            if (record.Line % 2 == 1) yield return record;
        }

        var result = await h.RunAsync(h.Options(h.Input, o => o.Transform = KeepOdd));

        Assert.Equal(100, calls);
        Assert.Equal(100, result.ItemsRead);
        Assert.Equal(50, result.ItemsFiltered);
        Assert.Equal(50, result.ItemsWritten);
        Assert.Equal(Enumerable.Range(1, 100).Where(l => l % 2 == 1).Select(l => ImportHarness.Key(0, l)), h.Table.Items.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Transform_FanOut_WritesEveryOutput()
    {
        using var h = new ImportHarness();
        h.WriteFile("a.json", ImportHarness.LinesOf(0, 100));
        static IEnumerable<ItemRecord> Twice(ItemRecord record)
        {
            foreach (var suffix in new[] { "-a", "-b" })
            {
                var item = new Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>(record.Item) { ["pk"] = new() { S = record.Item["pk"].S + suffix } };
                yield return new ItemRecord(item, record.Line, record.Operation);
            }
        }

        var result = await h.RunAsync(h.Options(h.Input, o => o.Transform = Twice));

        Assert.Equal(200, result.ItemsWritten);
        Assert.Equal(0, result.ItemsFiltered);
        Assert.Equal(200, h.Table.Items.Count);
        Assert.All(Enumerable.Range(1, 100), l =>
        {
            Assert.Contains(ImportHarness.Key(0, l) + "-a", h.Table.Items.Keys);
            Assert.Contains(ImportHarness.Key(0, l) + "-b", h.Table.Items.Keys);
        });
    }

    [Fact]
    public async Task ShuffleWindow_WritesSortedInputOutOfOrder_EachItemOnce()
    {
        using var h = new ImportHarness();
        h.WriteFile("a.json", ImportHarness.LinesOf(0, 500));
        var sorted = Enumerable.Range(1, 500).Select(l => ImportHarness.Key(0, l)).ToList();

        var result = await h.RunAsync(h.Options(h.Input, o =>
        {
            o.ShuffleWindow = 100;
            o.Writer.MaxBatchesInFlight = 1;
        }));

        var applied = h.Applied();
        Assert.Equal(500, applied.Count);
        Assert.Equal(sorted, applied.Order(StringComparer.Ordinal));
        Assert.NotEqual(sorted, applied);
        // Not just batches reordered: neighbours in the input land far apart.
        int far = sorted.Zip(sorted.Skip(1)).Count(p => Math.Abs(applied.IndexOf(p.First) - applied.IndexOf(p.Second)) > 25);
        Assert.True(far > 250, $"{far} neighbours far apart");
        Assert.Equal(500, result.ItemsWritten);
    }

    [Fact]
    public async Task ShuffleWindow_Unset_WritesInInputOrder()
    {
        using var h = new ImportHarness();
        h.WriteFile("a.json", ImportHarness.LinesOf(0, 200));

        await h.RunAsync(h.Options(h.Input, o => o.Writer.MaxBatchesInFlight = 1));

        Assert.Equal(Enumerable.Range(1, 200).Select(l => ImportHarness.Key(0, l)), h.Applied());
    }

    [Fact]
    public async Task Workers_ReadAtMostWorkersSplitsAtOnce_AndShareOneBudget()
    {
        using var h = new ImportHarness();
        const int Files = 8, PerFile = 150;
        for (int f = 0; f < Files; f++) h.WriteFile($"part-{f}.json", ImportHarness.LinesOf(f, PerFile, size: 4000));
        var reading = new ConcurrentDictionary<int, int>(); // file -> lines seen
        int active = 0, maxActive = 0;
        var progress = new ProgressLog<ImportProgress>();
        IEnumerable<ItemRecord> Observe(ItemRecord record)
        {
            int file = record.Item["pk"].S[1] - '0';
            if (reading.TryAdd(file, 0))
            {
                int now = Interlocked.Increment(ref active);
                int seen;
                while (now > (seen = Volatile.Read(ref maxActive)) && Interlocked.CompareExchange(ref maxActive, now, seen) != seen) { }
            }
            if (reading.AddOrUpdate(file, 1, (_, n) => n + 1) == PerFile) Interlocked.Decrement(ref active);
            return [record];
        }

        var result = await h.RunAsync(h.Options(h.Input, o =>
        {
            o.Source.TargetSplitBytes = 1024 * 1024;
            o.Source.KeysUniqueAcrossFiles = true; // no key in two files: the splits may run at once
            o.Workers = 2;
            o.Transform = Observe;
            o.Progress = progress;
            o.Writer.MaxBatchesInFlight = 1;
            o.Writer.Throughput.WriteUnitsPerSecond = 1000;
        }));

        Assert.Equal(Files, result.Plan.Splits.Count);
        Assert.Equal(2, maxActive);
        Assert.Equal(Files * PerFile, h.Table.Items.Count);
        Assert.Equal(Files, progress.Reports[^1].SplitsDone);
        // One budget for both workers: what the table was charged by any moment stays within 1,000 WCU/s since the start (plus one second of burst).
        double charged = 0;
        foreach (var request in h.Dynamo.Requests.Where(r => r.Operation == "BatchWriteItem"))
        {
            charged += request.TableUnits;
            double allowed = 1000 * (request.At - h.Writers.Start).TotalSeconds + 1000;
            Assert.True(charged <= allowed, $"{charged} WCU charged by {request.At - h.Writers.Start}");
        }
        Assert.Equal(Files * PerFile * 4, charged);
        // And the budget was used: two workers did not each take half of it.
        var span = (h.Dynamo.Requests[^1].At - h.Writers.Start).TotalSeconds;
        Assert.InRange(span, 4.0, 6.5);
    }

    [Theory]
    [InlineData(1, 32, 32)]
    [InlineData(4, 32, 8)]
    [InlineData(3, 32, 11)]
    [InlineData(4, 2, 1)]
    public async Task Workers_ShareTheBatchesInFlight_SoMemoryDoesNotGrowWithTheirNumber(int workers, int batchesInFlight, int perWriter)
    {
        using var h = new ImportHarness();
        for (int f = 0; f < 4; f++) h.WriteFile($"{f}.json", ImportHarness.LinesOf(f, 70, size: 1000)); // over 64 KB each: several splits

        var result = await h.RunAsync(h.Options(h.Input, o =>
        {
            o.Source.TargetSplitBytes = 64 * 1024;
            o.Source.KeysUniqueAcrossFiles = true; // no key in two files: the splits may run at once
            o.Workers = workers;
            o.Writer.MaxBatchesInFlight = batchesInFlight;
            o.Writer.Throughput.WriteUnitsPerSecond = 100_000;
        }));

        Assert.True(result.Plan.Splits.Count >= workers, $"{result.Plan.Splits.Count} splits");
        Assert.Equal(4 * 70, h.Table.Items.Count);
        var started = h.Writers.Logs.Entries.Where(e => e.Id.Id == 100).ToList();
        Assert.NotEmpty(started);
        Assert.All(started, e => Assert.Contains($"up to {perWriter} batches", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_RecordsItemsBytesBadLinesAndSplits_OnTheConnectorsMeter()
    {
        using var h = new ImportHarness();
        string file = h.WriteFile("a.json", ImportHarness.LinesOf(0, 50, bad: i => i % 10 == 0));
        var counts = new Dictionary<string, double>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, h.Writers.Metrics.Meter)) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((i, value, _, _) => { lock (counts) counts[i.Name] = counts.GetValueOrDefault(i.Name) + value; });
        listener.Start();

        var result = await h.RunAsync(h.Options(h.Input));

        Assert.Equal(45, counts["dynamodb.connector.import.items_read"]);
        Assert.Equal(5, counts["dynamodb.connector.import.bad_lines"]);
        Assert.Equal(new FileInfo(file).Length, counts["dynamodb.connector.import.bytes_read"]);
        Assert.Equal(result.SplitsRun, counts["dynamodb.connector.import.splits"]);
        Assert.Equal(45, counts["dynamodb.connector.items.written"]);
    }

    [Fact]
    public void Validate_ListsEveryProblem()
    {
        var options = new ImportJobOptions
        {
            Source = { Source = "", TargetSplitBytes = 1 },
            TableName = " ",
            Workers = 0,
            CheckpointInterval = TimeSpan.Zero,
            ShuffleWindow = -1,
            CheckpointUri = "",
            DeadLetterUri = " ",
            Writer = { BatchSize = 30, DeadLetterUri = "/rejects" },
        };

        var error = Assert.Throws<OptionsValidationException>(options.Validate);

        foreach (var expected in new[] { "source", "split size", "table name", "workers", "checkpoint interval", "shuffle window", "checkpoint location", "dead-letter location", "BatchSize", "not the writer's DeadLetterSink" })
        {
            Assert.Contains(expected, error.Message, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void Validate_DefaultsWithSourceAndTable_AreValid()
    {
        var options = new ImportJobOptions { Source = { Source = "/data" }, TableName = "t" };

        options.Validate();

        Assert.Null(options.Workers);
        Assert.Equal(TimeSpan.FromSeconds(10), options.CheckpointInterval);
        Assert.Equal(0, options.ShuffleWindow);
    }

    [Fact]
    public async Task Run_ForAMissingTable_FailsAtOnceNamingIt()
    {
        using var h = new ImportHarness();
        h.WriteFile("a.json", ImportHarness.LinesOf(0, 10));

        var error = await Assert.ThrowsAsync<TableDoesNotExistException>(() => h.RunAsync(h.Options(h.Input, o => o.TableName = "nope")));

        Assert.Contains("'nope' does not exist", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("--", error.Message, StringComparison.Ordinal); // a library names no CLI flag
        Assert.Empty(h.Dynamo.Requests);
    }

    [Fact]
    public async Task Run_WithACheckpointOfAnotherPlan_IsRefused()
    {
        using var h = new ImportHarness();
        h.WriteFile("a.json", ImportHarness.LinesOf(0, 10));
        await h.RunAsync(h.Options(h.Input));
        h.WriteFile("b.json", ImportHarness.LinesOf(1, 10));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => h.RunAsync(h.Options(h.Input)));

        Assert.Contains("belongs to another import", error.Message, StringComparison.Ordinal);
    }
}
