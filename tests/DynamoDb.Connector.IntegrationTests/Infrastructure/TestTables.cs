using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ItemComparer = DynamoDb.Connector.Formats.Items.ItemComparer;

namespace DynamoDb.Connector.IntegrationTests.Infrastructure;

/// <summary>Tables and items the export and import tests share: one key schema (pk S, sk N), plain and every-type items.</summary>
internal static class TestTables
{
    /// <summary>
    /// A table keyed by <c>pk</c> (S) and <c>sk</c> (N). With <paramref name="indexes"/> (the export tests' table, 100
    /// WCU/RCU): also global index <c>byCategory</c> (category, sk) and local index <c>byPrice</c> (pk, price). Without
    /// (the import tests' target): keys only, 10,000 WCU/RCU, so a budget never slows a test.
    /// </summary>
    public static async Task CreateTableAsync(IAmazonDynamoDB client, string name, bool indexes = true)
    {
        var request = new CreateTableRequest
        {
            TableName = name,
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH), new KeySchemaElement("sk", KeyType.RANGE)],
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S), new AttributeDefinition("sk", ScalarAttributeType.N)],
            ProvisionedThroughput = indexes ? new ProvisionedThroughput(100, 100) : new ProvisionedThroughput(10_000, 10_000),
        };
        if (indexes)
        {
            request.AttributeDefinitions.Add(new AttributeDefinition("category", ScalarAttributeType.S));
            request.AttributeDefinitions.Add(new AttributeDefinition("price", ScalarAttributeType.N));
            request.GlobalSecondaryIndexes =
            [
                new GlobalSecondaryIndex
                {
                    IndexName = "byCategory",
                    KeySchema = [new KeySchemaElement("category", KeyType.HASH), new KeySchemaElement("sk", KeyType.RANGE)],
                    Projection = new Projection { ProjectionType = ProjectionType.ALL },
                    ProvisionedThroughput = new ProvisionedThroughput(50, 50),
                },
            ];
            request.LocalSecondaryIndexes =
            [
                new LocalSecondaryIndex
                {
                    IndexName = "byPrice",
                    KeySchema = [new KeySchemaElement("pk", KeyType.HASH), new KeySchemaElement("price", KeyType.RANGE)],
                    Projection = new Projection { ProjectionType = ProjectionType.ALL },
                },
            ];
        }
        await client.CreateTableAsync(request);
        // dynalite makes a table ACTIVE a moment after CreateTable returns: ask until it is (no sleeping).
        for (int i = 0; i < 1000 && (await client.DescribeTableAsync(name)).Table.TableStatus != TableStatus.ACTIVE; i++)
        {
        }
    }

    public static async Task PutAllAsync(IAmazonDynamoDB client, string table, IEnumerable<Dictionary<string, AttributeValue>> items)
    {
        foreach (var chunk in items.Chunk(25))
        {
            var request = new BatchWriteItemRequest { RequestItems = new() { [table] = [.. chunk.Select(i => new WriteRequest(new PutRequest(i)))] } };
            var response = await client.BatchWriteItemAsync(request);
            Assert.True(response.UnprocessedItems is null or { Count: 0 });
        }
    }

    /// <summary>Plain items: <paramref name="partitions"/> partitions of <paramref name="perPartition"/> items, categories c0-c2, prices.</summary>
    public static List<Dictionary<string, AttributeValue>> Plain(int partitions, int perPartition) =>
        [.. from p in Enumerable.Range(0, partitions)
            from s in Enumerable.Range(0, perPartition)
            select new Dictionary<string, AttributeValue>
            {
                ["pk"] = new AttributeValue { S = $"p{p}" },
                ["sk"] = new AttributeValue { N = s.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                ["category"] = new AttributeValue { S = $"c{(p + s) % 3}" },
                ["price"] = new AttributeValue { N = (s * 10 + p).ToString(System.Globalization.CultureInfo.InvariantCulture) },
                ["size"] = new AttributeValue { N = (s % 5).ToString(System.Globalization.CultureInfo.InvariantCulture) },
                ["name"] = new AttributeValue { S = $"item {p}/{s}" },
            }];

    /// <summary>Items holding every type DynamoDB has, and the values that break naive codecs.</summary>
    public static List<Dictionary<string, AttributeValue>> EveryType()
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        for (int i = 0; i < 40; i++)
        {
            items.Add(new Dictionary<string, AttributeValue>
            {
                ["pk"] = new AttributeValue { S = $"types-{i % 4}" },
                ["sk"] = new AttributeValue { N = i.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                ["s"] = new AttributeValue { S = $"ünïcødé 日本語 🎉 \"quoted\" back\\slash tab\t newline\n nul\u0001 {i}" },
                ["n38"] = new AttributeValue { N = i % 2 == 0 ? "12345678901234567890123456789012345678" : "-0.00000000000000000000000000000000000012345678901234567890123456789012345678" },
                ["nsmall"] = new AttributeValue { N = "1E-130" },
                ["b"] = new AttributeValue { B = new MemoryStream([0, 1, 2, 255, (byte)i]) },
                ["bool"] = new AttributeValue { BOOL = i % 2 == 0 },
                ["null"] = new AttributeValue { NULL = true },
                ["ss"] = new AttributeValue { SS = ["a", "ü", $"x{i}"] },
                ["ns"] = new AttributeValue { NS = ["1", "2.5", "-99999999999999999999999999999999999999"] },
                ["bs"] = new AttributeValue { BS = [new MemoryStream([1]), new MemoryStream([2, 3])] },
                ["emptyList"] = new AttributeValue { L = [] },
                ["emptyMap"] = new AttributeValue { M = [] },
                ["nested"] = new AttributeValue
                {
                    M = new()
                    {
                        ["list"] = new AttributeValue { L = [new AttributeValue { S = "x" }, new AttributeValue { N = "1" }, new AttributeValue { M = new() { ["deep"] = new AttributeValue { L = [new AttributeValue { BOOL = false }, new AttributeValue { NULL = true }] } } }] },
                        ["set"] = new AttributeValue { SS = ["only"] },
                        ["bin"] = new AttributeValue { B = new MemoryStream([42]) },
                        ["empty"] = new AttributeValue { M = [] },
                    },
                },
                ["emptyString"] = new AttributeValue { S = "" },
            });
        }
        return items;
    }

    /// <summary>A sortable key for an item (pk/sk) to compare sets of items.</summary>
    public static string KeyOf(Dictionary<string, AttributeValue> item) => $"{item["pk"].S}|{item["sk"].N}";

    /// <summary>Every item of a table (strongly consistent scan, all pages).</summary>
    public static async Task<List<Dictionary<string, AttributeValue>>> ScanAsync(IAmazonDynamoDB client, string table)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await client.ScanAsync(new ScanRequest { TableName = table, ExclusiveStartKey = start, ConsistentRead = true });
            items.AddRange(page.Items ?? []);
            start = page.LastEvaluatedKey is { Count: > 0 } key ? key : null;
        }
        while (start is not null);
        return items;
    }

    /// <summary>Asserts the table holds exactly <paramref name="expected"/>: the same keys, and each item equal attribute for attribute.</summary>
    public static async Task AssertTableHoldsAsync(IAmazonDynamoDB client, string table, IEnumerable<Dictionary<string, AttributeValue>> expected)
    {
        var actual = (await ScanAsync(client, table)).ToDictionary(KeyOf);
        var wanted = expected.ToDictionary(KeyOf);
        Assert.Equal(wanted.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, item) in wanted)
        {
            string? difference = ItemComparer.Difference(item, actual[key]);
            Assert.True(difference is null, $"{key}: {difference}");
        }
    }
}
