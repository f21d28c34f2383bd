using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.IntegrationTests.Cli;
using DynamoDb.Connector.IntegrationTests.Infrastructure;

namespace DynamoDb.Connector.IntegrationTests.JsonFormats;

/// <summary>
/// The JSON people have (AWS's moviedata.json array, plain objects one per line, <c>aws dynamodb scan</c> output,
/// BatchWriteItem request files) through the real CLI: detected, estimated, converted and imported into dynalite.
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed class JsonFormatsCliTests(LocalServers servers) : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly AmazonDynamoDBClient _dynamoDb = servers.CreateDynamoDbClient();

    public void Dispose()
    {
        _temp.Dispose();
        _dynamoDb.Dispose();
    }

    /// <summary>The shape of AWS's moviedata.json: a pretty-printed array of plain objects keyed by year and title.</summary>
    private static string MovieData(int count) => "[\n" + string.Join(",\n", Enumerable.Range(1, count).Select(i => $$"""
            {
                "year": {{2000 + (i % 20)}},
                "title": "Movie {{i}}",
                "info": {
                    "directors": ["Director {{i}}"],
                    "release_date": "2013-09-02T00:00:00Z",
                    "rating": {{i % 10}}.5,
                    "genres": ["Action", "Drama"],
                    "rank": {{i}},
                    "running_time_secs": 7380
                }
            }
        """)) + "\n]\n";

    [Fact]
    public async Task Estimate_MovieDataArray_CountsItsItems_NotTheLinesOfACsv()
    {
        string file = _temp.Combine("moviedata.json");
        await File.WriteAllTextAsync(file, MovieData(50));

        var estimate = await CliRunner.RunAsync("estimate", "--source", file, "--json");

        Assert.True(estimate.ExitCode == 0, estimate.ToString());
        using var json = JsonDocument.Parse(estimate.Stdout);
        Assert.Equal(50, json.RootElement.GetProperty("items").GetInt64());
        Assert.Equal(0, json.RootElement.GetProperty("errors").GetInt64());
        Assert.Equal("json", json.RootElement.GetProperty("format").GetString());
    }

    [Fact]
    public async Task Convert_MovieDataArray_ToDdbJson_WritesTypedItems_NotJunk()
    {
        string file = _temp.Combine("moviedata.json"), output = _temp.Combine("typed.json");
        await File.WriteAllTextAsync(file, MovieData(3));

        var convert = await CliRunner.RunAsync("convert", "--source", file, "--destination", output, "--to", "ddb-json");

        Assert.True(convert.ExitCode == 0, convert.ToString());
        string[] lines = await File.ReadAllLinesAsync(output);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("""{"Item":{"year":{"N":"2001"},"title":{"S":"Movie 1"},"info":{"M":{"directors":{"L":[{"S":"Director 1"}]}""", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.Contains("\"[\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Import_MovieDataArray_PutsEveryMovieWithItsNestedInfo()
    {
        string file = _temp.Combine("moviedata.json");
        await File.WriteAllTextAsync(file, MovieData(40));
        string table = LocalServers.UniqueName("movies");

        var run = await CliProcess.RunAsync(servers, ["import", "--source", file, "--table", table, "--create-table", "--key", "year:N,title:S", "--write-capacity", "5000", "--json"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var items = await TestTables.ScanAsync(_dynamoDb, table);
        Assert.Equal(40, items.Count);
        var movie = items.Single(i => i["title"].S == "Movie 7");
        Assert.Equal("2007", movie["year"].N);
        Assert.Equal("7.5", movie["info"].M["rating"].N);
        Assert.Equal("Drama", movie["info"].M["genres"].L[1].S);
    }

    [Fact]
    public async Task Import_PlainObjectsOnePerLine_WithASchemaForcingASet()
    {
        string file = _temp.Combine("users.jsonl"), schema = _temp.Combine("schema.json");
        await File.WriteAllLinesAsync(file, Enumerable.Range(1, 25).Select(i => $$"""{"PK":"user#{{i}}","score":{{i}},"tags":["a{{i}}","b"],"zip":"0{{i}}"}"""));
        await File.WriteAllTextAsync(schema, """{"columns":[{"name":"tags","type":"SS"}]}""");
        string table = LocalServers.UniqueName("users");

        var run = await CliProcess.RunAsync(servers, ["import", "--source", file, "--table", table, "--create-table", "--key", "PK:S", "--csv-schema", schema, "--write-capacity", "5000", "--json"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var items = await TestTables.ScanAsync(_dynamoDb, table);
        Assert.Equal(25, items.Count);
        var user = items.Single(i => i["PK"].S == "user#3");
        Assert.Equal("3", user["score"].N);
        Assert.Equal(["a3", "b"], user["tags"].SS.Order());
        Assert.Equal("03", user["zip"].S);
    }

    [Fact]
    public async Task Import_ScanOutput_PutsItsItems()
    {
        string file = _temp.Combine("scan.json");
        string items = string.Join(",\n", Enumerable.Range(1, 12).Select(i => $$$"""        {"pk": {"S": "k{{{i}}}"}, "sk": {"N": "{{{i}}}"}, "set": {"NS": ["1", "2"]}}"""));
        await File.WriteAllTextAsync(file, $"{{\n    \"Items\": [\n{items}\n    ],\n    \"Count\": 12,\n    \"ScannedCount\": 12,\n    \"ConsumedCapacity\": null\n}}\n");
        string table = LocalServers.UniqueName("scan");

        var run = await CliProcess.RunAsync(servers, ["import", "--source", file, "--table", table, "--create-table", "--key", "pk:S,sk:N", "--write-capacity", "5000", "--json"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var stored = await TestTables.ScanAsync(_dynamoDb, table);
        Assert.Equal(12, stored.Count);
        Assert.Equal(["1", "2"], stored[0]["set"].NS.Order());
    }

    private const string ForumAndThread = """
        {
            "Forum": [
                {"PutRequest": {"Item": {"Name": {"S": "Amazon DynamoDB"}, "Threads": {"N": "2"}}}},
                {"PutRequest": {"Item": {"Name": {"S": "Amazon S3"}, "Threads": {"N": "0"}}}},
                {"PutRequest": {"Item": {"Name": {"S": "Amazon EC2"}, "Threads": {"N": "1"}}}},
                {"DeleteRequest": {"Key": {"Name": {"S": "Old forum"}}}}
            ],
            "Thread": [
                {"PutRequest": {"Item": {"ForumName": {"S": "Amazon DynamoDB"}, "Subject": {"S": "Tagging"}}}}
            ]
        }
        """;

    [Fact]
    public async Task Import_BatchWriteFileWithSeveralTables_IsRefusedNamingThem_AndWithOneNamedAppliesItsPutsAndDeletes()
    {
        string file = _temp.Combine("requests.json");
        await File.WriteAllTextAsync(file, ForumAndThread);
        string table = LocalServers.UniqueName("forum");
        await _dynamoDb.CreateTableAsync(new CreateTableRequest
        {
            TableName = table,
            KeySchema = [new KeySchemaElement("Name", KeyType.HASH)],
            AttributeDefinitions = [new AttributeDefinition("Name", ScalarAttributeType.S)],
            BillingMode = BillingMode.PAY_PER_REQUEST,
        });
        // dynalite makes a table ACTIVE a moment after CreateTable returns: ask until it is (no sleeping).
        for (int i = 0; i < 1000 && (await _dynamoDb.DescribeTableAsync(table)).Table.TableStatus != TableStatus.ACTIVE; i++)
        {
        }
        await _dynamoDb.PutItemAsync(table, new Dictionary<string, AttributeValue> { ["Name"] = new() { S = "Old forum" } });

        var refused = await CliProcess.RunAsync(servers, ["import", "--source", file, "--table", table, "--write-capacity", "5000"]);
        var named = await CliProcess.RunAsync(servers, ["import", "--source", file, "--table", table, "--request-table", "Forum", "--write-capacity", "5000", "--json"]);

        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains("'Forum', 'Thread'", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("--request-table", refused.Stderr, StringComparison.Ordinal);
        Assert.True(named.ExitCode == 0, named.ToString());
        var stored = await TestTables.ScanAsync(_dynamoDb, table);
        Assert.Equal(["Amazon DynamoDB", "Amazon EC2", "Amazon S3"], stored.Select(i => i["Name"].S).Order());
    }

    [Fact]
    public async Task Plan_DamagedParquetFile_IsRefusedBeforeAnythingIsRead_NamingTheFile()
    {
        string file = _temp.Combine("data.parquet");
        await File.WriteAllBytesAsync(file, [.. "PAR1"u8, 0x15, 0x04, 0x15, 0x00, .. "PAR1"u8]);

        var plan = await CliRunner.RunAsync("plan", "--source", file);

        Assert.True(plan.ExitCode == 1, plan.ToString());
        Assert.Contains($"{file}: ", plan.Stderr, StringComparison.Ordinal);
        Assert.Contains("not a readable Parquet file", plan.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_DetectedFormatThatMostFirstLinesDoNotFit_StopsBeforeWritingInsteadOfDeadLetteringTheFile()
    {
        // The first line is a valid data-pipeline item; the rest are plain objects (a file assembled from two sources).
        string file = _temp.Combine("mixed.json");
        await File.WriteAllLinesAsync(file, ["""{"pk":{"s":"a"},"sk":{"n":"1"}}""", .. Enumerable.Range(2, 30).Select(i => $$"""{"pk":"k{{i}}","sk":{{i}}}""")]);
        string table = LocalServers.UniqueName("mixed");
        await TestTables.CreateTableAsync(_dynamoDb, table, indexes: false);

        var run = await CliProcess.RunAsync(servers, ["import", "--source", file, "--table", table, "--write-capacity", "5000", "--dead-letter", _temp.Combine("dead")]);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("cannot be read as data-pipeline, the format detected", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("pass the right one with --format", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(await TestTables.ScanAsync(_dynamoDb, table));
        Assert.False(Directory.Exists(_temp.Combine("dead")) && Directory.EnumerateFiles(_temp.Combine("dead"), "*", SearchOption.AllDirectories).Any());
    }

    [Fact]
    public async Task ExportAsJson_ThenImportBack_KeepsPlainValues_AndSaysWhatTheMappingLoses()
    {
        string source = LocalServers.UniqueName("json-export");
        await TestTables.CreateTableAsync(_dynamoDb, source, indexes: false);
        for (int i = 0; i < 10; i++)
        {
            await _dynamoDb.PutItemAsync(source, new Dictionary<string, AttributeValue>
            {
                ["pk"] = new() { S = $"k{i}" }, ["sk"] = new() { N = $"{i}" }, ["price"] = new() { N = "1.50" }, ["tags"] = new() { SS = ["x", "y"] },
            });
        }
        string folder = _temp.Combine("export");

        var export = await CliProcess.RunAsync(servers, ["export", "--table", source, "--destination", folder, "--format", "json", "--read-capacity", "1000"]);
        string target = LocalServers.UniqueName("json-import");
        await TestTables.CreateTableAsync(_dynamoDb, target, indexes: false);
        var import = await CliProcess.RunAsync(servers, ["import", "--source", folder, "--table", target, "--write-capacity", "5000", "--json"]);

        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.Contains("sets (SS, NS, BS) are written as arrays", export.Stderr, StringComparison.Ordinal);
        Assert.True(import.ExitCode == 0, import.ToString());
        var items = await TestTables.ScanAsync(_dynamoDb, target);
        Assert.Equal(10, items.Count);
        Assert.All(items, i => Assert.Equal("1.5", i["price"].N)); // as DynamoDB stores it
        Assert.All(items, i => Assert.Equal(["x", "y"], i["tags"].L.Select(v => v.S).Order()));
    }
}
