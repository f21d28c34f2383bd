using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.S3;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.IntegrationTests.Export;
using DynamoDb.Connector.IntegrationTests.Infrastructure;
using DynamoDb.Connector.Storage;
using Microsoft.Extensions.Options;

namespace DynamoDb.Connector.IntegrationTests.Cli;

/// <summary>
/// <c>plan-export</c>, <c>run-export-segment</c> and <c>finish-export</c> against dynalite and s3rver: an export fanned
/// out as a Distributed Map would run it, each segment time-boxed at a read budget low enough that it continues.
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed class ExportFanOutCommandTests : IAsyncLifetime
{
    private readonly AmazonDynamoDBClient _client;
    private readonly AmazonS3Client _s3;
    private readonly S3ObjectStore _store;
    private readonly string _table = LocalServers.UniqueName("fan-export");
    private readonly string _copy = LocalServers.UniqueName("fan-copy");
    private readonly string _bucket = LocalServers.UniqueName("fan-export");
    private readonly TempFolder _temp = new();
    private readonly List<Dictionary<string, AttributeValue>> _items;

    public ExportFanOutCommandTests(LocalServers servers)
    {
        foreach (var (name, value) in servers.Environment) Environment.SetEnvironmentVariable(name, value);
        _client = servers.CreateDynamoDbClient();
        _s3 = servers.CreateS3Client();
        _store = new S3ObjectStore(_s3, Options.Create(new S3ObjectStoreOptions()));
        // About 2 KB each: at 1 RCU/s a page holds a few items and takes about a second.
        // 60 partition keys: dynalite spreads scan segments by partition key, so each of 3 segments gets some.
        _items = TestTables.Plain(60, 1);
        foreach (var item in _items) item["pad"] = new AttributeValue { S = new string('x', 2000) };
    }

    private string Plan => $"s3://{_bucket}/plan/";

    private string Destination => $"s3://{_bucket}/out/";

    public async Task InitializeAsync()
    {
        await TestTables.CreateTableAsync(_client, _table);
        await TestTables.PutAllAsync(_client, _table, _items);
        await _s3.PutBucketAsync(_bucket);
    }

    public async Task DisposeAsync()
    {
        await _client.DeleteTableAsync(_table);
        try { await _client.DeleteTableAsync(_copy); } catch (ResourceNotFoundException) { }
        _client.Dispose();
        _s3.Dispose();
        _temp.Dispose();
    }

    private async Task<List<string>> PlanAsync(int segments)
    {
        var plan = await CliRunner.RunJsonAsync("plan-export", "--table", _table, "--to", Destination, "--out", Plan, "--segments", segments.ToString(System.Globalization.CultureInfo.InvariantCulture), "--items-per-file", "7");
        Assert.Equal(segments, plan.GetProperty("segments").GetInt32());
        return [.. plan.GetProperty("segmentUris").EnumerateArray().Select(u => u.GetString()!)];
    }

    /// <summary>Runs a segment and its continuations until done; returns how many runs it took and the items they wrote.</summary>
    private async Task<(int Runs, long Written)> RunToDoneAsync(string segmentUri, string timeBudget)
    {
        string next = segmentUri;
        long written = 0;
        for (int runs = 1; ; runs++)
        {
            var summary = await CliRunner.RunJsonAsync("run-export-segment", "--segment", next, "--time-budget", timeBudget, "--read-capacity", "1");
            written += summary.GetProperty("itemsWritten").GetInt64();
            if (summary.GetProperty("done").GetBoolean()) return (runs, written);
            Assert.True(runs < 50, "each continuation gets further");
            next = _temp.Combine($"continuation-{Guid.NewGuid():N}.json");
            await File.WriteAllTextAsync(next, summary.GetProperty("continuation").GetRawText());
        }
    }

    private async Task<List<string>> ObjectsAsync(string prefix)
    {
        var uris = new List<string>();
        await foreach (var info in _store.ListAsync(prefix, recursive: true)) uris.Add(info.Uri);
        return [.. uris.Order(StringComparer.Ordinal)];
    }

    [Fact]
    public async Task FannedOutExport_TimeBoxedSegmentsContinueUntilDone_TheFinishedExportHoldsTheTable_AndImportsBackEqual()
    {
        var segments = await PlanAsync(3);
        Assert.Contains("\"exportSegmentUri\"", await new StreamReader(await _store.OpenReadAsync(Plan + "items.json")).ReadToEndAsync());

        long written = 0;
        foreach (var segment in segments)
        {
            var (runs, items) = await RunToDoneAsync(segment, "2s");
            Assert.True(runs >= 2, $"{segment} continued at least once (ran {runs} times)");
            written += items;
        }
        var finish = await CliRunner.RunJsonAsync("finish-export", "--plan", Plan);

        Assert.True(finish.GetProperty("done").GetBoolean());
        Assert.Equal(_items.Count, finish.GetProperty("itemsWritten").GetInt64());
        Assert.Equal(_items.Count, written);
        string manifestUri = finish.GetProperty("manifestUri").GetString()!;
        var (exported, manifest) = await ExportFixture.ReadEmrExportAsync(_store, manifestUri, ItemFileFormat.DataPipeline);
        Assert.Equal(_items.Select(TestTables.KeyOf).Order(StringComparer.Ordinal), exported.Select(TestTables.KeyOf).Order(StringComparer.Ordinal));
        // The destination holds exactly the manifest's parts and the manifest: no checkpoint, no orphan.
        Assert.Equal(manifest.Entries.Select(e => e.Url).Append(manifestUri).Order(StringComparer.Ordinal), await ObjectsAsync(Destination));

        await TestTables.CreateTableAsync(_client, _copy);
        var import = await CliRunner.RunAsync("import", "--source", Destination, "--table", _copy);
        Assert.True(import.ExitCode == 0, import.ToString());
        await TestTables.AssertTableHoldsAsync(_client, _copy, _items);
    }

    [Fact]
    public async Task FinishExport_BeforeEverySegmentIsDone_RefusesNamingThem()
    {
        var segments = await PlanAsync(3);
        await RunToDoneAsync(segments[1], "10m");

        var finish = await CliRunner.RunAsync("finish-export", "--plan", Plan);

        Assert.Equal(1, finish.ExitCode);
        Assert.Contains("segments 0, 2", finish.Stderr);
        Assert.DoesNotContain(await ObjectsAsync(Destination), uri => uri.EndsWith("/manifest", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunExportSegment_OfADoneSegment_WritesNothing_AndSaysDone()
    {
        var segments = await PlanAsync(2);
        await RunToDoneAsync(segments[0], "10m");
        var before = await ObjectsAsync(Destination);

        var again = await CliRunner.RunJsonAsync("run-export-segment", "--segment", segments[0]);

        Assert.True(again.GetProperty("done").GetBoolean());
        Assert.Equal(0, again.GetProperty("itemsWritten").GetInt64());
        Assert.Equal(JsonValueKind.Null, again.GetProperty("continuation").ValueKind);
        Assert.Equal(before, await ObjectsAsync(Destination));
    }

    [Fact]
    public async Task PlanExport_WithStateMachine_WritesTheExportDefinition_EndingInTheFinish()
    {
        string definition = _temp.Combine("export.asl.json");
        var run = await CliRunner.RunAsync("plan-export", "--table", _table, "--to", Destination, "--out", Plan, "--segments", "2", "--state-machine", definition, "--max-concurrency", "2");

        Assert.True(run.ExitCode == 0, run.ToString());
        string text = await File.ReadAllTextAsync(definition);
        Assert.Contains("finishExport", text);
        Assert.Contains("exportSegmentUri", text);
        Assert.Contains("Execution input", run.Stderr);
    }
}
