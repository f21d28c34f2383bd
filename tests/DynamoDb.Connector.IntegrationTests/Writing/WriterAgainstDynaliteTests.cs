using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.IntegrationTests.Infrastructure;
using DynamoDb.Connector.Storage;
using DynamoDb.Connector.Writing;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoDb.Connector.IntegrationTests.Writing;

[Collection(LocalServersCollection.Name)]
public sealed class WriterAgainstDynaliteTests(LocalServers servers) : IAsyncLifetime
{
    private readonly AmazonDynamoDBClient _client = servers.CreateDynamoDbClient();
    private ServiceProvider _services = null!;

    private IDynamoDbWriterFactory Writers => _services.GetRequiredService<IDynamoDbWriterFactory>();

    public Task InitializeAsync()
    {
        _services = new ServiceCollection()
            .AddSingleton<IAmazonDynamoDB>(_client)
            .AddDynamoDbConnector(o => o.Writer.Throughput.WritePercent = 1)
            .BuildServiceProvider();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        _client.Dispose();
    }

    private async Task<string> CreateTableAsync(string? indexKey = null)
    {
        string name = LocalServers.UniqueName("writer");
        var request = new CreateTableRequest
        {
            TableName = name,
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH), new KeySchemaElement("sk", KeyType.RANGE)],
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S), new AttributeDefinition("sk", ScalarAttributeType.N)],
            ProvisionedThroughput = new ProvisionedThroughput(10_000, 10_000),
        };
        if (indexKey is not null)
        {
            request.AttributeDefinitions.Add(new AttributeDefinition(indexKey, ScalarAttributeType.S));
            request.GlobalSecondaryIndexes =
            [
                new GlobalSecondaryIndex
                {
                    IndexName = "by-" + indexKey,
                    KeySchema = [new KeySchemaElement(indexKey, KeyType.HASH)],
                    Projection = new Projection { ProjectionType = ProjectionType.ALL },
                    ProvisionedThroughput = new ProvisionedThroughput(10_000, 10_000),
                },
            ];
        }
        await _client.CreateTableAsync(request);
        // dynalite makes a table ACTIVE a moment after CreateTable returns: ask until it is (no sleeping).
        for (int i = 0; i < 1000 && (await _client.DescribeTableAsync(name)).Table.TableStatus != TableStatus.ACTIVE; i++)
        {
        }
        return name;
    }

    private async Task<Dictionary<string, Dictionary<string, AttributeValue>>> ScanAsync(string table)
    {
        var items = new Dictionary<string, Dictionary<string, AttributeValue>>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await _client.ScanAsync(new ScanRequest { TableName = table, ExclusiveStartKey = start, ConsistentRead = true });
            foreach (var item in page.Items) items[$"{item["pk"].S}|{item["sk"].N}"] = item;
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
        return items;
    }

    private static Dictionary<string, AttributeValue> Item(string pk, int sk, string? value = null) => new()
    {
        ["pk"] = new() { S = pk },
        ["sk"] = new() { N = sk.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        ["value"] = new() { S = value ?? $"{pk}-{sk}" },
    };

    private static Dictionary<string, AttributeValue> EveryType(int i) => new()
    {
        ["pk"] = new() { S = $"user#{i % 37}" },
        ["sk"] = new() { N = i.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        ["s"] = new() { S = "é\u00e9 \"quoted\" \n" + new string('x', i % 1500) },
        ["n"] = new() { N = "-12345678901234567890.5" },
        ["b"] = new() { B = new MemoryStream([1, 2, 3, (byte)i]) },
        ["t"] = new() { BOOL = i % 2 == 0 },
        ["z"] = new() { NULL = true },
        ["ss"] = new() { SS = ["a", "b" + i] },
        ["ns"] = new() { NS = ["1", "2.5", "-3"] },
        ["bs"] = new() { BS = [new MemoryStream([9]), new MemoryStream([8, 7])] },
        ["l"] = new() { L = [new() { S = "x" }, new() { N = "1" }, new() { L = [] }] },
        ["m"] = new() { M = new() { ["k"] = new() { S = "v" }, ["empty"] = new() { M = [] } } },
    };

    [Fact]
    public async Task Put_EveryItemLandsExactly_WithEveryAttributeType()
    {
        string table = await CreateTableAsync();
        var items = Enumerable.Range(0, 600).Select(EveryType).ToList();
        await using var writer = await Writers.CreateAsync(table);

        foreach (var item in items) await writer.WriteAsync(item);
        var summary = await writer.CompleteAsync();

        Assert.Equal(600, summary.ItemsWritten);
        var stored = await ScanAsync(table);
        Assert.Equal(600, stored.Count);
        foreach (var item in items)
        {
            var actual = stored[$"{item["pk"].S}|{item["sk"].N}"];
            Assert.Equal(item["s"].S, actual["s"].S);
            Assert.Equal(item["b"].B.ToArray(), actual["b"].B.ToArray());
            Assert.Equal(item["t"].BOOL, actual["t"].BOOL);
            Assert.True(actual["z"].NULL);
            Assert.Equal(item["ss"].SS.Order(), actual["ss"].SS.Order());
            Assert.Equal(3, actual["ns"].NS.Count);
            Assert.Equal(2, actual["bs"].BS.Count);
            Assert.Equal(3, actual["l"].L.Count);
            Assert.True(actual["l"].L[2].IsLSet);
            Assert.True(actual["m"].M["empty"].IsMSet);
            Assert.Equal(Formats.Items.ItemSize.Of(item), Formats.Items.ItemSize.Of(actual));
        }
    }

    [Fact]
    public async Task Put_ReadsWhatDynamoDbCharged()
    {
        string table = await CreateTableAsync();
        await using var writer = await Writers.CreateAsync(table);

        // 100 items of 1-3 KB: DynamoDB charges each rounded up to whole KB.
        var items = Enumerable.Range(0, 100).Select(i => Item("p", i, new string('v', 500 + i * 25))).ToList();
        foreach (var item in items) await writer.WriteAsync(item);
        var summary = await writer.CompleteAsync();

        long expected = items.Sum(i => Formats.Items.CapacityUnits.ForWrite(Formats.Items.ItemSize.Of(i)));
        Assert.Equal(expected, summary.ConsumedWriteUnits);
    }

    [Fact]
    public async Task Put_DuplicateKeysInTheInput_TheLastOneWins()
    {
        string table = await CreateTableAsync();
        await using var writer = await Writers.CreateAsync(table, new DynamoDbWriterOptions { BatchSize = 10, Throughput = { WritePercent = 1 } });

        for (int round = 0; round < 5; round++)
        {
            for (int i = 0; i < 30; i++) await writer.WriteAsync(Item("dup", i, $"round {round}"));
        }
        var summary = await writer.CompleteAsync();

        var stored = await ScanAsync(table);
        Assert.Equal(30, stored.Count);
        Assert.All(stored.Values, item => Assert.Equal("round 4", item["value"].S));
        Assert.Equal(150, summary.ItemsWritten + summary.ItemsDeduplicated);
        Assert.Equal(0, summary.ItemsDeadLettered);
    }

    [Fact]
    public async Task Put_ABadItemAmongGoodOnes_IsDeadLetteredAndTheRestWritten()
    {
        // An index key of the wrong type: only DynamoDB knows the index's key types, so it rejects the whole batch.
        string table = await CreateTableAsync(indexKey: "city");
        await using var writer = await Writers.CreateAsync(table);
        var items = Enumerable.Range(0, 60).Select(i => { var item = Item("p", i); item["city"] = new() { S = "c" + i }; return item; }).ToList();
        items[33]["city"] = new() { N = "33" };
        items[47].Remove("pk"); // and one the writer catches itself

        for (int i = 0; i < items.Count; i++) await writer.WriteAsync(new ItemRecord(items[i], i + 1), "input/part-7.json");
        var summary = await writer.CompleteAsync();

        Assert.Equal(58, summary.ItemsWritten);
        Assert.Equal(2, summary.ItemsDeadLettered);
        var stored = await ScanAsync(table);
        Assert.Equal(58, stored.Count);
        Assert.DoesNotContain("p|33", stored.Keys);
        var rejected = Assert.Single(summary.DeadLetters, l => l.Line == 34);
        Assert.Equal("input/part-7.json", rejected.Source);
        Assert.Contains("ValidationException", rejected.Reason, StringComparison.Ordinal);
        var invalid = Assert.Single(summary.DeadLetters, l => l.Line == 48);
        Assert.Contains("partition key 'pk' is missing", invalid.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutIfAbsent_LeavesExistingItemsAlone()
    {
        string table = await CreateTableAsync();
        await _client.PutItemAsync(table, Item("p", 1, "old"));
        await _client.PutItemAsync(table, Item("p", 3, "old"));
        await using var writer = await Writers.CreateAsync(table, new DynamoDbWriterOptions { Mode = WriteMode.PutIfAbsent, Throughput = { WritePercent = 1 } });

        for (int i = 0; i < 5; i++) await writer.WriteAsync(Item("p", i, "new"));
        var summary = await writer.CompleteAsync();

        Assert.Equal(3, summary.ItemsWritten);
        Assert.Equal(2, summary.ItemsSkippedByCondition);
        var stored = await ScanAsync(table);
        Assert.Equal("old", stored["p|1"]["value"].S);
        Assert.Equal("old", stored["p|3"]["value"].S);
        Assert.Equal("new", stored["p|4"]["value"].S);
    }

    [Fact]
    public async Task PutIf_AppliesTheUsersCondition()
    {
        string table = await CreateTableAsync();
        var newer = Item("p", 1, "v9");
        newer["version"] = new() { N = "9" };
        await _client.PutItemAsync(table, newer);
        var older = Item("p", 2, "v1");
        older["version"] = new() { N = "1" };
        await _client.PutItemAsync(table, older);
        await using var writer = await Writers.CreateAsync(table, new DynamoDbWriterOptions
        {
            Mode = WriteMode.PutIf,
            ConditionExpression = "attribute_not_exists(#v) OR #v < :v",
            ExpressionAttributeNames = new() { ["#v"] = "version" },
            ExpressionAttributeValues = new() { [":v"] = new() { N = "5" } },
            Throughput = { WritePercent = 1 },
        });

        foreach (int sk in new[] { 1, 2, 3 })
        {
            var item = Item("p", sk, "v5");
            item["version"] = new() { N = "5" };
            await writer.WriteAsync(item);
        }
        var summary = await writer.CompleteAsync();

        Assert.Equal(2, summary.ItemsWritten);
        Assert.Equal(1, summary.ItemsSkippedByCondition);
        var stored = await ScanAsync(table);
        Assert.Equal("v9", stored["p|1"]["value"].S);
        Assert.Equal("v5", stored["p|2"]["value"].S);
        Assert.Equal("v5", stored["p|3"]["value"].S);
    }

    [Fact]
    public async Task Delete_RemovesExactlyTheGivenKeys()
    {
        string table = await CreateTableAsync();
        for (int i = 0; i < 40; i++) await _client.PutItemAsync(table, Item("p", i));
        await using var writer = await Writers.CreateAsync(table, new DynamoDbWriterOptions { Mode = WriteMode.Delete, Throughput = { WritePercent = 1 } });

        for (int i = 0; i < 40; i += 2) await writer.WriteAsync(Item("p", i)); // whole items: only the key is used
        var summary = await writer.CompleteAsync();

        Assert.Equal(20, summary.ItemsDeleted);
        var stored = await ScanAsync(table);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"p|{2 * i + 1}").Order(), stored.Keys.Order());
    }

    [Fact]
    public async Task DeadLetters_GoToAnS3Object_ThatReadsBackAsTheOriginalItems()
    {
        string table = await CreateTableAsync(indexKey: "city");
        using var s3 = servers.CreateS3Client();
        string bucket = LocalServers.UniqueName("dead");
        await s3.PutBucketAsync(bucket);
        var store = new S3ObjectStore(s3, Microsoft.Extensions.Options.Options.Create(new S3ObjectStoreOptions()));
        await using var services = new ServiceCollection()
            .AddSingleton<IAmazonDynamoDB>(_client)
            .AddSingleton<IObjectStore>(store)
            .AddDynamoDbConnector(o => o.Writer.Throughput.WritePercent = 1)
            .BuildServiceProvider();
        string uri = $"s3://{bucket}/dead-letters";
        await using var writer = await services.GetRequiredService<IDynamoDbWriterFactory>().CreateAsync(table, new DynamoDbWriterOptions { DeadLetterUri = uri, Throughput = { WritePercent = 1 } });
        var items = Enumerable.Range(0, 30).Select(i => { var item = Item("p", i); item["city"] = new() { S = "c" + i }; return item; }).ToList();
        items[7]["city"] = new() { N = "7" };
        items[21]["city"] = new() { B = new MemoryStream([21]) };

        for (int i = 0; i < items.Count; i++) await writer.WriteAsync(new ItemRecord(items[i], i + 1), "input.json");
        var summary = await writer.CompleteAsync();

        Assert.Equal(28, summary.ItemsWritten);
        Assert.Equal(2, summary.ItemsDeadLettered);
        var chunk = Assert.Single(await store.ListAsync(uri + "/", recursive: true).ToListAsync());
        Assert.EndsWith("-0000.jsonl", chunk.Uri, StringComparison.Ordinal);
        await using var reader = ItemFiles.OpenReader(await store.OpenReadAsync(chunk.Uri), ItemFileFormat.DynamoDbJson);
        var back = new List<ItemRecord>();
        while (await reader.ReadAsync() is { } record) back.Add(record);
        Assert.Equal(2, back.Count);
        Assert.Null(Formats.Items.ItemComparer.Difference(items[7], back[0].Item));
        Assert.Null(Formats.Items.ItemComparer.Difference(items[21], back[1].Item));
    }

    [Fact]
    public async Task CreateAsync_DeadLettersToABucketThatDoesNotExist_FailsBeforeAnyItem()
    {
        string table = await CreateTableAsync();
        using var s3 = servers.CreateS3Client();
        var store = new S3ObjectStore(s3, Microsoft.Extensions.Options.Options.Create(new S3ObjectStoreOptions()));
        await using var services = new ServiceCollection()
            .AddSingleton<IAmazonDynamoDB>(_client)
            .AddSingleton<IObjectStore>(store)
            .AddDynamoDbConnector(o => o.Writer.Throughput.WritePercent = 1)
            .BuildServiceProvider();
        string uri = $"s3://{LocalServers.UniqueName("missing")}/dead-letters/";

        var error = await Assert.ThrowsAsync<ArgumentException>(() => services.GetRequiredService<IDynamoDbWriterFactory>().CreateAsync(table, new DynamoDbWriterOptions { DeadLetterUri = uri, Throughput = { WritePercent = 1 } }));

        Assert.Contains(uri, error.Message, StringComparison.Ordinal);
    }
}
