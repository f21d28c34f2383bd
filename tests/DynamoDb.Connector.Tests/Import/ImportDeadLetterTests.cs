using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Tests.Infrastructure;
using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Tests.Import;

public sealed class ImportDeadLetterTests
{
    private const int Lines = 2000;

    private static bool Bad(int line) => line % 37 == 0;

    private static bool Rejected(int line) => line % 53 == 0 && !Bad(line);

    private static List<string> Expected(long after = 0, long through = Lines) =>
        [.. Enumerable.Range(1, Lines).Where(l => l > after && l <= through && (Bad(l) || Rejected(l)))
            .Select(l => Bad(l) ? $"line {l}" : ImportHarness.Key(0, l)).Order(StringComparer.Ordinal)];

    private static ImportHarness Setup()
    {
        var h = new ImportHarness();
        h.WriteFile("a.json", ImportHarness.LinesOf(0, Lines, size: 200, bad: Bad));
        var rejected = Enumerable.Range(1, Lines).Where(Rejected).Select(l => ImportHarness.Key(0, l)).ToHashSet();
        h.Dynamo.RejectItem = item => rejected.Contains(item["pk"].S) ? "One or more parameter values were invalid: rejected by the test" : null;
        return h;
    }

    [Fact]
    public async Task DeadLetters_BadLinesAndRejectedItems_LandInChunks_WithReasonSourceAndLine()
    {
        using var h = Setup();

        var result = await h.RunAsync(h.Options(h.Input, o => o.Writer.Throughput.WriteUnitsPerSecond = 400));

        var letters = h.DeadLetters();
        Assert.Equal(Expected(), letters.Select(l => ImportHarness.WhatOf(l.Letter)).Order(StringComparer.Ordinal));
        Assert.All(letters, l => Assert.StartsWith(l.Letter.GetProperty("Error").GetProperty("source").GetString()!, Path.Combine(h.Input, "a.json")));
        var rejected = letters.Where(l => l.Letter.TryGetProperty("Item", out _)).ToList();
        Assert.All(rejected, l => Assert.Contains("rejected by the test", l.Letter.GetProperty("Error").GetProperty("reason").GetString(), StringComparison.Ordinal));
        Assert.All(letters.Where(l => l.Letter.TryGetProperty("Line", out _)), l => Assert.StartsWith("not json", l.Letter.GetProperty("Line").GetString(), StringComparison.Ordinal));
        Assert.Equal(Expected().Count, result.ItemsDeadLettered);
        Assert.Equal(Expected().Count(e => e.StartsWith("line", StringComparison.Ordinal)), result.BadLines);
        Assert.Equal(Path.TrimEndingDirectorySeparator(h.DeadLetterFolder), Path.TrimEndingDirectorySeparator(result.DeadLetterUri!));
        Assert.Equal(20, result.DeadLetterSamples.Count);
        Assert.All(result.DeadLetterSamples, s => Assert.True(s.Line > 0 && s.Source is not null && s.Reason.Length > 0));
        // The writer halved the batches holding a rejected item: everything else was written.
        Assert.Equal(Lines - Expected().Count, h.Table.Items.Count);
        Assert.Equal(Lines - Expected().Count, result.ItemsWritten);
    }

