using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.IntegrationTests.Infrastructure;
using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.IntegrationTests.Writing;

/// <summary>
/// Records read as wire bytes (<see cref="ItemRecord.FromEncoded"/>), written by the real SDK client to dynalite through
/// <see cref="FaultProxy"/>: their bytes go into the connector's BatchWriteItem bodies as they are, and what DynamoDB
/// leaves unprocessed, throttles or rejects is handled as for dictionaries; an item the writer refuses is dead-lettered
/// with the dictionary path's reason and the item; the conditional modes write them too.
/// </summary>
public sealed partial class BatchBodyOverHttpTests
{
    private static List<ItemRecord> Encoded(List<Dictionary<string, AttributeValue>> items) =>
        [.. items.Select((item, i) => ItemRecord.FromEncoded(EncodedItem.From(item), i + 1))];

    private static async Task<WriteSummary> WriteAllAsync(IDynamoDbWriter writer, List<ItemRecord> records)
    {
        foreach (var record in records) await writer.WriteAsync(record, "input/part-7.json");
        return await writer.CompleteAsync();
    }

    [Fact]
    public async Task EncodedRecordsLeftUnprocessed_AreResent_AndTheTableEndsEqualToTheInput()
    {
        var items = TestTables.EveryType().Concat(TestTables.Plain(3, 20)).ToList();
        var records = Encoded(items);
        int answered = 0;
        _proxy.AnswerAllUnprocessed = _ => Interlocked.Increment(ref answered) <= 3;
        await using var writer = await CreateWriterAsync();

        var summary = await WriteAllAsync(writer, records);

        Assert.IsType<BatchRequestBody.EncodedRequest>(BatchRequestBody.For(_viaProxy, _table, []));
        Assert.Equal(3, _proxy.AnsweredUnprocessed);
        Assert.Equal(items.Count, summary.ItemsWritten);
        Assert.Equal(0, summary.ItemsDeadLettered);
        Assert.All(records, record => Assert.NotNull(record.Encoded));
        await AssertHoldsWhatTheSdkWrites(items);
    }

    [Fact]
    public async Task ThrottledEncodedBatches_AreResent_AndNothingIsLost()
    {
        var items = TestTables.EveryType().Concat(TestTables.Plain(10, 30)).ToList();
        int seen = 0;
        _proxy.AnswerWithError = op => op == "BatchWriteItem" && Interlocked.Increment(ref seen) % 2 == 1 ? "ProvisionedThroughputExceededException" : null;
        await using var writer = await CreateWriterAsync();

        var summary = await WriteAllAsync(writer, Encoded(items));

        Assert.True(_proxy.AnsweredWithError > 0);
        Assert.Equal(_proxy.AnsweredWithError, summary.ThrottledRequests);
        Assert.Equal(items.Count, summary.ItemsWritten);
        await AssertHoldsWhatTheSdkWrites(items);
    }

    [Fact]
    public async Task AnEncodedItemDynamoDbRejects_IsDeadLetteredWithItsItem_AndTheRestOfItsBatchLands()
    {
        // An index key of the wrong type: only DynamoDB knows the index's key types, so it rejects the whole body.
        var items = TestTables.Plain(2, 30);
        items[17]["price"] = new AttributeValue { S = "not a number" };
        await using var writer = await CreateWriterAsync();

        var summary = await WriteAllAsync(writer, Encoded(items));

        Assert.Equal(59, summary.ItemsWritten);
        var rejected = Assert.Single(summary.DeadLetters);
        Assert.Equal(18, rejected.Line);
        Assert.Equal("input/part-7.json", rejected.Source);
        Assert.Contains("ValidationException", rejected.Reason, StringComparison.Ordinal);
        Assert.Null(ItemComparer.Difference(items[17], rejected.Item));
        await TestTables.AssertTableHoldsAsync(_direct, _table, items.Where((_, i) => i != 17));
    }

