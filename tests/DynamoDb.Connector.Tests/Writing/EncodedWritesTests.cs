using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Tests.Infrastructure;
using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Tests.Writing;

/// <summary>
/// Records read as wire bytes (<see cref="ItemRecord.FromEncoded"/>) through the writer and the SDK client to the fault
/// double: written as their bytes, with everything the dictionary path does (dedup, retries of what is unprocessed or
/// throttled, a rejected batch halved, dead letters with the same reasons and the item, conditional and delete modes).
/// </summary>
public sealed class EncodedWritesTests
{
    private static ItemRecord Encoded(Dictionary<string, AttributeValue> item, long line) => ItemRecord.FromEncoded(EncodedItem.From(item), line);

    private static List<Dictionary<string, AttributeValue>> Plain(int count) =>
        [.. Enumerable.Range(0, count).Select(i => Items.Of($"k{i:D3}", ("v", $"value {i} \"é\"\n")))];

    private static Task<WriteSummary> WriteAllAsync(WriterHarness h, IDynamoDbWriter writer, IEnumerable<ItemRecord> records) =>
        h.RunAsync(async () =>
        {
            foreach (var record in records) await writer.WriteAsync(record, "input/part-1.json");
            return await writer.CompleteAsync();
        });

    private static void AssertHolds(FakeTable table, IEnumerable<Dictionary<string, AttributeValue>> items)
    {
        var expected = items.ToList();
        Assert.Equal(expected.Count, table.Items.Count);
        foreach (var item in expected) Assert.Null(ItemComparer.Difference(item, table.Items[table.KeyOf(item)]));
    }

    [Fact]
    public async Task EncodedRecords_AreWrittenFromTheirBytes_AndTheTableHoldsEveryItem()
    {
        using var h = new WriterHarness();
        var table = h.Table();
        var items = Plain(60);
        items.Add(new()
        {
            ["pk"] = new() { S = "every type" },
            ["n"] = new() { N = "-1.50E7" },
            ["b"] = new() { B = new MemoryStream([0, 1, 255]) },
            ["ss"] = new() { SS = ["a", "b"] },
            ["ns"] = new() { NS = ["1", "2.5"] },
            ["bs"] = new() { BS = [new MemoryStream([1]), new MemoryStream([2])] },
            ["l"] = new() { L = [new() { BOOL = true }, new() { NULL = true }, new() { M = new() { ["x"] = new() { S = "" } } }] },
        });
        var records = items.Select((item, i) => Encoded(item, i + 1)).ToList();
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await WriteAllAsync(h, writer, records);

        Assert.Equal(items.Count, summary.ItemsWritten);
        Assert.Equal(0, summary.ItemsDeadLettered);
        Assert.Equal(3, h.Dynamo.Requests.Count(r => r.Operation == "BatchWriteItem"));
        AssertHolds(table, items);
        // The writer never asked the records for their dictionaries.
        Assert.All(records, record => Assert.NotNull(record.Encoded));
    }

    [Fact]
    public async Task WritesOfOneKey_EncodedOrNot_AreDeduplicated_AndTheLastWins()
    {
        using var h = new WriterHarness();
        var table = h.Table(keys: "pk:N");
        static Dictionary<string, AttributeValue> Version(string pk, string v) => new() { ["pk"] = new() { N = pk }, ["v"] = new() { S = v } };
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await h.RunAsync(async () =>
        {
            await writer.WriteAsync(Encoded(Version("1.0", "a"), 1), null);
            await writer.WriteAsync(Version("1", "b"));
            await writer.WriteAsync(EncodedItem.From(Version("1.00", "c")));
            await writer.WriteAsync(Encoded(Version("2", "d"), 4), null);
            return await writer.CompleteAsync();
        });

        Assert.Equal(2, summary.ItemsDeduplicated);
        Assert.Equal(2, summary.ItemsWritten);
        Assert.Equal(2, table.Items.Count);
        Assert.Equal("c", Assert.Single(table.Items.Values, item => item["pk"].N == "1.00")["v"].S);
    }

    [Theory]
    [InlineData("too-big")]
    [InlineData("no-key")]
    [InlineData("wrong-key-type")]
    [InlineData("empty-key")]
    [InlineData("empty-set")]
    [InlineData("too-deep")]
    public async Task InvalidEncodedItem_IsDeadLetteredWithTheDictionarysReason_AndTheLetterHoldsTheItem(string kind)
    {
        var viaDictionary = await DeadLetterOfAsync(item => new ItemRecord(item, 13), kind);
        var viaBytes = await DeadLetterOfAsync(item => Encoded(item, 13), kind);

        Assert.Equal(viaDictionary.Reason, viaBytes.Reason);
        Assert.Equal(13, viaBytes.Line);
        Assert.Equal("input/part-1.json", viaBytes.Source);
        Assert.Null(ItemComparer.Difference(ValidationAndLifecycleTests.Bad(kind), viaBytes.Item));
    }

