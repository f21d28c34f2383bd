using Amazon.DynamoDBv2;
using Amazon.S3;
using DynamoDb.Connector.IntegrationTests.Cli;
using DynamoDb.Connector.IntegrationTests.Infrastructure;

namespace DynamoDb.Connector.IntegrationTests.Samples;

/// <summary>
/// samples/ExportWriter, run as a process against s3rver through the standard AWS variables: the export it writes of
/// items it makes itself is one the CLI imports, and the table then equals it item for item (the CLI's compare).
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed class ExportWriterSampleTests : IAsyncLifetime
{
    private readonly LocalServers _servers;
    private readonly AmazonDynamoDBClient _client;
    private readonly AmazonS3Client _s3;
    private readonly string _bucket = LocalServers.UniqueName("sample-export");
    private readonly string _table = LocalServers.UniqueName("sample-orders");

    public ExportWriterSampleTests(LocalServers servers)
    {
        _servers = servers;
        // The in-process CLI (which imports and compares the result) builds its clients from the environment.
        foreach (var (name, value) in servers.Environment) Environment.SetEnvironmentVariable(name, value);
        _client = servers.CreateDynamoDbClient();
        _s3 = servers.CreateS3Client();
    }

    public Task InitializeAsync() => _s3.PutBucketAsync(_bucket);

    public async Task DisposeAsync()
    {
        try { await _client.DeleteTableAsync(_table); } catch (Amazon.DynamoDBv2.Model.ResourceNotFoundException) { }
        _client.Dispose();
        _s3.Dispose();
    }

    [Theory]
    [InlineData("Emr")]
    [InlineData("Native")]
    public async Task TheSamplesExport_ImportsIntoATable_ThatEqualsItItemForItem(string layout)
    {
        string destination = $"s3://{_bucket}/orders-{layout.ToLowerInvariant()}/";

        var run = await SampleHost.RunAsync(_servers, SampleHost.ExportWriter, "--Destination", destination, "--Orders", "2500", "--OrdersPerPart", "1000", "--Layout", layout);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("parts: 3", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("items: 2500", run.Stdout, StringComparison.Ordinal);
        var import = await CliRunner.RunAsync("import", "--source", destination, "--table", _table, "--create-table", "--key", "pk:S,sk:N", "--verify");
        Assert.True(import.ExitCode == 0, import.ToString());
        Assert.Equal(2500, (await TestTables.ScanAsync(_client, _table)).Count);
        var compare = await CliRunner.RunAsync("compare", "--source", destination, "--table", _table);
        Assert.True(compare.ExitCode == 0, compare.ToString());
        Assert.Contains("equal:       yes", compare.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACompleteExport_IsNotWrittenAgain()
    {
        string destination = $"s3://{_bucket}/orders-again/";
        var first = await SampleHost.RunAsync(_servers, SampleHost.ExportWriter, "--Destination", destination, "--Orders", "10");
        Assert.True(first.ExitCode == 0, first.ToString());

        var again = await SampleHost.RunAsync(_servers, SampleHost.ExportWriter, "--Destination", destination, "--Orders", "20");

        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains("is complete already", again.Stderr + again.Stdout, StringComparison.Ordinal);
        // The first export is untouched: still its 10 orders.
        var import = await CliRunner.RunAsync("import", "--source", destination, "--table", _table, "--create-table", "--key", "pk:S,sk:N", "--verify");
        Assert.True(import.ExitCode == 0, import.ToString());
        Assert.Equal(10, (await TestTables.ScanAsync(_client, _table)).Count);
    }
}
