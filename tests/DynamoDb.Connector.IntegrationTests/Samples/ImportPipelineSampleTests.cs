using System.Text.RegularExpressions;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.S3;
using DynamoDb.Connector.IntegrationTests.Cli;
using DynamoDb.Connector.IntegrationTests.Infrastructure;

namespace DynamoDb.Connector.IntegrationTests.Samples;

/// <summary>
/// samples/ImportPipeline, run as a process against dynalite and s3rver through the standard AWS variables: the
/// source is an EMR export the CLI made of known items, and the target table must end up holding exactly those items,
/// transformed, each once, also across a stop and a rerun.
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed partial class ImportPipelineSampleTests : IAsyncLifetime
{
    private readonly LocalServers _servers;
    private readonly AmazonDynamoDBClient _client;
    private readonly AmazonS3Client _s3;
    private readonly string _bucket = LocalServers.UniqueName("sample-import");
    private readonly string _sourceTable = LocalServers.UniqueName("sample-source");
    private readonly string _table = LocalServers.UniqueName("sample-target");
    private readonly List<Dictionary<string, AttributeValue>> _items = TestTables.Plain(10, 300);

    public ImportPipelineSampleTests(LocalServers servers)
    {
        _servers = servers;
        // The in-process CLI (which makes the source and reads results) builds its clients from the environment.
        foreach (var (name, value) in servers.Environment) Environment.SetEnvironmentVariable(name, value);
        _client = servers.CreateDynamoDbClient();
        _s3 = servers.CreateS3Client();
    }

    private string Source => $"s3://{_bucket}/source/";

    private readonly string _checkpoints = LocalServers.UniqueName("sample-checkpoints");

    public async Task InitializeAsync()
    {
        await _s3.PutBucketAsync(_bucket);
        await TestTables.CreateTableAsync(_client, _sourceTable, indexes: false);
        await TestTables.PutAllAsync(_client, _sourceTable, _items);
        // 3,000 items in uncompressed part files of 1,000 (about 130 KB) with an EMR manifest: with --SplitBytes 65536
        // the plan cuts them into several splits that may run at once (an export holds each key once).
        var export = await CliRunner.RunAsync("export", "--table", _sourceTable, "--destination", Source, "--items-per-file", "1000");
        Assert.True(export.ExitCode == 0, export.ToString());
        await TestTables.CreateTableAsync(_client, _table, indexes: false);
    }

    public async Task DisposeAsync()
    {
        await _client.DeleteTableAsync(_sourceTable);
        await _client.DeleteTableAsync(_table);
        try { await _client.DeleteTableAsync(_checkpoints); } catch (ResourceNotFoundException) { }
        _client.Dispose();
        _s3.Dispose();
    }

    private Task<CliRunner.Run> RunSampleAsync(params string[] more) =>
        SampleHost.RunAsync(_servers, SampleHost.ImportPipeline, ["--Source", Source, "--Table", _table, "--Checkpoints", _checkpoints, "--CheckpointEvery", "200", "--SplitBytes", "65536", .. more]);

    private IEnumerable<Dictionary<string, AttributeValue>> Transformed(IEnumerable<Dictionary<string, AttributeValue>> items) =>
        items.Select(item => new Dictionary<string, AttributeValue>(item) { ["pipeline"] = new AttributeValue { S = "import-pipeline-sample" } });

    [Fact]
    public async Task TheSample_ImportsEveryItemOfTheSource_Transformed_IntoTheTable()
    {
        var run = await RunSampleAsync();

        Assert.True(run.ExitCode == 0, run.ToString());
        var result = Result.Of(run);
        Assert.Equal(3000, result.ItemsWritten);
        Assert.True(result.Splits > 1, run.ToString());
        Assert.Equal((result.Splits, 0), (result.SplitsDone, result.SplitsAlreadyDone));
        Assert.Contains("complete", run.Stdout, StringComparison.Ordinal);
        await TestTables.AssertTableHoldsAsync(_client, _table, Transformed(_items));
    }

    [Fact]
    public async Task StoppedAtMaxItems_TheTableHoldsWhatWasCheckpointed_AndARerunResumesAndWritesOnlyTheRest()
    {
        var first = await RunSampleAsync("--MaxItems", "1300", "--Workers", "1");

        Assert.True(first.ExitCode == 0, first.ToString());
        var stopped = Result.Of(first);
        Assert.Equal(1300, stopped.ItemsWritten);
        Assert.True(stopped.SplitsDone >= 1 && stopped.SplitsDone < stopped.Splits, first.ToString());
        Assert.Contains("stopped at --MaxItems", first.Stdout, StringComparison.Ordinal);
        Assert.Equal(1300, (await TestTables.ScanAsync(_client, _table)).Count);

        var rerun = await RunSampleAsync();

        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        // A rerun that started over would write 3,000: it skips the splits done and writes the rest after the checkpoints.
        var resumed = Result.Of(rerun);
        Assert.Equal(1700, resumed.ItemsWritten);
        Assert.Equal(stopped.SplitsDone, resumed.SplitsAlreadyDone);
        await TestTables.AssertTableHoldsAsync(_client, _table, Transformed(_items));

        var again = Result.Of(await RunSampleAsync());
        Assert.Equal((0L, again.Splits), (again.ItemsWritten, again.SplitsAlreadyDone));
    }

    [Fact]
    public async Task ASourceWhoseFilesChangedSinceItsCheckpoints_IsRefused_BeforeAnythingIsWritten()
    {
        var first = await RunSampleAsync("--MaxItems", "10");
        Assert.True(first.ExitCode == 0, first.ToString());
        var export = await CliRunner.RunAsync("export", "--table", _sourceTable, "--destination", Source, "--items-per-file", "700", "--overwrite");
        Assert.True(export.ExitCode == 0, export.ToString());

        var run = await RunSampleAsync();

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("belong to another plan", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(10, (await TestTables.ScanAsync(_client, _table)).Count); // only what the first run wrote
    }

    /// <summary>The counts the sample prints.</summary>
    private sealed partial record Result(int Splits, int SplitsDone, int SplitsAlreadyDone, long ItemsWritten)
    {
        public static Result Of(CliRunner.Run run)
        {
            var splits = SplitsLine().Match(run.Stdout);
            var written = WrittenLine().Match(run.Stdout);
            Assert.True(splits.Success && written.Success, run.ToString());
            return new Result(int.Parse(splits.Groups[1].Value), int.Parse(splits.Groups[2].Value), int.Parse(splits.Groups[3].Value), long.Parse(written.Groups[1].Value));
        }

        [GeneratedRegex(@"^splits: (\d+) \((\d+) done in this run, (\d+) already done\)", RegexOptions.Multiline)]
        private static partial Regex SplitsLine();

        [GeneratedRegex(@"^items written: (\d+)", RegexOptions.Multiline)]
        private static partial Regex WrittenLine();
    }
}
