using System.Net;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Tests.Infrastructure;
using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Tests.Writing;

public sealed class RetryTests
{
    private static List<Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>> Batch(int count = 25, int size = 500) =>
        [.. Enumerable.Range(0, count).Select(i => Items.Sized($"k{i:D3}", size))];

    private static DynamoDbWriterOptions OneAtATime() => new() { MaxBatchesInFlight = 1 };

    [Fact]
    public async Task WriteAsync_WhenPartiallyUnprocessed_ResendsOnlyTheUnprocessedItems()
    {
        using var h = new WriterHarness(OneAtATime());
        var table = h.Table();
        h.Dynamo.Enqueue(Fault.Unprocessed(10));
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await h.WriteAllAsync(writer, Batch(25));

        Assert.Equal(2, h.Dynamo.Requests.Count);
        Assert.Equal(10, h.Dynamo.Requests[0].Applied.Count);
        Assert.Equal(h.Dynamo.Requests[0].Keys.Except(h.Dynamo.Requests[0].Applied).Order(), h.Dynamo.Requests[1].Keys.Order());
        Assert.Equal(25, table.Items.Count);
        Assert.Equal(25, summary.ItemsWritten);
        Assert.Equal(1, summary.ThrottledRequests);
        Assert.Equal(1, summary.Retries);
        // Only what was written was charged: 25 items, each 1 WCU.
        Assert.Equal(25, summary.ConsumedWriteUnits);
    }

    public static TheoryData<string, bool> Faults => new()
    {
        { "throttle", true },
        { "throttling", true },
        { "request-limit", true },
        { "500", false },
        { "503", false },
        { "drop", false },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task WriteAsync_WhenTheWholeBatchFails_BacksOffAndSendsItAgain(string fault, bool throttle)
    {
        using var h = new WriterHarness(OneAtATime(), random: () => 0.5);
        var table = h.Table();
        h.Dynamo.Enqueue(fault switch
        {
            "throttle" => Fault.Throttle("TableWriteProvisionedThroughputExceeded"),
            "throttling" => Fault.Throttling(),
            "request-limit" => Fault.RequestLimit(),
            "500" => Fault.Server(),
            "503" => Fault.Server(HttpStatusCode.ServiceUnavailable),
            _ => Fault.Drop(),
        });
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await h.WriteAllAsync(writer, Batch(25));

        Assert.Equal(2, h.Dynamo.Requests.Count);
        Assert.Equal(h.Dynamo.Requests[0].Keys, h.Dynamo.Requests[1].Keys);
        // Full jitter: the first retry waits random x 50 ms = 25 ms here. A throttled request was not charged, so its
        // permits came back; one that failed otherwise may have been applied and charged, so the retry also waits for
        // its 25 permits again (50 ms at 500 WCU/s).
        var gap = h.Dynamo.Requests[1].At - h.Dynamo.Requests[0].At;
        Assert.InRange(gap, TimeSpan.FromMilliseconds(throttle ? 25 : 50), TimeSpan.FromMilliseconds(throttle ? 35 : 60));
        Assert.Equal(25, table.Items.Count);
        Assert.Equal(25, summary.ItemsWritten);
        Assert.Equal(1, summary.Retries);
        Assert.Equal(throttle ? 1 : 0, summary.ThrottledRequests);
        Assert.Equal(0, summary.ItemsDeadLettered);
    }

    [Fact]
    public async Task WriteAsync_WhenThrottledAgainAndAgain_BacksOffExponentially()
    {
        using var h = new WriterHarness(OneAtATime(), random: () => 1.0);
        h.Table();
        h.Dynamo.Enqueue(Fault.Throttle(), Fault.Throttle(), Fault.Throttle(), Fault.Throttle(), Fault.Throttle());
        await using var writer = await h.Factory.CreateAsync("items");

        await h.WriteAllAsync(writer, Batch(5));

        var gaps = h.Dynamo.Requests.Zip(h.Dynamo.Requests.Skip(1), (a, b) => (b.At - a.At).TotalMilliseconds).ToList();
        Assert.Equal(5, gaps.Count);
        double[] expected = [50, 100, 200, 400, 800];
        for (int i = 0; i < gaps.Count; i++) Assert.InRange(gaps[i], expected[i], expected[i] + 10);
    }

    [Fact]
    public async Task WriteAsync_WhenDynamoDbRejectsABatchForOneItem_DeadLettersThatItemAndWritesTheOther24()
    {
        using var h = new WriterHarness(OneAtATime());
        var table = h.Table();
        h.Dynamo.RejectItem = item => item.ContainsKey("poison") ? "One or more parameter values were invalid: the fake does not take poison" : null;
        await using var writer = await h.Factory.CreateAsync("items");
        var items = Batch(25);
        items[17]["poison"] = new() { S = "yes" };

        var summary = await h.RunAsync(async () =>
        {
            for (int i = 0; i < items.Count; i++) await writer.WriteAsync(new ItemRecord(items[i], line: i + 1), "s3://bucket/input/part-0001.json");
            return await writer.CompleteAsync();
        });

        Assert.Equal(24, summary.ItemsWritten);
        Assert.Equal(24, table.Items.Count);
        Assert.False(table.Items.ContainsKey("k017"));
        var letter = Assert.Single(summary.DeadLetters);
        Assert.Same(items[17], letter.Item);
        Assert.Equal("s3://bucket/input/part-0001.json", letter.Source);
        Assert.Equal(18, letter.Line);
        Assert.Contains("the fake does not take poison", letter.Reason, StringComparison.Ordinal);
        Assert.Equal(0, summary.Retries);
        // Halving 25 down to the one bad item takes a handful of requests, not 25.
        Assert.InRange(h.Dynamo.Requests.Count, 2, 12);
    }

    [Fact]
    public async Task WriteAsync_WhenThrottlingOutlastsTheRetries_StopsWithUnavailable_AndDeadLettersNothing()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { MaxBatchesInFlight = 1, Retry = { MaxAttempts = 3 } });
        var table = h.Table();
        h.Dynamo.FaultFor = _ => Fault.Throttle();
        await using var writer = await h.Factory.CreateAsync("items");

