using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Import;

namespace DynamoDb.Connector.Tests.Import;

/// <summary>
/// Time-boxed runs (<see cref="ImportJobOptions.TimeBudget"/>) on the fake clock, where the table's budget paces the
/// writes: a run stops reading before its budget ends, writes what it read, and hands on a continuation that goes on
/// there, so a loop on continuations writes the source exactly, sets each bad line aside once, and ends.
/// </summary>
public sealed class ImportTimeBoxTests
{
    private const int Items = 2_000; // 1 WCU each at 10 WCU/s: 200 s of writing
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(60);

    private static bool IsBad(int line) => line % 250 == 0;

    private static IEnumerable<string> GoodKeys() => Enumerable.Range(1, Items).Where(l => !IsBad(l)).Select(l => ImportHarness.Key(0, l));

    /// <summary>One file of <see cref="Items"/> lines (every 250th bad), planned as one split; the split's document.</summary>
    private static async Task<SplitDocument> PlanAsync(ImportHarness h)
    {
        h.WriteFile("a.json", ImportHarness.LinesOf(0, Items, bad: IsBad));
        var plan = await new ImportInputFormat([h.Store]).PlanAsync(new ImportSourceOptions { Source = h.Input, Format = ItemFileFormat.DynamoDbJson });
        return SplitDocument.Parse(plan.SplitToJson(Assert.Single(plan.Splits).Index));
    }

    private static ImportJobOptions Slow(ImportHarness h, bool checkpoint) => h.Options(h.Input, o =>
    {
        o.Writer.Throughput.WriteUnitsPerSecond = 10;
        o.Writer.MaxBatchesInFlight = 4;
        o.TimeBudget = Budget;
        o.CheckpointInterval = TimeSpan.FromHours(1); // only the time box flushes
        o.CheckpointUri = checkpoint ? h.CheckpointUri : null;
        o.DeadLetterUri = h.DeadLetterFolder;
    });

