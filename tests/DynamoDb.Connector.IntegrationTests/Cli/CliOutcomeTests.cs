using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using DynamoDb.Connector.IntegrationTests.Infrastructure;

namespace DynamoDb.Connector.IntegrationTests.Cli;

/// <summary>
/// How every run ends, as a user or a script sees it: usage errors exit 2 with one line naming the option, failures
/// exit 1 with one line saying what to do at the command line (never an unhandled exception, exit 134), and with
/// <c>--json</c> every outcome is one JSON object on stdout.
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed class CliOutcomeTests(LocalServers servers) : IDisposable
{
    private readonly CliTestContext _c = new(servers);

    public void Dispose() => _c.Dispose();

    [Theory]
    [InlineData("--write-percent", "import", "--source", "in", "--table", "t", "--write-percent", "abc")]
    [InlineData("--write-percent", "import", "--source", "in", "--table", "t", "--write-percent", "150")]
    [InlineData("--workers", "import", "--source", "in", "--table", "t", "--workers", "99999999999")]
    [InlineData("--workers", "import", "--source", "in", "--table", "t", "--workers", "0")]
    [InlineData("--checkpoint-interval", "import", "--source", "in", "--table", "t", "--checkpoint-interval", "abc")]
    [InlineData("--write-capacity", "import", "--source", "in", "--table", "t", "--write-capacity", "1e999")]
    [InlineData("--write-capacity", "estimate", "--source", "in", "--write-capacity", "1e999")]
    [InlineData("--items", "generate", "--destination", "out", "--items", "abc")]
    [InlineData("--source", "import", "--source", "s3://", "--table", "t")]
    [InlineData("--source", "estimate", "--source", "s3:///prefix/")]
    [InlineData("--destination", "export", "--table", "t", "--destination", "s3://")]
    [InlineData("--checkpoint", "import", "--source", "in", "--table", "t", "--checkpoint", "s3://")]
    [InlineData("--table", "import", "--source", "in")]
    [InlineData("--bogus", "import", "--source", "in", "--table", "t", "--bogus")]
    [InlineData("--segments", "export", "--table", "t", "--destination", "out", "--segments", "x")]
    [InlineData("--read-percent", "export", "--table", "t", "--destination", "out", "--read-percent", "abc")]
    public async Task UsageError_Exits2_WithOneLineNamingTheOption(string option, params string[] args)
    {
        var run = await CliRunner.RunAsync(args);

        Assert.True(run.ExitCode == 2, run.ToString());
        string line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(option, line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
        Assert.Equal("", run.Stdout);
    }

    [Theory]
    [InlineData("compression 'zip'. Use one of: none, gzip, zstd.", "generate", "--destination", "out", "--compression", "zip")]
    [InlineData("compression 'zip'. Use one of: none, gzip, zstd.", "export", "--table", "t", "--destination", "out", "--compression", "zip")]
    [InlineData("layout 'flat'. Use one of: emr, native.", "export", "--table", "t", "--destination", "out", "--layout", "flat")]
    [InlineData("format 'xml'. Use one of: data-pipeline, ddb-json, ddb-json-incremental, csv, json, ddb-scan, ddb-batch-write, parquet.", "import", "--source", "in", "--table", "t", "--format", "xml")]
    public async Task UsageError_AnUnknownName_Exits2_NamingTheValueAndEveryChoice(string expected, params string[] args)
    {
        var run = await CliRunner.RunAsync(args);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("Unknown " + expected, run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsageError_WithJson_PrintsOneObjectWithTheErrorAndExitCode()
    {
        var run = await CliRunner.RunAsync("import", "--source", "in", "--table", "t", "--workers", "0", "--json");

        Assert.True(run.ExitCode == 2, run.ToString());
        using var json = JsonDocument.Parse(run.Stdout);
        Assert.Equal(2, json.RootElement.GetProperty("exitCode").GetInt32());
        Assert.Contains("--workers", json.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DynamoDB", "import")]
    [InlineData("DynamoDB", "export")]
    [InlineData("S3", "import")]
    [InlineData("S3", "export")]
    [InlineData("S3", "estimate")]
    public async Task UnreachableEndpoint_Exits1_WithOneLineNamingTheEndpointAndItsVariable(string service, string verb)
    {
        string variable = service == "S3" ? "AWS_ENDPOINT_URL_S3" : "AWS_ENDPOINT_URL_DYNAMODB";
        string dead = $"http://127.0.0.1:{UnusedPort()}";
        string table = await CreateTableAsync();
        string local = _c.Temp.Combine("local");
        Assert.Equal(0, (await CliRunner.RunAsync("generate", "--destination", local, "--items", "10", "--files", "1")).ExitCode);
        // Through S3 when S3 is the one down; a local folder otherwise, so DynamoDB is the only remote.
        string location = service == "S3" ? "s3://any-bucket/data/" : local;
        string[] args = verb switch
        {
            "import" => ["import", "--source", location, "--table", table, "--json"],
            "export" => ["export", "--table", table, "--destination", service == "S3" ? location : _c.Temp.Combine("export"), "--json"],
            _ => ["estimate", "--source", location, "--json"],
        };

        var run = await CliProcess.RunAsync(servers, args, TimeSpan.FromMinutes(2), new Dictionary<string, string> { [variable] = dead });

        Assert.True(run.ExitCode == 1, run.ToString());
        string line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains($"cannot reach {service} at {dead}", line, StringComparison.Ordinal);
        Assert.Contains(variable, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(run.Stdout);
        Assert.Equal(1, json.RootElement.GetProperty("exitCode").GetInt32());
        Assert.Contains($"cannot reach {service}", json.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoCredentials_Exits1_WithOneLineNamingTheVariables()
    {
        var none = new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = "",
            ["AWS_SECRET_ACCESS_KEY"] = "",
            ["AWS_SHARED_CREDENTIALS_FILE"] = _c.Temp.Combine("no-credentials"),
            ["AWS_CONFIG_FILE"] = _c.Temp.Combine("no-config"),
        };

        var run = await CliProcess.RunAsync(servers, ["export", "--table", "t-any", "--destination", _c.Temp.Combine("x")], TimeSpan.FromMinutes(2), none);

        Assert.True(run.ExitCode == 1, run.ToString());
        string line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("AWS_ACCESS_KEY_ID", line, StringComparison.Ordinal);
        Assert.Contains("AWS_PROFILE", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_IntoACompleteExport_SaysToAddOverwrite()
    {
        string table = await CreateTableAsync();
        string destination = _c.Temp.Combine("export");
        Assert.Equal(0, (await CliProcess.RunAsync(servers, ["export", "--table", table, "--destination", destination])).ExitCode);

        var run = await CliProcess.RunAsync(servers, ["export", "--table", table, "--destination", destination, "--json"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("add --overwrite to replace it", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Set Overwrite", run.Stderr, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(run.Stdout);
        Assert.Contains("--overwrite", json.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_IntoAMissingTable_NamesCreateTableAndKey()
    {
        string source = _c.Temp.Combine("source");
        Assert.Equal(0, (await CliRunner.RunAsync("generate", "--destination", source, "--items", "10", "--files", "1")).ExitCode);

        var run = await CliProcess.RunAsync(servers, ["import", "--source", source, "--table", "no-such-table", "--json"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("--create-table --key", run.Stderr, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(run.Stdout);
        Assert.Equal(1, json.RootElement.GetProperty("exitCode").GetInt32());
    }

    [Fact]
    public async Task Import_OfASourceWithNoReadableRecord_Exits1_SayingTheFormatIsProbablyWrong()
    {
        string table = await CreateTableAsync();
        string file = _c.Temp.Combine("items.json");
        // Data-pipeline lines read as ddb-json: every line is "bad", none lands.
        await File.WriteAllLinesAsync(file, ["""{"pk":{"s":"a"},"sk":{"n":"1"}}""", """{"pk":{"s":"b"},"sk":{"n":"2"}}"""]);

        var run = await CliProcess.RunAsync(servers, ["import", "--source", file, "--format", "ddb-json", "--table", table, "--json"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("the format is probably wrong", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("as ddb-json", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("--format", run.Stderr, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(run.Stdout);
        var root = json.RootElement;
        Assert.Equal(1, root.GetProperty("exitCode").GetInt32());
        Assert.Contains("the format is probably wrong", root.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, root.GetProperty("itemsWritten").GetInt64());
        Assert.Equal(2, root.GetProperty("badLines").GetInt64());
    }

    [Fact]
    public async Task Estimate_OfASourceWithNoReadableRecord_Exits1_SayingTheFormatIsProbablyWrong()
    {
        string file = _c.Temp.Combine("items.json");
        await File.WriteAllLinesAsync(file, ["not json", "nor this"]);

        var run = await CliRunner.RunAsync("estimate", "--source", file, "--format", "ddb-json");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("could be read as ddb-json (given): the format is probably wrong", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("same")]
    [InlineData("inside")]
    public async Task Convert_IntoItsOwnSource_IsRefused_AndLeavesTheSourceAsItWas(string where)
    {
        string source = _c.Temp.Combine("source");
        Assert.Equal(0, (await CliRunner.RunAsync("generate", "--destination", source, "--items", "20", "--files", "2")).ExitCode);
        var before = Directory.GetFiles(source).ToDictionary(f => f, File.ReadAllBytes);
        string destination = where == "same" ? source : Path.Combine(source, "converted");

        var run = await CliRunner.RunAsync("convert", "--source", source, "--destination", destination, "--to", "data-pipeline");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("--destination", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(before.Keys.Order(), Directory.GetFiles(source).Order());
        Assert.All(before, f => Assert.Equal(f.Value, File.ReadAllBytes(f.Key)));
        Assert.False(Directory.Exists(Path.Combine(source, "converted")));
    }

    [Fact]
    public async Task Help_ListsTheExitCodesAndTheEnvironmentVariables()
    {
        foreach (var args in new[] { new[] { "--help" }, ["import", "--help"], ["export", "--help"] })
        {
            var run = await CliRunner.RunAsync(args);

            Assert.True(run.ExitCode == 0, run.ToString());
            foreach (var code in new[] { "0 ", "1 ", "2 ", "3 ", "130 " }) Assert.Contains($"\n  {code}", run.Stdout, StringComparison.Ordinal);
            foreach (var variable in new[] { "AWS_REGION", "AWS_PROFILE", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_S3", "AWS_SECRET_ACCESS_KEY" })
            {
                Assert.Contains(variable, run.Stdout, StringComparison.Ordinal);
            }
        }
    }

    private Task<string> CreateTableAsync() => _c.CreateTableAsync("cli-outcome");

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
