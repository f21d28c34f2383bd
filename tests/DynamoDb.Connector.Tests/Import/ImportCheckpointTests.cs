using DynamoDb.Connector.Tests.Infrastructure;

namespace DynamoDb.Connector.Tests.Import;

public sealed class ImportCheckpointTests
{
    [Fact]
    public async Task Checkpoint_MidFile_RecordsOnlyLinesWhoseWritesCompleted_AndTheChunksCommittedWithThem()
    {
        using var h = new ImportHarness();
        static bool Bad(int line) => line % 50 == 0;
        h.WriteFile("a.json", ImportHarness.LinesOf(0, 600, size: 200, bad: Bad));
        // The request holding line 201 is throttled for the first 8 simulated seconds: the writes after it go on.
        string held = ImportHarness.Key(0, 201);
        h.Dynamo.FaultFor = info => h.Dynamo.Requests[info.Index].Keys.Contains(held) && h.Writers.Time.GetUtcNow() < h.Writers.Start.AddSeconds(8) ? Fault.Throttle() : null;
        var seen = new List<(Checkpoint Checkpoint, TimeSpan At)>();
        var violations = new List<string>();
        h.Store.Committed = uri =>
        {
            if (!uri.Contains("/splits/", StringComparison.Ordinal)) return;
            var checkpoint = h.CheckpointOf(0)!;
            seen.Add((checkpoint, h.Writers.Time.GetUtcNow() - h.Writers.Start));
            long through = checkpoint.Done ? 600 : checkpoint.Line;
            for (int line = 1; line <= through; line++)
            {
                if (!Bad(line) && !h.Table.Items.ContainsKey(ImportHarness.Key(0, line))) violations.Add($"checkpoint at line {checkpoint.Line}: line {line} not written yet");
            }
            var letters = h.DeadLetters();
            var chunks = letters.Select(l => l.Chunk).Distinct().Count();
            if (chunks != checkpoint.DeadLetterChunks) violations.Add($"checkpoint at line {checkpoint.Line} records {checkpoint.DeadLetterChunks} chunks; {chunks} are committed");
            var committedLines = letters.Select(l => l.Letter.GetProperty("Error").GetProperty("line").GetInt64()).Order().ToList();
            var badLines = Enumerable.Range(1, (int)through).Where(Bad).Select(i => (long)i).ToList();
            if (!committedLines.SequenceEqual(badLines)) violations.Add($"checkpoint at line {checkpoint.Line}: committed dead letters for lines [{string.Join(",", committedLines)}], expected [{string.Join(",", badLines)}]");
        };

        var result = await h.RunAsync(h.Options(h.Input, o =>
        {
            o.Writer.Throughput.WriteUnitsPerSecond = 100;
            o.Writer.MaxBatchesInFlight = 2;
        }));

        Assert.Empty(violations);
        var midFile = seen.Where(s => !s.Checkpoint.Done).ToList();
        Assert.True(midFile.Count >= 3, $"only {midFile.Count} mid-file checkpoints");
        Assert.All(midFile, s => Assert.Equal(0, s.Checkpoint.FileIndex));
        // While line 201 was unacknowledged, no checkpoint covered it; once it was, checkpoints went past it.
        Assert.All(midFile.Where(s => s.At < TimeSpan.FromSeconds(8)), s => Assert.True(s.Checkpoint.Line < 201, $"line {s.Checkpoint.Line} at {s.At}"));
        Assert.Contains(midFile, s => s.Checkpoint.Line > 201);
        Assert.Equal(seen.Select(s => s.Checkpoint.Line).Take(midFile.Count).Order(), seen.Select(s => s.Checkpoint.Line).Take(midFile.Count));
        Assert.True(seen[^1].Checkpoint.Done);
        Assert.Equal(588, result.ItemsWritten);
        Assert.Equal(12, result.BadLines);
    }

