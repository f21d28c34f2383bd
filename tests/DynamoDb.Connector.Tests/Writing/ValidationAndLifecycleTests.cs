using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Tests.Infrastructure;
using DynamoDb.Connector.Writing;
using Microsoft.Extensions.Logging;

namespace DynamoDb.Connector.Tests.Writing;

public sealed class ValidationAndLifecycleTests
{
    public static TheoryData<string, string> BadItems => new()
    {
        { "too-big", "bytes; DynamoDB's limit is 409,600" },
        { "no-key", "partition key 'pk' is missing" },
        { "wrong-key-type", "partition key 'pk' is N, the table's key type is S" },
        { "empty-key", "partition key 'pk' is empty" },
        { "empty-set", "empty string set" },
        { "too-deep", "nests deeper than 32 levels" },
        { "bad-number", "number" },
    };

    internal static Dictionary<string, AttributeValue> Bad(string kind)
    {
        switch (kind)
        {
            case "too-big": return Items.Sized("big", 410_000);
            case "no-key": return new() { ["other"] = new() { S = "x" } };
            case "wrong-key-type": return new() { ["pk"] = new() { N = "1" } };
            case "empty-key": return new() { ["pk"] = new() { S = "" } };
            case "empty-set": return new() { ["pk"] = new() { S = "set" }, ["tags"] = new() { SS = [] } };
            case "too-deep":
                var value = new AttributeValue { S = "leaf" };
                for (int i = 0; i < 33; i++) value = new AttributeValue { L = [value] };
                return new() { ["pk"] = new() { S = "deep" }, ["nest"] = value };
            default: return new() { ["pk"] = new() { S = "num" }, ["n"] = new() { N = "12abc" } };
        }
    }

    [Theory]
    [MemberData(nameof(BadItems))]
    public async Task WriteAsync_InvalidItem_IsDeadLetteredWithItsReasonAndTheOthersGoOn(string kind, string reason)
    {
        using var h = new WriterHarness();
        var table = h.Table();
        await using var writer = await h.Factory.CreateAsync("items");
        var items = Enumerable.Range(0, 30).Select(i => Items.Of($"k{i:D3}")).ToList();
        var bad = Bad(kind);
        items.Insert(12, bad);

        var summary = await h.WriteAllAsync(writer, items);

        Assert.Equal(30, summary.ItemsWritten);
        Assert.Equal(30, table.Items.Count);
        var letter = Assert.Single(summary.DeadLetters);
        Assert.Same(bad, letter.Item);
        Assert.Contains(reason, letter.Reason, StringComparison.Ordinal);
        // Caught before sending: DynamoDB never saw it, so no batch was rejected.
        Assert.Equal(2, h.Dynamo.Requests.Count);
    }