    /// <summary>Runs <paramref name="split"/> and its continuations (through their JSON, as a state machine passes them) until done.</summary>
    private static async Task<List<(ImportResult Result, TimeSpan Took)>> RunToTheEndAsync(ImportHarness h, SplitDocument split, ImportJobOptions options)
    {
        var runs = new List<(ImportResult, TimeSpan)>();
        SplitDocument? next = split;
        while (next is not null)
        {
            Assert.True(runs.Count < 50, "the continuations do not end");
            var before = h.Writers.Time.GetUtcNow();
            var result = await h.RunSplitAsync(next, options);
            runs.Add((result, h.Writers.Time.GetUtcNow() - before));
            next = result.Done ? null : SplitRunSummary.Parse(SplitRunSummary.From(result).ToJson()).Continuation;
        }
        return runs;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Continuations_StopBeforeTheBudgetEnds_AndGoOn_UntilEveryItemIsWrittenAndEveryBadLineSetAsideOnce(bool checkpoint)
    {
        using var h = new ImportHarness();
        var split = await PlanAsync(h);

        var runs = await RunToTheEndAsync(h, split, Slow(h, checkpoint));

        Assert.True(runs.Count >= 3, $"{runs.Count} runs");
        Assert.All(runs, r => Assert.True(r.Took <= Budget, $"a run took {r.Took}"));
        Assert.All(runs.SkipLast(1), r =>
        {
            Assert.False(r.Result.Done);
            Assert.NotNull(r.Result.Continuation?.From);
            Assert.True(r.Took >= Budget / 2, $"a run stopped after {r.Took}, long before its budget");
        });
        Assert.True(runs[^1].Result.Done);
        Assert.Null(runs[^1].Result.Continuation);
        // Each continuation starts after the one before.
        var froms = runs.SkipLast(1).Select(r => r.Result.Continuation!.From!.Value.Line).ToList();
        Assert.Equal(froms.Order(), froms);
        Assert.Equal(froms.Distinct().Count(), froms.Count);

        Assert.Equal(GoodKeys(), h.Table.Items.Keys.Order(StringComparer.Ordinal));
        // Nothing written twice: each run flushed before it stopped, so the next started right after.
        Assert.Equal(Items - Items / 250, h.Applied().Count);
        Assert.Equal(Items - Items / 250, runs.Sum(r => r.Result.ItemsWritten));
        Assert.Equal(Items - Items / 250, runs.Sum(r => r.Result.ItemsRead));
        var letters = h.DeadLetters().Select(l => ImportHarness.WhatOf(l.Letter)).ToList();
        Assert.Equal(Enumerable.Range(1, Items).Where(IsBad).Select(l => $"line {l}"), letters.OrderBy(l => int.Parse(l[5..], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(Items / 250, runs.Sum(r => r.Result.BadLines));
    }

    [Fact]
    public async Task OnASlowTable_WithManyBatchesInFlight_ARunStopsReadingEarlyEnough_ThatItsFlushEndsWithinTheBudget()
    {
        using var h = new ImportHarness();
        var split = await PlanAsync(h);
        var options = Slow(h, checkpoint: false);
        // 32 batches of 25 accepted at once would take 80 s to flush at 10 WCU/s: more than the whole budget.
        options.Writer.MaxBatchesInFlight = 32;

        var runs = await RunToTheEndAsync(h, split, options);

        Assert.True(runs.Count >= 3, $"{runs.Count} runs");
        Assert.All(runs, r => Assert.True(r.Took <= Budget, $"a run took {r.Took}"));
        Assert.Equal(GoodKeys(), h.Table.Items.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AContinuationOfAFinishedSplit_RunsNothing_AndIsDone()
    {
        using var h = new ImportHarness();
        var split = await PlanAsync(h);
        var options = Slow(h, checkpoint: true);
        var runs = await RunToTheEndAsync(h, split, options);
        var lastContinuation = runs[^2].Result.Continuation!;
        int requests = h.Dynamo.Requests.Count;

        // The last continuation again (a retried invocation): the checkpoint says the split is done.
        var again = await h.RunSplitAsync(lastContinuation, options);
        // One at the split's end, without a checkpoint.
        var atEnd = await h.RunSplitAsync(split with { From = new ImportPosition(split.Split.Files.Count, 0) }, Slow(h, checkpoint: false));

        Assert.All(new[] { again, atEnd }, r =>
        {
            Assert.True(r.Done);
            Assert.Null(r.Continuation);
            Assert.Equal(0, r.ItemsRead);
            Assert.Equal(0, r.ItemsWritten);
        });
        Assert.DoesNotContain(h.Dynamo.Requests.Skip(requests), r => r.Operation == "BatchWriteItem");
        Assert.Equal(Items / 250, h.DeadLetters().Count);
    }

    [Fact]
    public async Task AnOlderContinuation_GoesOnFromTheCheckpoint_WhenALaterRunStoredOne()
    {
        using var h = new ImportHarness();
        var split = await PlanAsync(h);
        var options = Slow(h, checkpoint: true);
        var first = await h.RunSplitAsync(split, options);
        int afterFirst = h.Applied().Count;
        var second = await h.RunSplitAsync(first.Continuation!, options);
        int afterSecond = h.Applied().Count;

        // The first continuation again, as a retry of the second run would pass it: the checkpoint is further along.
        var retried = await h.RunSplitAsync(first.Continuation!, options);

        Assert.False(second.Done);
        Assert.True(second.Continuation!.From!.Value.Line > first.Continuation!.From!.Value.Line);
        var byTheSecond = h.Applied().Skip(afterFirst).Take(afterSecond - afterFirst).ToHashSet();
        var byTheRetry = h.Applied().Skip(afterSecond).ToList();
        Assert.NotEmpty(byTheSecond);
        Assert.NotEmpty(byTheRetry);
        Assert.DoesNotContain(byTheRetry, byTheSecond.Contains);
        // The retry numbered its dead-letter chunks after the second run's: each bad line read is set aside once.
        var letters = h.DeadLetters().Select(l => ImportHarness.WhatOf(l.Letter)).ToList();
        Assert.Equal(letters.Distinct().Count(), letters.Count);
        Assert.Equal(first.BadLines + second.BadLines + retried.BadLines, letters.Count);
    }

    [Fact]
    public async Task ATimeBoxedJob_NeedsACheckpoint_AndARerunWithItGoesOn()
    {
        using var h = new ImportHarness();
        await PlanAsync(h);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => h.RunAsync(Slow(h, checkpoint: false)));
        Assert.Contains("needs a checkpoint", error.Message, StringComparison.Ordinal);

        var options = Slow(h, checkpoint: true);
        var results = new List<ImportResult>();
        do
        {
            Assert.True(results.Count < 50, "the reruns do not end");
            results.Add(await h.RunAsync(options));
        }
        while (!results[^1].Done);

        Assert.True(results.Count >= 3, $"{results.Count} runs");
        Assert.All(results, r => Assert.Null(r.Continuation));
        Assert.Equal(GoodKeys(), h.Table.Items.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Items / 250, h.DeadLetters().Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(8 * 24 * 3600)]
    public void ATimeBudget_MustBePositive_AndAtMostAWeek(int seconds)
    {
        var options = new ImportJobOptions { Source = { Source = "in/" }, TableName = "t", TimeBudget = TimeSpan.FromSeconds(seconds) };
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(options.Validate);
        Assert.Contains("the time budget must be more than 0 and at most 7 days", error.Message, StringComparison.Ordinal);
    }
}
