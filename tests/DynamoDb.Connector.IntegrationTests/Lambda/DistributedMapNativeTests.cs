using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.IntegrationTests.Cli;
using DynamoDb.Connector.IntegrationTests.Infrastructure;

namespace DynamoDb.Connector.IntegrationTests.Lambda;

/// <summary>
/// A split through the function's binary (CI runs this class against the Native AOT <c>bootstrap</c> that
/// <see cref="LambdaBinary.Variable"/> names; elsewhere the JIT build, which runs with the same feature switches), against
/// dynalite: a DynamoDB-JSON split imported end to end in time-boxed invocations that hand on their continuations; a
/// Parquet split refused with the reason (Parquet.Net needs run-time code generation, which Native AOT lacks: its
/// IL2104/IL3053 warnings are real). Few items, so CI stays quick.
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed class DistributedMapNativeTests(LocalServers servers) : IDisposable
{
    private const int Items = 120; // at 20 WCU/s, 6 s of writing: a 4 s budget continues at least once
    private readonly TempFolder _temp = new();
    private readonly AmazonDynamoDBClient _dynamoDb = servers.CreateDynamoDbClient();

    public void Dispose()
    {
        _temp.Dispose();
        _dynamoDb.Dispose();
    }

    private static string Line(int i)
    {
        string n = i.ToString(CultureInfo.InvariantCulture), p = (i % 7).ToString(CultureInfo.InvariantCulture);
        return "{\"Item\":{\"pk\":{\"S\":\"p" + p + "\"},\"sk\":{\"N\":\"" + n + "\"},\"name\":{\"S\":\"item " + n + "\"},\"price\":{\"N\":\"" + n + ".5\"}}}";
    }

    [Fact]
    public async Task ADynamoDbJsonSplit_InTimeBoxedInvocationsOfTheFunction_IsImportedItemForItem()
    {
        string source = _temp.Combine("items.json");
        await File.WriteAllLinesAsync(source, Enumerable.Range(1, Items).Select(Line));
        string split = await PlanAsync(source);
        string table = await CreateTableAsync();
        var answers = new List<JsonElement>();
        JsonObject request = new() { ["splitUri"] = split };
        while (true)
        {
            Assert.True(answers.Count < 30, $"not done after 30 invocations: {string.Join("\n", answers.Take(4))}");
            var payload = new JsonObject { ["table"] = table, ["timeBudgetSeconds"] = 4, ["writePercent"] = 100, ["checkpointUri"] = _temp.Combine("checkpoints") };
            foreach (var (name, value) in request) payload[name] = value?.DeepClone();
            var run = await LambdaBinary.InvokeAsync(servers, payload.ToJsonString(), new Dictionary<string, string>());
            Assert.True(run.ExitCode == 0, $"{(LambdaBinary.Native ?? "the JIT build")}: {run}");
            var answer = JsonDocument.Parse(run.Stdout).RootElement.Clone();
            answers.Add(answer);
            if (answer.GetProperty("done").GetBoolean()) break;
            request = new JsonObject { ["split"] = JsonNode.Parse(answer.GetProperty("continuation").GetRawText()) };
        }

        Assert.True(answers.Count >= 2, $"one invocation did it all: the budget did not cut it short ({answers[0]})");
        var items = await TestTables.ScanAsync(_dynamoDb, table);
        Assert.Equal(Enumerable.Range(1, Items).Select(i => string.Create(CultureInfo.InvariantCulture, $"p{i % 7}|{i}")).Order(StringComparer.Ordinal),
            items.Select(TestTables.KeyOf).Order(StringComparer.Ordinal));
        var tenth = items.Single(item => item["sk"].N == "10");
        Assert.Equal("item 10", tenth["name"].S);
        Assert.Equal(10.5m, decimal.Parse(tenth["price"].N, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task AParquetSplit_IsRefusedByTheFunction_NamingTheFileAndWhatReadsIt_AndNothingIsWritten()
    {
        string json = _temp.Combine("items.json"), parquet = _temp.Combine("items.parquet");
        await File.WriteAllLinesAsync(json, Enumerable.Range(1, 10).Select(Line));
        var convert = await CliRunner.RunAsync("convert", "--source", json, "--destination", parquet, "--to", "parquet");
        Assert.True(convert.ExitCode == 0, convert.ToString());
        string split = await PlanAsync(parquet);
        string table = await CreateTableAsync();
        var payload = new JsonObject { ["table"] = table, ["splitUri"] = split, ["timeBudgetSeconds"] = 4 };

        var run = await LambdaBinary.InvokeAsync(servers, payload.ToJsonString(), new Dictionary<string, string>());

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("items.parquet is Parquet, which this function cannot read: it is compiled with Native AOT", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(await TestTables.ScanAsync(_dynamoDb, table));
    }

    private async Task<string> PlanAsync(string source)
    {
        string planFolder = _temp.Combine("plan");
        var plan = await CliRunner.RunAsync("plan", "--source", source, "--out", planFolder);
        Assert.True(plan.ExitCode == 0, plan.ToString());
        return Assert.Single(Directory.GetFiles(planFolder, "split-*.json"));
    }

    private async Task<string> CreateTableAsync()
    {
        string table = LocalServers.UniqueName("lambda-native");
        await _dynamoDb.CreateTableAsync(new CreateTableRequest
        {
            TableName = table,
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH), new KeySchemaElement("sk", KeyType.RANGE)],
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S), new AttributeDefinition("sk", ScalarAttributeType.N)],
            ProvisionedThroughput = new ProvisionedThroughput(1000, 20),
        });
        for (int i = 0; i < 1000 && (await _dynamoDb.DescribeTableAsync(table)).Table.TableStatus != TableStatus.ACTIVE; i++)
        {
        }

        return table;
    }
}