        var error = await Assert.ThrowsAsync<DynamoDbUnavailableException>(() => h.WriteAllAsync(writer, Batch(10)));

        Assert.Equal(3, h.Dynamo.Requests.Count);
        Assert.Empty(table.Items);
        Assert.Equal("http://dynamodb.fake.local/", error.Endpoint);
        Assert.Contains("ProvisionedThroughputExceededException", error.LastError, StringComparison.Ordinal);
        Assert.Contains("failed 3 times in a row", error.Message, StringComparison.Ordinal);
        // Throttling is the table's state, not the items' fault: they are not dead letters, they stay unwritten.
        Assert.Equal(0, error.Summary!.ItemsDeadLettered);
        Assert.Equal(10, error.Summary.ItemsAbandoned);
        Assert.Equal(2, error.Summary.Retries);
    }

    [Fact]
    public async Task WriteAsync_WhenServerErrorsOutlastTheRetryTime_StopsWithUnavailable_AndDeadLettersNothing()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { MaxBatchesInFlight = 1, Retry = { MaxAttempts = null, MaxRetryTime = TimeSpan.FromSeconds(30) } });
        h.Table();
        h.Dynamo.FaultFor = _ => Fault.Server();
        await using var writer = await h.Factory.CreateAsync("items");

        var error = await Assert.ThrowsAsync<DynamoDbUnavailableException>(() => h.WriteAllAsync(writer, Batch(3)));

        Assert.Equal(0, error.Summary!.ItemsDeadLettered);
        Assert.Equal(3, error.Summary.ItemsAbandoned);
        Assert.Contains("InternalServerError", error.LastError, StringComparison.Ordinal);
        var span = h.Dynamo.Requests[^1].At - h.Dynamo.Requests[0].At;
        Assert.InRange(span, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30));
        Assert.InRange(h.Time.GetUtcNow() - h.Dynamo.Requests[0].At, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(55));
    }

    [Theory]
    [InlineData(WriteMode.Put)]
    [InlineData(WriteMode.PutIfAbsent)]
    public async Task WriteAsync_WhenDynamoDbGoesDown_StopsEveryBatchWithUnavailable_AndLeavesTheRestUnwritten(WriteMode mode)
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { Mode = mode, Retry = { MaxAttempts = 4 } });
        var table = h.Table();
        h.Dynamo.FaultFor = request => request.Index >= 3 ? Fault.Drop() : null;
        await using var writer = await h.Factory.CreateAsync("items");

        var error = await Assert.ThrowsAsync<DynamoDbUnavailableException>(() => h.WriteAllAsync(writer, Batch(500)));

        var summary = error.Summary!;
        Assert.Equal(0, summary.ItemsDeadLettered);
        Assert.Equal(table.Items.Count, summary.ItemsWritten);
        // Every item is either written or accounted as not written: none is lost between the two.
        Assert.Equal(500, summary.ItemsWritten + summary.ItemsAbandoned);
        Assert.Contains("reset", error.LastError, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(h.Logs.Entries, e => e.Id.Id == 104);
        // The writer stops taking items, with the same exception.
        await Assert.ThrowsAsync<DynamoDbUnavailableException>(() => writer.WriteAsync(Items.Of("late")).AsTask());
    }

    [Fact]
    public async Task CreateAsync_WhenDynamoDbIsUnreachable_ThrowsUnavailableNamingTheEndpoint()
    {
        using var h = new WriterHarness();
        h.Table();
        h.Dynamo.Unreachable = true;

        var error = await Assert.ThrowsAsync<DynamoDbUnavailableException>(() => h.Factory.CreateAsync("items"));

        Assert.Equal("http://dynamodb.fake.local/", error.Endpoint);
        Assert.Contains("Connection refused", error.LastError, StringComparison.Ordinal);
        Assert.Contains("could not describe table 'items'", error.Message, StringComparison.Ordinal);
        Assert.Null(error.Summary);
    }

    [Theory]
    [InlineData(WriteMode.Put, 1)]
    [InlineData(WriteMode.Put, 7)]
    [InlineData(WriteMode.PutIfAbsent, 1)]
    [InlineData(WriteMode.PutIfAbsent, 7)]
    public async Task Retries_CountEveryRequestSentAgain_ExactlyOncePerFault(WriteMode mode, int faults)
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { Mode = mode }, random: () => 0.5);
        var table = h.Table();
        var kinds = new[] { Fault.Throttle(), Fault.Server(), Fault.Drop(), Fault.RequestLimit(), Fault.Server(HttpStatusCode.ServiceUnavailable), Fault.Throttling(), Fault.Drop() };
        int injected = 0;
        h.Dynamo.FaultFor = request => request.Index % 2 == 1 && injected < faults ? kinds[injected++ % kinds.Length] : null;
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await h.WriteAllAsync(writer, Batch(400));

        Assert.Equal(faults, injected);
        Assert.Equal(faults, h.Dynamo.Requests.Count(r => r.Fault is not null));
        Assert.Equal(faults, summary.Retries);
        Assert.Equal(h.Dynamo.Requests.Count, summary.Requests);
        Assert.Equal(400, table.Items.Count);
        Assert.Equal(400, summary.ItemsWritten);
    }

    [Fact]
    public async Task WriteAsync_WithNoRetryLimits_KeepsRetryingUntilTheTableTakesTheItems()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { MaxBatchesInFlight = 1, Retry = { MaxAttempts = null, MaxRetryTime = null } });
        var table = h.Table();
        h.Dynamo.FaultFor = request => request.Index < 40 ? Fault.Throttle() : null;
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await h.WriteAllAsync(writer, Batch(5), step: TimeSpan.FromSeconds(1));

        Assert.Equal(41, h.Dynamo.Requests.Count);
        Assert.Equal(5, table.Items.Count);
        Assert.Equal(40, summary.Retries);
        Assert.Equal(0, summary.ItemsDeadLettered);
    }

    [Fact]
    public async Task WriteAsync_WhenAKeyRangeIsHot_CountsItApartAndSaysSo()
    {
        using var h = new WriterHarness(OneAtATime());
        h.Table();
        h.Dynamo.Enqueue(Fault.Throttle("TableWriteKeyRangeThroughputExceeded"));
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await h.WriteAllAsync(writer, Batch(5));

        Assert.Equal(1, summary.ThrottledRequests);
        Assert.Equal(1, summary.HotKeyRangeThrottles);
        Assert.Contains(h.Logs.Entries, e => e.Id.Id == 109 && e.Message.Contains("TableWriteKeyRangeThroughputExceeded", StringComparison.Ordinal));
        Assert.Contains(h.Logs.Entries, e => e.Id.Id == 203 && e.Message.Contains("to 95%", StringComparison.Ordinal));
    }
}