    [Fact]
    public async Task DisposeAsync_WithoutComplete_AbandonsWhatWasNotWrittenAndSaysSo()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { MaxBatchesInFlight = 2 });
        var table = h.Table();
        table.WriteCapacityUnits = 20; // 10 WCU/s, batches of 10
        var writer = await h.Factory.CreateAsync("items");
        // The host stops 3 s in: it cancels the producer and disposes the writer without completing it.
        using var stop = new CancellationTokenSource();
        using var stopping = h.Time.CreateTimer(_ => stop.Cancel(), null, TimeSpan.FromSeconds(3), Timeout.InfiniteTimeSpan);

        int accepted = await h.RunAsync(async () =>
        {
            int count = 0;
            try
            {
                for (; count < 100; count++) await writer.WriteAsync(Items.Of($"k{count:D3}"), stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
            return count;
        });
        await writer.DisposeAsync();

        int written = table.Items.Count;
        Assert.InRange(written, 20, 30);
        Assert.True(accepted > written);
        var warning = Assert.Single(h.Logs.Entries, e => e.Id.Id == 103);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains($"{accepted - written} items accepted were abandoned", warning.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await writer.WriteAsync(Items.Of("late")));
    }

    [Fact]
    public async Task CompleteAsync_CalledTwice_ReturnsTheSameSummary_AndTheWriterTakesNoMore()
    {
        using var h = new WriterHarness();
        h.Table();
        await using var writer = await h.Factory.CreateAsync("items");

        var first = await h.WriteAllAsync(writer, [Items.Of("a")]);
        var second = await writer.CompleteAsync();

        Assert.Same(first, second);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await writer.WriteAsync(Items.Of("b")));
    }

    [Fact]
    public async Task WriteAsync_CalledConcurrently_IsRefused()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { MaxBatchesInFlight = 1, BatchSize = 1 });
        h.Table().WriteCapacityUnits = 2; // 1 WCU/s: the third write waits for a slot
        await using var writer = await h.Factory.CreateAsync("items");
        await writer.WriteAsync(Items.Of("a"));
        await writer.WriteAsync(Items.Of("b"));
        var waiting = writer.WriteAsync(Items.Of("c")).AsTask();
        Assert.False(waiting.IsCompleted);

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await writer.WriteAsync(Items.Of("d")));
    }

    [Fact]
    public async Task WriteAsync_Cancelled_WhileWaitingForASlot_DoesNotAcceptTheItem()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { MaxBatchesInFlight = 1, BatchSize = 1 });
        var table = h.Table();
        table.WriteCapacityUnits = 2;
        await using var writer = await h.Factory.CreateAsync("items");
        await writer.WriteAsync(Items.Of("a"));
        await writer.WriteAsync(Items.Of("b"));
        using var cancel = new CancellationTokenSource();
        var waiting = writer.WriteAsync(Items.Of("c"), cancel.Token).AsTask();

        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        var summary = await h.RunAsync(() => writer.CompleteAsync());
        Assert.Equal(2, summary.ItemsWritten);
        Assert.Equal(["a", "b"], table.Items.Keys.Order());
    }

    [Fact]
    public async Task CompleteAsync_WhenDynamoDbDeniesAccess_FailsWithTheSummary_AndLeavesTheBatchUnwritten_NotDeadLettered()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { MaxBatchesInFlight = 1 });
        h.Table();
        h.Dynamo.Enqueue(Fault.AccessDenied());
        await using var writer = await h.Factory.CreateAsync("items");

        var error = await Assert.ThrowsAsync<TableWriteException>(() => h.WriteAllAsync(writer, Enumerable.Range(0, 10).Select(i => Items.Of($"k{i}"))));

        Assert.Contains("AccessDeniedException", error.Message, StringComparison.Ordinal);
        // Access is the caller's to fix, not the items': a rerun with access writes them.
        Assert.Equal(0, error.Summary.ItemsDeadLettered);
        Assert.Equal(10, error.Summary.ItemsAbandoned);
        Assert.Equal(0, error.Summary.ItemsWritten);
        Assert.Contains(h.Logs.Entries, e => e.Id.Id == 104);
        await Assert.ThrowsAsync<TableWriteException>(() => writer.CompleteAsync());
    }

    [Fact]
    public async Task WriteAsync_AfterTheWriterFailed_Throws()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { MaxBatchesInFlight = 1, BatchSize = 1 });
        h.Table();
        h.Dynamo.Enqueue(Fault.AccessDenied());
        await using var writer = await h.Factory.CreateAsync("items");

        var error = await Assert.ThrowsAsync<TableWriteException>(() => h.RunAsync(async () =>
        {
            for (int i = 0; i < 100; i++) await writer.WriteAsync(Items.Of($"k{i}"));
            return 0;
        }));

        Assert.Contains("failed earlier", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_ForAMissingTable_Throws()
    {
        using var h = new WriterHarness();

        await Assert.ThrowsAsync<Amazon.DynamoDBv2.Model.ResourceNotFoundException>(() => h.Factory.CreateAsync("missing"));
    }

    [Fact]
    public async Task CreateAsync_SecondWriterWithOtherThroughput_IsRefused_UntilTheFirstIsDone()
    {
        using var h = new WriterHarness();
        h.Table();
        var first = await h.Factory.CreateAsync("items");
        var other = new DynamoDbWriterOptions { Throughput = { WritePercent = 0.9 } };

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => h.Factory.CreateAsync("items", other));
        Assert.Contains("share one budget", error.Message, StringComparison.Ordinal);

        await h.RunAsync(() => first.CompleteAsync());
        await first.DisposeAsync();
        await using var second = await h.Factory.CreateAsync("items", other);
        Assert.Equal(900, second.Budget.WriteUnitsPerSecond);
        Assert.Equal(2, h.Dynamo.Describes);
    }

    [Fact]
    public async Task WriteAsync_TooManyDeadLettersWithoutASink_FailsRatherThanDropThem()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { MaxDeadLettersInMemory = 2 });
        h.Table();
        await using var writer = await h.Factory.CreateAsync("items");

        var error = await Assert.ThrowsAsync<TableWriteException>(() => h.WriteAllAsync(writer, Enumerable.Range(0, 3).Select(_ => Bad("no-key"))));

        Assert.Contains("DeadLetterSink or DeadLetterUri", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_WithASink_SendsDeadLettersThere_AndFlushesItOnComplete()
    {
        var sink = new ListSink();
        using var h = new WriterHarness(new DynamoDbWriterOptions { DeadLetterSink = sink });
        h.Table();
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await h.WriteAllAsync(writer, [Items.Of("a"), Bad("no-key")]);

        Assert.Equal(1, summary.ItemsDeadLettered);
        Assert.Empty(summary.DeadLetters);
        Assert.Single(sink.Letters);
        Assert.Equal(1, sink.Flushes);
    }

    private sealed class ListSink : IDeadLetterSink
    {
        public List<DeadLetter> Letters { get; } = [];

        public int Flushes { get; private set; }

        public ValueTask WriteAsync(DeadLetter letter, CancellationToken cancellationToken = default)
        {
            lock (Letters) Letters.Add(letter);
            return ValueTask.CompletedTask;
        }

        public ValueTask FlushAsync(CancellationToken cancellationToken = default)
        {
            Flushes++;
            return ValueTask.CompletedTask;
        }
    }
}