    [Fact]
    public async Task InvalidEncodedItems_AreDeadLetteredWithTheDictionaryPathsReasons_AndHoldTheItems()
    {
        var items = TestTables.Plain(1, 40);
        var bad = new Dictionary<int, Dictionary<string, AttributeValue>>
        {
            [5] = new() { ["pk"] = new() { S = "big" }, ["sk"] = new() { N = "1" }, ["data"] = new() { S = new string('x', 410_000) } },
            [11] = new() { ["sk"] = new() { N = "2" }, ["v"] = new() { S = "no partition key" } },
            [23] = new() { ["pk"] = new() { S = "set" }, ["sk"] = new() { N = "3" }, ["tags"] = new() { M = new() { ["t"] = new() { NS = [] } } } },
            [31] = new() { ["pk"] = new() { S = "" }, ["sk"] = new() { N = "4" } },
        };
        foreach (var (index, item) in bad) items[index] = item;
        await using var writer = await CreateWriterAsync();
        await using var reference = await CreateWriterAsync();

        var summary = await WriteAllAsync(writer, Encoded(items));
        foreach (var (index, item) in bad) await reference.WriteAsync(new ItemRecord(item, index + 1), "input/part-7.json");
        var expected = await reference.CompleteAsync();

        Assert.Equal(36, summary.ItemsWritten);
        Assert.Equal(expected.DeadLetters.Select(l => (l.Line, l.Reason)), summary.DeadLetters.Select(l => (l.Line, l.Reason)).OrderBy(l => l.Line));
        Assert.All(summary.DeadLetters, letter => Assert.Null(ItemComparer.Difference(bad[(int)letter.Line - 1], letter.Item)));
        Assert.Contains("DynamoDB's limit is 409,600", summary.DeadLetters[0].Reason, StringComparison.Ordinal);
        await TestTables.AssertTableHoldsAsync(_direct, _table, items.Where((_, i) => !bad.ContainsKey(i)));
    }

    [Fact]
    public async Task PutIfAbsent_WithEncodedRecords_WhenAnswersAreLostAfterTheyApplied_CountsThemWritten_AndSkipsWhatWasThere()
    {
        var existing = TestTables.Plain(1, 5);
        foreach (var item in existing) item["name"] = new AttributeValue { S = "was there" };
        await TestTables.PutAllAsync(_direct, _table, existing);
        var items = TestTables.Plain(4, 50);
        // One PutItem answer in ten is lost after dynalite applied the put (the first answers, DescribeTable, pass).
        _proxy.DropResponse = n => n > 5 && n % 10 == 0;
        await using var writer = await CreateWriterAsync(new DynamoDbWriterOptions { Mode = WriteMode.PutIfAbsent, Throughput = { WriteUnitsPerSecond = 1_000_000 } });

        var summary = await WriteAllAsync(writer, Encoded(items));

        Assert.True(_proxy.Dropped >= 10, $"{_proxy.Dropped} answers dropped");
        Assert.Equal(5, summary.ItemsSkippedByCondition);
        Assert.Equal(195, summary.ItemsWritten);
        Assert.Equal(0, summary.ItemsDeadLettered);
        await TestTables.AssertTableHoldsAsync(_direct, _table, existing.Concat(items.Skip(5)));
    }

    [Fact]
    public async Task PutIf_WithEncodedRecords_WritesWhereTheConditionHolds()
    {
        var locked = TestTables.Plain(1, 3);
        foreach (var item in locked) item["locked"] = new AttributeValue { BOOL = true };
        await TestTables.PutAllAsync(_direct, _table, locked);
        var items = TestTables.Plain(2, 10);
        await using var writer = await CreateWriterAsync(new DynamoDbWriterOptions
        {
            Mode = WriteMode.PutIf,
            ConditionExpression = "attribute_not_exists(#locked)",
            ExpressionAttributeNames = new() { ["#locked"] = "locked" },
        });

        var summary = await WriteAllAsync(writer, Encoded(items));

        Assert.Equal(17, summary.ItemsWritten);
        Assert.Equal(3, summary.ItemsSkippedByCondition);
        await TestTables.AssertTableHoldsAsync(_direct, _table, locked.Concat(items.Skip(3)));
    }
}