    [Fact]
    public async Task Rerun_AfterCrash_ResumesAfterTheCheckpointedLine_WritingNothingBefore()
    {
        using var h = new ImportHarness();
        h.WriteFile("a.json", ImportHarness.LinesOf(0, 600, size: 200));
        using var crash = new CancellationTokenSource();
        h.Store.Committed = uri =>
        {
            if (uri.Contains("/splits/", StringComparison.Ordinal) && h.CheckpointOf(0) is { Done: false, Line: >= 200 }) crash.Cancel();
        };
        var options = h.Options(h.Input, o =>
        {
            o.Writer.Throughput.WriteUnitsPerSecond = 100;
            o.Writer.MaxBatchesInFlight = 2;
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.RunAsync(options, crash.Token));
        var checkpoint = h.CheckpointOf(0)!;
        Assert.False(checkpoint.Done);
        long resumeAfter = checkpoint.Line;
        Assert.InRange(resumeAfter, 200, 599);
        int before = h.Dynamo.Requests.Count;
        h.Store.Committed = null;

        var result = await h.RunAsync(options);

        var rerunKeys = h.Dynamo.Requests.Skip(before).SelectMany(r => r.Keys).ToHashSet();
        for (int line = 1; line <= 600; line++)
        {
            if (line <= resumeAfter) Assert.DoesNotContain(ImportHarness.Key(0, line), rerunKeys);
            else Assert.Contains(ImportHarness.Key(0, line), rerunKeys);
        }
        Assert.Equal(600, h.Table.Items.Count);
        Assert.Equal(600 - resumeAfter, result.ItemsRead);
        Assert.Equal(600 - resumeAfter, result.ItemsWritten);
        Assert.True(h.CheckpointOf(0)!.Done);
    }

    [Fact]
    public async Task Rerun_SkipsSplitsMarkedDone_AndResumesTheHalfDoneOne()
    {
        using var h = new ImportHarness();
        // ~600 KB each: with 1 MiB splits, one split per file.
        for (int f = 0; f < 3; f++) h.WriteFile($"part-{f}.json", ImportHarness.LinesOf(f, 150, size: 4000));
        using var crash = new CancellationTokenSource();
        h.Store.Committed = uri =>
        {
            if (uri.EndsWith("000001.json", StringComparison.Ordinal) && h.CheckpointOf(1) is { Done: false, Line: > 0 }) crash.Cancel();
        };
        var options = h.Options(h.Input, o =>
        {
            o.Source.TargetSplitBytes = 1024 * 1024;
            o.Workers = 1;
            o.Writer.Throughput.WriteUnitsPerSecond = 200;
            o.Writer.MaxBatchesInFlight = 1;
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.RunAsync(options, crash.Token));
        Assert.True(h.CheckpointOf(0)!.Done);
        long resumeAfter = h.CheckpointOf(1)!.Line;
        Assert.Null(h.CheckpointOf(2));
        int before = h.Dynamo.Requests.Count;
        h.Store.Committed = null;

        var result = await h.RunAsync(options);

        var rerunKeys = h.Dynamo.Requests.Skip(before).SelectMany(r => r.Keys).ToHashSet();
        Assert.DoesNotContain(rerunKeys, k => k.StartsWith("f0-", StringComparison.Ordinal));
        Assert.DoesNotContain(rerunKeys, k => k.StartsWith("f1-", StringComparison.Ordinal) && int.Parse(k[3..], System.Globalization.CultureInfo.InvariantCulture) <= resumeAfter);
        Assert.Equal(3, result.Plan.Splits.Count);
        Assert.Equal(1, result.SplitsSkipped);
        Assert.Equal(2, result.SplitsRun);
        Assert.Equal(150 - resumeAfter + 150, result.ItemsRead);
        Assert.Equal(450, h.Table.Items.Count);
    }

    [Fact]
    public async Task FilesOfOneSplit_FlowThroughOneWriter_WithACheckpointOnlyWhenDue()
    {
        using var h = new ImportHarness();
        // 110 lines a file: a batch of 25 that does not stop at a file's end holds lines of two files.
        for (int f = 0; f < 3; f++) h.WriteFile($"part-{f}.json", ImportHarness.LinesOf(f, 110, size: 200));
        var checkpoints = new List<Checkpoint>();
        h.Store.Committed = uri =>
        {
            if (uri.Contains("/splits/", StringComparison.Ordinal)) checkpoints.Add(h.CheckpointOf(0)!);
        };

        // 330 WCU at 1,000 WCU/s: a third of a simulated second, far within the 10 s checkpoint interval.
        var result = await h.RunAsync(h.Options(h.Input, o => o.Writer.Throughput.WriteUnitsPerSecond = 1000));

        Assert.Single(result.Plan.Splits);
        Assert.Equal(330, h.Table.Items.Count);
        // Completing the writer at each file's end would wait for everything in flight and send the file's tail alone.
        Assert.Equal([new Checkpoint(2, 0, true, 0)], checkpoints);
        Assert.Contains(h.Dynamo.Requests, r => r.Keys.Any(k => k.StartsWith("f0-", StringComparison.Ordinal)) && r.Keys.Any(k => k.StartsWith("f1-", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Rerun_OfASplitOfSeveralFiles_ResumesAtTheRightFileAndLine()
    {
        using var h = new ImportHarness();
        for (int f = 0; f < 3; f++) h.WriteFile($"part-{f}.json", ImportHarness.LinesOf(f, 100, size: 200));
        using var crash = new CancellationTokenSource();
        h.Store.Committed = uri =>
        {
            if (uri.Contains("/splits/", StringComparison.Ordinal) && h.CheckpointOf(0) is { Done: false, FileIndex: 1, Line: >= 20 }) crash.Cancel();
        };
        var options = h.Options(h.Input, o =>
        {
            o.Writer.Throughput.WriteUnitsPerSecond = 50;
            o.Writer.MaxBatchesInFlight = 1;
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.RunAsync(options, crash.Token));
        var checkpoint = h.CheckpointOf(0)!;
        Assert.Equal(1, checkpoint.FileIndex);
        long resumeAfter = checkpoint.Line;
        int before = h.Dynamo.Requests.Count;
        h.Store.Committed = null;

        var result = await h.RunAsync(options);

        Assert.Single(result.Plan.Splits);
        Assert.Equal(3, result.Plan.Splits[0].Files.Count);
        var rerunKeys = h.Dynamo.Requests.Skip(before).SelectMany(r => r.Keys).ToHashSet();
        Assert.DoesNotContain(rerunKeys, k => k.StartsWith("f0-", StringComparison.Ordinal));
        for (int line = 1; line <= 100; line++)
        {
            if (line <= resumeAfter) Assert.DoesNotContain(ImportHarness.Key(1, line), rerunKeys);
            else Assert.Contains(ImportHarness.Key(1, line), rerunKeys);
            Assert.Contains(ImportHarness.Key(2, line), rerunKeys);
        }
        Assert.Equal(100 - resumeAfter + 100, result.ItemsRead);
        Assert.Equal(300, h.Table.Items.Count);
        // The plan's source folder holds only the inputs; the checkpoint folder lives beside it.
        Assert.True(File.Exists(Path.Combine(h.CheckpointUri, "plan.json")));
    }
}