    private static async Task<DeadLetter> DeadLetterOfAsync(Func<Dictionary<string, AttributeValue>, ItemRecord> record, string kind)
    {
        using var h = new WriterHarness();
        var table = h.Table();
        var records = Plain(30).Select((item, i) => Encoded(item, i + 1)).ToList();
        records.Insert(12, record(ValidationAndLifecycleTests.Bad(kind)));
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await WriteAllAsync(h, writer, records);

        Assert.Equal(30, summary.ItemsWritten);
        Assert.Equal(30, table.Items.Count);
        // Caught before sending: no batch was rejected.
        Assert.Equal(2, h.Dynamo.Requests.Count);
        return Assert.Single(summary.DeadLetters);
    }

    [Fact]
    public async Task APartlyUnprocessedEncodedBatch_ResendsOnlyWhatWasLeft()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { MaxBatchesInFlight = 1 });
        var table = h.Table();
        h.Dynamo.Enqueue(Fault.Unprocessed(10), Fault.Throttle(), Fault.Unprocessed(3));
        var items = Plain(25);
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await WriteAllAsync(h, writer, items.Select((item, i) => Encoded(item, i + 1)));

        var requests = h.Dynamo.Requests;
        Assert.Equal(4, requests.Count);
        Assert.Equal(requests[0].Keys.Except(requests[0].Applied).Order(), requests[1].Keys.Order());
        Assert.Equal(requests[1].Keys.Order(), requests[2].Keys.Order());
        Assert.Equal(requests[2].Keys.Except(requests[2].Applied).Order(), requests[3].Keys.Order());
        Assert.Equal(25, summary.ItemsWritten);
        Assert.Equal(3, summary.ThrottledRequests);
        AssertHolds(table, items);
    }

    [Fact]
    public async Task AnEncodedBatchDynamoDbRejects_IsHalvedUntilTheBadItemStandsAlone_AndOnlyItIsDeadLettered()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { MaxBatchesInFlight = 1 });
        var table = h.Table();
        h.Dynamo.RejectItem = item => item["pk"].S == "k007" ? "One or more parameter values were invalid" : null;
        var items = Plain(25);
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await WriteAllAsync(h, writer, items.Select((item, i) => Encoded(item, i + 1)));

        Assert.Equal(24, summary.ItemsWritten);
        var letter = Assert.Single(summary.DeadLetters);
        Assert.Equal(8, letter.Line);
        Assert.Contains("ValidationException", letter.Reason, StringComparison.Ordinal);
        Assert.Null(ItemComparer.Difference(items[7], letter.Item));
        AssertHolds(table, items.Where((_, i) => i != 7));
    }

    [Fact]
    public async Task PutIfAbsent_WithEncodedRecords_SkipsKeysThatExist()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { Mode = WriteMode.PutIfAbsent });
        var table = h.Table();
        table.Items["k001"] = Items.Of("k001", ("v", "old"));
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await WriteAllAsync(h, writer, Plain(4).Select((item, i) => Encoded(item, i + 1)));

        Assert.Equal(3, summary.ItemsWritten);
        Assert.Equal(1, summary.ItemsSkippedByCondition);
        Assert.Equal("old", table.Items["k001"]["v"].S);
        Assert.Null(ItemComparer.Difference(Plain(4)[2], table.Items["k002"]));
        Assert.All(h.Dynamo.Requests, r => Assert.Equal("PutItem", r.Operation));
    }

    [Fact]
    public async Task PutIf_WithEncodedRecords_AppliesTheCondition()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions
        {
            Mode = WriteMode.PutIf,
            ConditionExpression = "attribute_not_exists(#locked)",
            ExpressionAttributeNames = new() { ["#locked"] = "locked" },
        });
        var table = h.Table();
        table.Items["k000"] = Items.Of("k000", ("locked", "yes"));
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await WriteAllAsync(h, writer, Plain(3).Select((item, i) => Encoded(item, i + 1)));

        Assert.Equal(2, summary.ItemsWritten);
        Assert.Equal(1, summary.ItemsSkippedByCondition);
        Assert.Equal("yes", table.Items["k000"]["locked"].S);
        Assert.Null(ItemComparer.Difference(Plain(3)[1], table.Items["k001"]));
    }

    [Fact]
    public async Task DeleteMode_WithEncodedRecordsAndItems_DeletesTheirKeys()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { Mode = WriteMode.Delete });
        var table = h.Table();
        foreach (var item in Plain(5)) table.Items[table.KeyOf(item)] = item;
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await h.RunAsync(async () =>
        {
            foreach (var record in Plain(3).Select((item, i) => Encoded(item, i + 1))) await writer.WriteAsync(record, null);
            await writer.WriteAsync(EncodedItem.From(Plain(4)[3]));
            return await writer.CompleteAsync();
        });

        Assert.Equal(4, summary.ItemsDeleted);
        Assert.Equal("k004", Assert.Single(table.Items.Keys));
    }
}
