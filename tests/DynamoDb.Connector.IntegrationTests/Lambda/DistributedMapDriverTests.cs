using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.IntegrationTests.Cli;
using DynamoDb.Connector.IntegrationTests.Export;
using DynamoDb.Connector.IntegrationTests.Infrastructure;
using DynamoDb.Connector.IntegrationTests.Samples;
using DynamoDb.Connector.Storage;

namespace DynamoDb.Connector.IntegrationTests.Lambda;

/// <summary>
/// A Step Functions Distributed Map's semantics, played locally over a planned import: every split of <c>plan --out</c>
/// is a map item, N workers (operating-system processes of samples/LambdaFunction, each invocation its own
/// <c>bootstrap --invoke</c>, the function's Stream entry point) take items, and a split whose answer says
/// <c>done: false</c> is invoked again with the continuation it returned, until done. Against dynalite. The function
/// is the JIT build, or the Native AOT binary <see cref="LambdaBinary.Variable"/> names.
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed class DistributedMapDriverTests(LocalServers servers) : IDisposable
{
    private const int Workers = 3;
    private readonly TempFolder _temp = new();
    private readonly AmazonDynamoDBClient _dynamoDb = servers.CreateDynamoDbClient();

    public void Dispose()
    {
        _temp.Dispose();
        _dynamoDb.Dispose();
    }

    [Fact]
    public async Task AMapOfTimeBoxedInvocations_OverThreeProcesses_SharingOneCheckpoint_ImportsThePlanItemForItem_AndARerunWritesNothing()
    {
        string source = _temp.Combine("source");
        Assert.Equal(0, (await CliRunner.RunAsync("generate", "--destination", source, "--items", "900", "--files", "3")).ExitCode);
        string planFolder = _temp.Combine("plan");
        var plan = await CliRunner.RunAsync("plan", "--source", source, "--split-size-mb", "0.16", "--out", planFolder);
        Assert.True(plan.ExitCode == 0, plan.ToString());
        var splits = Directory.GetFiles(planFolder, "split-*.json").Order(StringComparer.Ordinal).ToList();
        Assert.True(splits.Count >= Workers, plan.ToString());
        // 60 WCU/s shared by the 3 invocations running at once: 20 each, so a split (a file of 300 items) takes some
        // 15 s of writing, more than a writer holds: a 6 s budget makes every split hand on a continuation (and leaves
        // each invocation, past its start and its hard deadline 2 s before the end, a few seconds of writing).
        string table = await CreateTableAsync(writeUnits: 60);
        var shared = new JsonObject
        {
            ["table"] = table,
            ["timeBudgetSeconds"] = 6,
            ["maxConcurrency"] = Workers,
            ["writePercent"] = 100,
        };
        // One checkpoint folder for every split, as the state machine passes it (invocation.checkpointUri): a split run
        // takes no lease and records its position under its own index, so invocations of different splits neither
        // wait on each other nor overwrite each other's records.
        string checkpoint = _temp.Combine("checkpoints");
        string Checkpoints(string splitUri) => checkpoint;

        var first = await RunMapAsync(splits, shared, Checkpoints);

        Assert.All(first, run => Assert.True(run.Invocations.Count >= 2, $"{run.SplitUri} ended in {run.Invocations.Count} invocation(s): its budget did not cut it short"));
        Assert.All(first, run => Assert.True(run.Invocations[^1].GetProperty("done").GetBoolean()));
        Assert.All(first.SelectMany(r => r.Invocations.SkipLast(1)), answer => Assert.Equal(JsonValueKind.Object, answer.GetProperty("continuation").ValueKind));
        long written = first.SelectMany(r => r.Invocations).Sum(a => a.GetProperty("itemsWritten").GetInt64());
        Assert.True(written >= 900, $"{written} items written");
        var compare = await CliProcess.RunAsync(servers, ["compare", "--source", source, "--table", table]);
        Assert.True(compare.ExitCode == 0, compare.ToString());

        // The same plan again: every split's checkpoint says it is done, so nothing is read or written.
        var rerun = await RunMapAsync(splits, shared, Checkpoints);

        Assert.All(rerun, run => Assert.Single(run.Invocations));
        Assert.All(rerun, run => Assert.True(run.Invocations[0].GetProperty("done").GetBoolean()));
        Assert.Equal(0, rerun.Sum(r => r.Invocations[0].GetProperty("itemsWritten").GetInt64()));
        Assert.Equal(900, (await TestTables.ScanAsync(_dynamoDb, table)).Count);
    }

    [Fact]
    public async Task TheTimeBudget_ComesFromTheEnvironment_WhenThePayloadGivesNone()
    {
        string source = _temp.Combine("source");
        Assert.Equal(0, (await CliRunner.RunAsync("generate", "--destination", source, "--items", "300", "--files", "1")).ExitCode);
        string planFolder = _temp.Combine("plan");
        Assert.Equal(0, (await CliRunner.RunAsync("plan", "--source", source, "--out", planFolder)).ExitCode);
        string split = Directory.GetFiles(planFolder, "split-*.json").Order(StringComparer.Ordinal).First();
        string table = await CreateTableAsync(writeUnits: 20);
        var payload = new JsonObject { ["table"] = table, ["splitUri"] = split, ["writePercent"] = 100 };

        var answer = await InvokeAsync(payload, new Dictionary<string, string> { ["CONNECTOR_TIME_BUDGET_SECONDS"] = "2" });

        Assert.False(answer.GetProperty("done").GetBoolean());
        Assert.Equal(JsonValueKind.Object, answer.GetProperty("continuation").ValueKind);
        Assert.InRange(answer.GetProperty("itemsWritten").GetInt64(), 1, 299);
    }

    [Fact]
    public async Task AMapOfTimeBoxedExportSegments_ThenFinishExport_WritesAManifestWhosePartsHoldTheTableItemForItem()
    {
        // About 2 KB each: at 1 RCU/s a page holds a few items and takes about a second, so a 4 s budget continues
        // (and leaves a run, past its start, time for a page before its hard deadline 1 s before the end).
        var items = TestTables.Plain(60, 1);
        foreach (var item in items) item["pad"] = new AttributeValue { S = new string('x', 2000) };
        // 3 RCU/s shared by the 3 invocations running at once (maxConcurrency): 1 each.
        string table = await CreateTableAsync(writeUnits: 1000, readUnits: Workers);
        await TestTables.PutAllAsync(_dynamoDb, table, items);
        string destination = _temp.Combine("export") + Path.DirectorySeparatorChar;
        string planFolder = _temp.Combine("export-plan");
        var plan = await CliProcess.RunAsync(servers, ["plan-export", "--table", table, "--to", destination, "--out", planFolder, "--segments", "3", "--items-per-file", "7"]);
        Assert.True(plan.ExitCode == 0, plan.ToString());
        var segments = Directory.GetFiles(planFolder, "segment-*.json").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(3, segments.Count);
        var shared = new JsonObject { ["timeBudgetSeconds"] = 4, ["maxConcurrency"] = Workers, ["readPercent"] = 100 };

        var runs = await RunMapAsync(segments, shared, "exportSegmentUri", "exportSegment");
        var finish = await InvokeAsync(new JsonObject { ["finishExport"] = planFolder });

        Assert.Contains(runs, run => run.Invocations.Count >= 2);
        Assert.All(runs, run => Assert.True(run.Invocations[^1].GetProperty("done").GetBoolean()));
        Assert.Equal(items.Count, runs.SelectMany(r => r.Invocations).Sum(a => a.GetProperty("itemsWritten").GetInt64()));
        Assert.True(finish.GetProperty("done").GetBoolean(), finish.ToString());
        Assert.Equal(items.Count, finish.GetProperty("itemsWritten").GetInt64());
        var (exported, _) = await ExportFixture.ReadEmrExportAsync(new LocalFileObjectStore(), finish.GetProperty("manifestUri").GetString()!, ItemFileFormat.DataPipeline);
        Assert.Equal(items.Select(TestTables.KeyOf).Order(StringComparer.Ordinal), exported.Select(TestTables.KeyOf).Order(StringComparer.Ordinal));
        Assert.All(exported, item => Assert.Equal(2000, item["pad"].S.Length));
    }

    [Fact]
    public async Task ABadPayload_FailsTheInvocation_NamingTheReason()
    {
        var run = await LambdaBinary.InvokeAsync(servers, """{"splitUri":"/nowhere/split-0000.json"}""", new Dictionary<string, string>());

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("payload: \"table\" (the table to import into) is missing.", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(run.Stdout);
    }

    /// <summary>The map: <see cref="Workers"/> workers take splits from one queue; each runs its split to done, invocation by invocation.</summary>
    private async Task<List<SplitRun>> RunMapAsync(IReadOnlyList<string> splits, JsonObject shared, Func<string, string> checkpoints) =>
        await RunMapAsync(splits, shared, "splitUri", "split", checkpoints);

    /// <summary>The map over any items: <paramref name="uriField"/> names an item's document, <paramref name="continuationField"/> a continuation.</summary>
    private async Task<List<SplitRun>> RunMapAsync(IReadOnlyList<string> splits, JsonObject shared, string uriField, string continuationField, Func<string, string>? checkpoints = null)
    {
        var items = new ConcurrentQueue<string>(splits);
        var runs = new ConcurrentBag<SplitRun>();
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            while (items.TryDequeue(out var splitUri))
            {
                var run = new SplitRun(splitUri, []);
                var request = new JsonObject { [uriField] = splitUri };
                while (true)
                {
                    var payload = (JsonObject)shared.DeepClone();
                    if (checkpoints is not null) payload["checkpointUri"] = checkpoints(splitUri);
                    foreach (var (name, value) in request) payload[name] = value?.DeepClone();
                    var answer = await InvokeAsync(payload);
                    run.Invocations.Add(answer);
                    if (answer.GetProperty("done").GetBoolean()) break;
                    Assert.True(run.Invocations.Count < 30, $"{splitUri} is not done after 30 invocations: {answer}");
                    request = new JsonObject { [continuationField] = JsonNode.Parse(answer.GetProperty("continuation").GetRawText()) };
                }
                runs.Add(run);
            }
        })));
        return [.. runs.OrderBy(r => r.SplitUri, StringComparer.Ordinal)];
    }

    private async Task<JsonElement> InvokeAsync(JsonObject payload, IReadOnlyDictionary<string, string>? environment = null)
    {
        var run = await LambdaBinary.InvokeAsync(servers, payload.ToJsonString(), environment ?? new Dictionary<string, string>());
        Assert.True(run.ExitCode == 0, run.ToString());
        return JsonDocument.Parse(run.Stdout).RootElement.Clone();
    }

    private async Task<string> CreateTableAsync(int writeUnits, int readUnits = 1000)
    {
        string name = LocalServers.UniqueName("lambda-map");
        await _dynamoDb.CreateTableAsync(new CreateTableRequest
        {
            TableName = name,
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH), new KeySchemaElement("sk", KeyType.RANGE)],
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S), new AttributeDefinition("sk", ScalarAttributeType.N)],
            ProvisionedThroughput = new ProvisionedThroughput(readUnits, writeUnits),
        });
        // dynalite makes a table ACTIVE a moment after CreateTable returns: ask until it is (no sleeping).
        for (int i = 0; i < 1000 && (await _dynamoDb.DescribeTableAsync(name)).Table.TableStatus != TableStatus.ACTIVE; i++)
        {
        }
        return name;
    }

    private sealed record SplitRun(string SplitUri, List<JsonElement> Invocations);
}
