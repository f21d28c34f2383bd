using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.IntegrationTests.Infrastructure;

namespace DynamoDb.Connector.IntegrationTests.Cli;

/// <summary>The <c>compare</c> verb against dynalite: a source and a table compared item for item, not by counts.</summary>
[Collection(LocalServersCollection.Name)]
public sealed class CompareCommandTests : IAsyncLifetime
{
    private readonly CliTestContext _c;
    private readonly string _table = LocalServers.UniqueName("cli-compare");

    public CompareCommandTests(LocalServers servers) => _c = new CliTestContext(servers).InThisProcess();

    private string Source => _c.Temp.Combine("source");

    public async Task InitializeAsync()
    {
        await TestTables.CreateTableAsync(_c.DynamoDb, _table, indexes: false);
        var generate = await CliRunner.RunAsync("generate", "--destination", Source, "--items", "200", "--files", "2");
        Assert.True(generate.ExitCode == 0, generate.ToString());
        var import = await CliRunner.RunAsync("import", "--source", Source, "--table", _table, "--write-capacity", "5000");
        Assert.True(import.ExitCode == 0, import.ToString());
    }

    public async Task DisposeAsync()
    {
        await _c.DynamoDb.DeleteTableAsync(_table);
        _c.Dispose();
    }

    [Fact]
    public async Task Compare_OfASourceAndTheTableItWasImportedInto_IsEqual_AndExits0()
    {
        var run = await CliRunner.RunAsync("compare", "--source", Source, "--table", _table, "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(run.Stdout);
        var root = json.RootElement;
        Assert.True(root.GetProperty("equal").GetBoolean());
        Assert.Equal(200, root.GetProperty("sourceItems").GetInt64());
        Assert.Equal(200, root.GetProperty("tableItems").GetInt64());
        Assert.Equal(0, root.GetProperty("missing").GetInt64());
        Assert.Equal(0, root.GetProperty("extra").GetInt64());
        Assert.Equal(0, root.GetProperty("different").GetInt64());
        Assert.Equal(0, root.GetProperty("exitCode").GetInt32());
    }

    [Fact]
    public async Task Compare_WithOneChangedAttribute_OneMissingAndOneExtraItem_CountsEach_AndExits1()
    {
        var items = await TestTables.ScanAsync(_c.DynamoDb, _table);
        var changed = items[0];
        var removed = items[1];
        // One attribute of one item changed: the same key and the same number of items.
        var nameOfChanged = changed.Keys.First(k => k is not "pk" and not "sk");
        await _c.DynamoDb.PutItemAsync(_table, new Dictionary<string, AttributeValue>(changed) { [nameOfChanged] = new AttributeValue { S = "changed" } });
        await _c.DynamoDb.DeleteItemAsync(_table, new Dictionary<string, AttributeValue> { ["pk"] = removed["pk"], ["sk"] = removed["sk"] });
        await _c.DynamoDb.PutItemAsync(_table, new Dictionary<string, AttributeValue> { ["pk"] = new AttributeValue { S = "not-in-source" }, ["sk"] = new AttributeValue { N = "1" } });

        var run = await CliRunner.RunAsync("compare", "--source", Source, "--table", _table, "--json");

        Assert.True(run.ExitCode == 1, run.ToString());
        using var json = JsonDocument.Parse(run.Stdout);
        var root = json.RootElement;
        Assert.False(root.GetProperty("equal").GetBoolean());
        Assert.Equal(200, root.GetProperty("sourceItems").GetInt64());
        Assert.Equal(200, root.GetProperty("tableItems").GetInt64());
        Assert.Equal(1, root.GetProperty("missing").GetInt64());
        Assert.Equal(1, root.GetProperty("extra").GetInt64());
        Assert.Equal(1, root.GetProperty("different").GetInt64());
        Assert.Equal($"pk={removed["pk"].S}, sk={removed["sk"].N}", Assert.Single(root.GetProperty("missingKeys").EnumerateArray()).GetString());
        Assert.Equal("pk=not-in-source, sk=1", Assert.Single(root.GetProperty("extraKeys").EnumerateArray()).GetString());
        Assert.Equal($"pk={changed["pk"].S}, sk={changed["sk"].N}", Assert.Single(root.GetProperty("differentKeys").EnumerateArray()).GetString());

        var text = await CliRunner.RunAsync("compare", "--source", Source, "--table", _table);
        Assert.True(text.ExitCode == 1, text.ToString());
        Assert.Contains("different:   1", text.Stdout, StringComparison.Ordinal);
        Assert.Contains($"missing from the table: pk={removed["pk"].S}", text.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compare_WhenOnlyASetElementOfANestedMapDiffers_FindsTheDifference()
    {
        var item = (await TestTables.ScanAsync(_c.DynamoDb, _table)).First(i => i.Values.Any(v => v.M is { Count: > 0 }));
        var mapName = item.First(p => p.Value.M is { Count: > 0 }).Key;
        var nested = new Dictionary<string, AttributeValue>(item[mapName].M) { ["extra-set"] = new AttributeValue { SS = ["x"] } };
        await _c.DynamoDb.PutItemAsync(_table, new Dictionary<string, AttributeValue>(item) { [mapName] = new AttributeValue { M = nested } });

        var run = await CliRunner.RunAsync("compare", "--source", Source, "--table", _table, "--json");

        Assert.True(run.ExitCode == 1, run.ToString());
        using var json = JsonDocument.Parse(run.Stdout);
        Assert.Equal(1, json.RootElement.GetProperty("different").GetInt64());
        Assert.Equal(0, json.RootElement.GetProperty("missing").GetInt64());
    }

    [Fact]
    public async Task Compare_WithAReadBudget_IsEqual_AndReadPercentWithReadCapacity_IsAUsageError()
    {
        var paced = await CliRunner.RunAsync("compare", "--source", Source, "--table", _table, "--read-capacity", "500", "--segments", "2", "--json");
        var both = await CliRunner.RunAsync("compare", "--source", Source, "--table", _table, "--read-capacity", "500", "--read-percent", "0.5");

        Assert.True(paced.ExitCode == 0, paced.ToString());
        using var json = JsonDocument.Parse(paced.Stdout);
        Assert.Equal(200, json.RootElement.GetProperty("tableItems").GetInt64());
        Assert.True(both.ExitCode == 2, both.ToString());
        Assert.Contains("--read-percent and --read-capacity cannot be used together", both.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compare_OfAMissingTable_Exits1NamingTheTable()
    {
        string missing = LocalServers.UniqueName("missing");

        var run = await CliRunner.RunAsync("compare", "--source", Source, "--table", missing);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.StartsWith($"error: Table '{missing}' does not exist", run.Stderr);
    }
}
