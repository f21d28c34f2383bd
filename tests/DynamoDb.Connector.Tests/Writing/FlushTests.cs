using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Storage;
using DynamoDb.Connector.Tests.Infrastructure;
using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Tests.Writing;

public sealed class FlushTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("flush-");

    public void Dispose() => _directory.Delete(recursive: true);

    private static List<Dictionary<string, AttributeValue>> Batch(string prefix, int count) =>
        Enumerable.Range(0, count).Select(i => Items.Sized($"{prefix}{i:D4}", 900)).ToList();

    [Fact]
    public async Task Flush_WithAnOpenBatchAndBatchesInFlight_ReturnsExactlyWhatWasAcknowledged()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { MaxBatchesInFlight = 4, Throughput = { WriteUnitsPerSecond = 100 } });
        var table = h.Table();
        h.Dynamo.Enqueue(Fault.Throttle(), Fault.Unprocessed(5));
        await using var writer = await h.Factory.CreateAsync("items");
        var items = Batch("a", 110); // four full batches and an open one of 10
        items.Add(items[3]); // a key of a batch sent earlier: written again, after it
        items.Add(new Dictionary<string, AttributeValue> { ["pk"] = new() { S = "bad" }, ["tags"] = new() { SS = [] } });
        items.Add(Items.Sized("a0109", 900)); // replaces a0109, still waiting in the open batch

        var (before, flush) = await h.RunAsync(async () =>
        {
            foreach (var item in items) await writer.WriteAsync(item);
            var progress = writer.GetProgress();
            return (progress, await writer.FlushAsync());
        });

        Assert.True(before.ItemsWritten < 110, $"{before.ItemsWritten} written before the flush: nothing was in flight");
        Assert.Equal(111, flush.ItemsWritten);
        Assert.Equal(0, flush.ItemsDeleted);
        Assert.Equal(1, flush.ItemsDeduplicated);
        Assert.Equal(1, flush.ItemsDeadLettered);
        Assert.Equal(110, table.Items.Count);
        var sent = h.Dynamo.Requests.Where(r => r.Operation == "BatchWriteItem").ToList();
        Assert.Equal(sent.Count, flush.Requests);
        Assert.Equal(2, flush.ThrottledRequests);
        Assert.Equal(2, flush.Retries);
        Assert.Equal(sent.Sum(r => r.TableUnits), flush.ConsumedWriteUnits, 6);
        Assert.Equal("bad", Assert.Single(flush.DeadLetters).Item["pk"].S);
    }

    [Fact]
    public async Task SecondFlush_ReturnsOnlyWhatCameAfterTheFirst_AndTheSummaryCoversBoth()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { Throughput = { WriteUnitsPerSecond = 200 } });
        var table = h.Table();
        await using var writer = await h.Factory.CreateAsync("items");

        var (first, second, summary) = await h.RunAsync(async () =>
        {
            foreach (var item in Batch("a", 60)) await writer.WriteAsync(item);
            var one = await writer.FlushAsync();
            int requestsAfterFirst = h.Dynamo.Requests.Count;
            foreach (var item in Batch("b", 40)) await writer.WriteAsync(item);
            await writer.WriteAsync(new Dictionary<string, AttributeValue> { ["pk"] = new() { S = "bad" }, ["n"] = new() { N = "x" } });
            var two = await writer.FlushAsync();
            Assert.Equal(h.Dynamo.Requests.Count - requestsAfterFirst, two.Requests);
            return (one, two, await writer.CompleteAsync());
        });

        Assert.Equal(60, first.ItemsWritten);
        Assert.Equal(0, first.ItemsDeadLettered);
        Assert.Empty(first.DeadLetters);
        Assert.Equal(40, second.ItemsWritten);
        Assert.Equal(1, second.ItemsDeadLettered);
        Assert.Equal("bad", Assert.Single(second.DeadLetters).Item["pk"].S);
        Assert.Equal(100, summary.ItemsWritten);
        Assert.Equal(first.Requests + second.Requests, summary.Requests);
        Assert.Equal(first.ConsumedWriteUnits + second.ConsumedWriteUnits, summary.ConsumedWriteUnits, 6);
        Assert.Equal(100, table.Items.Count);
    }

    [Fact]
    public async Task Flush_KeepsTheTablesBudgetAndWhatItsPacingLearned()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { Throughput = { RefreshInterval = TimeSpan.FromHours(1) } });
        var table = h.Table();
        table.WriteCapacityUnits = 400; // a budget of 200 WCU/s...
        table.AdmitWriteUnitsPerSecond = 60; // ...of which the table takes 60: throttling cuts the pacing rate
        await using var writer = await h.Factory.CreateAsync("items");
        var budget = h.Factory.Budgets.Find(h.Client, "items");
        Assert.NotNull(budget);

        var (learned, after, describes) = await h.RunAsync(async () =>
        {
            foreach (var item in Batch("a", 300)) await writer.WriteAsync(item);
            await writer.FlushAsync();
            double rate = budget.PacingRate;
            int described = h.Dynamo.Describes;
            await writer.FlushAsync(); // nothing open: must not touch the budget either
            foreach (var item in Batch("b", 25)) await writer.WriteAsync(item);
            await writer.FlushAsync();
            return (rate, h.Factory.Budgets.Find(h.Client, "items"), described);
        });

        Assert.True(learned < 200, $"pacing at {learned:F0}: throttling taught the limiter nothing");
        Assert.Same(budget, after);
        Assert.Equal(1, describes);
        Assert.Equal(1, h.Dynamo.Describes);
        Assert.True(budget.PacingRate <= learned * 1.5, $"pacing went from {learned:F0} to {budget.PacingRate:F0}: the flush reset it");
    }

    [Fact]
    public async Task Flush_WithADeadLetterFolder_LeavesTheDeadLettersInAFileWhenItReturns()
    {
        string folder = Path.Combine(_directory.FullName, "dead");
        using var h = new WriterHarness(new DynamoDbWriterOptions { DeadLetterUri = folder }, stores: [new LocalFileObjectStore()]);
        h.Table();
        await using var writer = await h.Factory.CreateAsync("items");
        var bad = new Dictionary<string, AttributeValue> { ["pk"] = new() { S = "bad" }, ["tags"] = new() { SS = [] } };

        var (afterFirst, afterSecond) = await h.RunAsync(async () =>
        {
            await writer.WriteAsync(new ItemRecord(Items.Of("a"), 1), "in.json");
            await writer.WriteAsync(new ItemRecord(bad, 2), "in.json");
            var flush = await writer.FlushAsync();
            Assert.Equal(1, flush.ItemsDeadLettered);
            Assert.Empty(flush.DeadLetters); // they are in the file
            var first = Directory.GetFiles(folder).Select(File.ReadAllLines).ToList();
            await writer.FlushAsync(); // no new dead letter: no new file
            await writer.WriteAsync(new ItemRecord(bad, 3), "in.json");
            await writer.FlushAsync();
            return (first, Directory.GetFiles(folder).Order(StringComparer.Ordinal).ToList());
        });

        var lines = Assert.Single(afterFirst);
        Assert.Contains("\"line\":2", Assert.Single(lines), StringComparison.Ordinal);
        Assert.Equal(2, afterSecond.Count);
        Assert.EndsWith("-0000.jsonl", afterSecond[0], StringComparison.Ordinal);
        Assert.EndsWith("-0001.jsonl", afterSecond[1], StringComparison.Ordinal);
        Assert.Contains("\"line\":3", Assert.Single(File.ReadAllLines(afterSecond[1])), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Flush_AfterTheWriterFailed_ThrowsTheSameExceptionAsCompleteAsync()
    {
        using var h = new WriterHarness();
        h.Table();
        h.Dynamo.FaultFor = _ => Fault.AccessDenied();
        await using var writer = await h.Factory.CreateAsync("items");

        var error = await h.RunAsync(async () =>
        {
            foreach (var item in Batch("a", 30)) await writer.WriteAsync(item);
            return await Assert.ThrowsAsync<TableWriteException>(() => writer.FlushAsync());
        });

        Assert.Equal(30, error.Summary.ItemsAbandoned + error.Summary.ItemsWritten);
        Assert.Equal(0, error.Summary.ItemsWritten);
    }
}