    [Fact]
    public async Task DeadLetters_AcrossACrashAfterACheckpoint_AppearExactlyOnce()
    {
        using var h = Setup();
        using var crash = new CancellationTokenSource();
        long lastCheckpoint = 0;
        h.Store.Committed = uri =>
        {
            if (uri.Contains("/splits/", StringComparison.Ordinal) && h.CheckpointOf(0) is { Done: false } c) Volatile.Write(ref lastCheckpoint, c.Line);
        };
        var options = h.Options(h.Input, o =>
        {
            o.CheckpointInterval = TimeSpan.FromSeconds(5);
            o.Writer.Throughput.WriteUnitsPerSecond = 100;
            o.Writer.MaxBatchesInFlight = 2;
            // Crash well after a checkpoint: the dead letters since are in a chunk not committed.
            o.Transform = record =>
            {
                long last = Volatile.Read(ref lastCheckpoint);
                if (last >= 100 && record.Line > last + 150) crash.Cancel();
                return [record];
            };
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.RunAsync(options, crash.Token));
        var checkpoint = h.CheckpointOf(0)!;
        Assert.False(checkpoint.Done);
        Assert.True(checkpoint.DeadLetterChunks > 0);
        Assert.Equal(Expected(through: checkpoint.Line), h.DeadLetters().Select(l => ImportHarness.WhatOf(l.Letter)).Where(w => Expected(through: checkpoint.Line).Contains(w)).Order(StringComparer.Ordinal));
        h.Store.Committed = null;
        options.Transform = null;

        var result = await h.RunAsync(options);

        var letters = h.DeadLetters().Select(l => ImportHarness.WhatOf(l.Letter)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Expected(), letters);
        Assert.Equal(Expected(after: checkpoint.Line).Count, result.ItemsDeadLettered);
        Assert.NotNull(result.DeadLetterUri);
        Assert.Equal(Lines - Expected().Count, h.Table.Items.Count);
    }

    [Theory]
    [InlineData("AccessDenied")]
    [InlineData("ResourceNotFound")]
    public async Task FailedWriter_FailsTheRun_WithTableWriteException_AndLeavesCheckpointsARerunResumesFrom(string failure)
    {
        using var h = new ImportHarness();
        h.WriteFile("a.json", ImportHarness.LinesOf(0, 600, size: 200));
        bool broken = false;
        h.Dynamo.FaultFor = _ => Volatile.Read(ref broken) ? Fault.AccessDenied() : null;
        h.Store.Committed = uri =>
        {
            if (!uri.Contains("/splits/", StringComparison.Ordinal) || h.CheckpointOf(0) is not { Done: false, Line: >= 200 } || broken) return;
            if (failure == "AccessDenied") Volatile.Write(ref broken, true);
            else h.Dynamo.RemoveTable("items");
            Volatile.Write(ref broken, true);
        };
        var options = h.Options(h.Input, o =>
        {
            o.Writer.Throughput.WriteUnitsPerSecond = 100;
            o.Writer.MaxBatchesInFlight = 2;
        });

        var error = await Assert.ThrowsAsync<TableWriteException>(() => h.RunAsync(options));
        Assert.Contains(failure, error.Message, StringComparison.Ordinal);
        var checkpoint = h.CheckpointOf(0)!;
        Assert.InRange(checkpoint.Line, 200, 599);
        h.Store.Committed = null;
        h.Dynamo.FaultFor = null;
        h.Dynamo.AddTable(h.Table);

        var result = await h.RunAsync(options);

        Assert.Equal(600 - checkpoint.Line, result.ItemsRead);
        Assert.Equal(600, h.Table.Items.Count);
        Assert.True(h.CheckpointOf(0)!.Done);
        // The items the failed writer set aside were written by the rerun: no dead letter claims otherwise.
        Assert.Empty(h.DeadLetters());
        Assert.Equal(0, result.ItemsDeadLettered);
    }

    [Fact]
    public async Task DeadLetters_CommittedButNotRecordedByAFailedCheckpoint_AreDiscardedOnRerun()
    {
        using var h = new ImportHarness();
        h.WriteFile("a.json", ImportHarness.LinesOf(0, 600, size: 200));
        // Rejected in the first run only: the rerun writes them, so a dead letter for one would be false.
        h.Dynamo.RejectItem = item => int.Parse(item["pk"].S[3..], System.Globalization.CultureInfo.InvariantCulture) % 10 == 0 ? "One or more parameter values were invalid: rejected by the test" : null;
        int checkpoints = 0;
        h.Store.FailCommit = uri => uri.Contains("/splits/", StringComparison.Ordinal) && ++checkpoints == 3;
        var options = h.Options(h.Input, o =>
        {
            o.Writer.Throughput.WriteUnitsPerSecond = 100;
            o.Writer.MaxBatchesInFlight = 2;
        });

        await Assert.ThrowsAsync<IOException>(() => h.RunAsync(options));
        var checkpoint = h.CheckpointOf(0)!;
        Assert.Equal(2, checkpoint.DeadLetterChunks);
        Assert.Equal(3, h.DeadLetters().Select(l => l.Chunk).Distinct().Count()); // the third chunk, committed before its checkpoint failed
        h.Store.FailCommit = null;
        h.Dynamo.RejectItem = null;

        var result = await h.RunAsync(options);

        var expected = Enumerable.Range(1, (int)checkpoint.Line).Where(l => l % 10 == 0).Select(l => ImportHarness.Key(0, l));
        Assert.Equal(expected, h.DeadLetters().Select(l => ImportHarness.WhatOf(l.Letter)).Order(StringComparer.Ordinal));
        Assert.Equal(0, result.ItemsDeadLettered);
        Assert.Equal(600 - expected.Count(), h.Table.Items.Count);
    }

    [Fact]
    public async Task Throttling_IsRetriedAndCounted_NothingLost()
    {
        using var h = new ImportHarness();
        h.WriteFile("a.json", ImportHarness.LinesOf(0, 300, size: 200));
        h.Dynamo.FaultFor = info => info.Index % 3 == 0 ? Fault.Throttle() : null;

        var result = await h.RunAsync(h.Options(h.Input));

        int throttled = h.Dynamo.Requests.Count(r => r.Fault == "Throttle");
        Assert.True(throttled > 0);
        Assert.Equal(throttled, result.ThrottledRequests);
        Assert.Equal(throttled, result.Retries);
        Assert.Equal(300, result.ItemsWritten);
        Assert.Equal(300, h.Table.Items.Count);
        Assert.Equal(300, h.Table.History.Count);
        Assert.Equal(0, result.ItemsDeadLettered);
    }

    [Fact]
    public async Task Rerun_OfAFinishedImport_StillPointsAtTheDeadLettersTheFirstRunSetAside()
    {
        using var h = Setup();
        var options = h.Options(h.Input, o => o.Writer.Throughput.WriteUnitsPerSecond = 400);
        var first = await h.RunAsync(options);

        var rerun = await h.RunAsync(options);

        Assert.Equal(1, rerun.SplitsSkipped);
        Assert.Equal(0, rerun.ItemsDeadLettered);
        Assert.Equal(first.DeadLetterUri, rerun.DeadLetterUri);
        Assert.Equal(Expected(), h.DeadLetters().Select(l => ImportHarness.WhatOf(l.Letter)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task WithoutCheckpointOrDeadLetterUri_DeadLettersAreOnlyCountedAndSampled()
    {
        using var h = Setup();

        var result = await h.RunAsync(h.Options(h.Input, o =>
        {
            o.CheckpointUri = null;
            o.Writer.Throughput.WriteUnitsPerSecond = 400;
        }));

        Assert.Null(result.DeadLetterUri);
        Assert.Equal(Expected().Count, result.ItemsDeadLettered);
        Assert.Equal(20, result.DeadLetterSamples.Count);
        Assert.All(result.DeadLetterSamples, s => Assert.True(s.Line > 0 && s.Source is not null && s.Reason.Length > 0));
        Assert.All(result.DeadLetterSamples, s => Assert.True(s.RawLine is not null ? s.Item.Count == 0 : s.Operation == RecordOperation.Put && s.Item.ContainsKey("pk")));
        Assert.False(Directory.Exists(h.DeadLetterFolder));
    }
}
