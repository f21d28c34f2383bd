using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.IntegrationTests.Infrastructure;

namespace DynamoDb.Connector.IntegrationTests.Cli;

/// <summary>
/// The <c>import</c>, <c>plan</c> and <c>run-split</c> verbs as a user runs them: the real tool in its own process,
/// against dynalite and s3rver.
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed class ImportCommandTests(LocalServers servers) : IDisposable
{
    private readonly CliTestContext _c = new(servers);

    public void Dispose() => _c.Dispose();

    [Fact]
    public async Task Import_FromS3_WithCreateTable_WritesEveryItem_AndPrintsTheJsonSummary()
    {
        string bucket = LocalServers.UniqueName("import");
        using var s3 = servers.CreateS3Client();
        await s3.PutBucketAsync(bucket);
        string table = LocalServers.UniqueName("cli-import");
        var generate = await CliProcess.RunAsync(servers, ["generate", "--destination", $"s3://{bucket}/backup/", "--items", "1500", "--files", "3", "--compression", "gzip", "--manifest"]);
        Assert.True(generate.ExitCode == 0, generate.ToString());

        var run = await CliProcess.RunAsync(servers, ["import", "--source", $"s3://{bucket}/backup/", "--table", table, "--create-table", "--key", "pk:S,sk:N", "--write-capacity", "5000", "--json"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(run.Stdout);
        var root = json.RootElement;
        Assert.False(root.GetProperty("verified").GetBoolean());
        Assert.Equal(1500, root.GetProperty("itemsRead").GetInt64());
        Assert.Equal(1500, root.GetProperty("itemsWritten").GetInt64());
        Assert.Equal(0, root.GetProperty("itemsDeadLettered").GetInt64());
        Assert.Equal(1500, root.GetProperty("consumedCapacityUnits").GetDouble());
        Assert.Equal(0, root.GetProperty("throttledRequests").GetInt64());
        Assert.Equal(0, root.GetProperty("retries").GetInt64());
        Assert.True(root.GetProperty("splits").GetInt32() >= 1);
        Assert.True(root.GetProperty("elapsedSeconds").GetDouble() > 0);
        Assert.Equal(1500, (await ScanAsync(table)).Count);
    }

    [Fact]
    public async Task Import_WithBadLines_SetsThemAsideWithFileAndLine_KeepsEveryGoodItem_AndExitsWith3()
    {
        string table = await CreateTableAsync();
        string file = _c.Temp.Combine("items.json");
        await File.WriteAllLinesAsync(file,
        [
            """{"Item":{"pk":{"S":"a"},"sk":{"N":"1"}}}""",
            """{"Item":{"pk":{"S":"b"},"sk":{"N":"2"},"n":{"N":"not a number"}}}""",
            """{"Item":{"pk":{"S":"c"},"sk":{"N":"3"}}}""",
            """{"Item":{"pk":{"S":"d"}}}""",
            """{"Item":{"pk":{"S":"e"},"sk":{"N":"5"}}}""",
        ]);
        string deadLetters = _c.Temp.Combine("rejects");

        var run = await CliProcess.RunAsync(servers, ["import", "--source", file, "--table", table, "--dead-letter", deadLetters, "--write-capacity", "1000", "--json"]);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains($"{file}:2: ", run.Stderr, StringComparison.Ordinal);
        Assert.Contains($"{file}:4: ", run.Stderr, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(run.Stdout);
        Assert.Equal(3, json.RootElement.GetProperty("itemsWritten").GetInt64());
        Assert.Equal(2, json.RootElement.GetProperty("itemsDeadLettered").GetInt64());
        Assert.Equal(["a", "c", "e"], (await ScanAsync(table)).Select(i => i["pk"].S).Order(StringComparer.Ordinal));

        var letters = Directory.GetFiles(deadLetters).SelectMany(File.ReadAllLines).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, letters.Count);
        var unreadable = Assert.Single(letters, l => l.TryGetProperty("Line", out _));
        Assert.Equal(2, unreadable.GetProperty("Error").GetProperty("line").GetInt64());
        Assert.Equal(file, unreadable.GetProperty("Error").GetProperty("source").GetString());
        Assert.Contains("not a number", unreadable.GetProperty("Line").GetString(), StringComparison.Ordinal);
        var keyless = Assert.Single(letters, l => l.TryGetProperty("Item", out _));
        Assert.Equal(4, keyless.GetProperty("Error").GetProperty("line").GetInt64());
        Assert.Equal("d", keyless.GetProperty("Item").GetProperty("pk").GetProperty("S").GetString());
    }

    [Fact]
    public async Task Import_OfAJsonFileWhoseFirstLineIsDamaged_SetsAsideThatLineOnly()
    {
        string table = await CreateTableAsync();
        string file = _c.Temp.Combine("items.json");
        await File.WriteAllLinesAsync(file,
        [
            """pk":{"S":"a"},"sk":{"N":"1"}}}""",
            """{"Item":{"pk":{"S":"b"},"sk":{"N":"2"}}}""",
            """{"Item":{"pk":{"S":"c"},"sk":{"N":"3"}}}""",
        ]);

        var run = await CliProcess.RunAsync(servers, ["import", "--source", file, "--table", table, "--write-capacity", "1000"]);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains($"{file}:1: ", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("bytes, ddb-json (detected from", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("the first line is not JSON (a damaged line?)", run.Stdout, StringComparison.Ordinal);
        Assert.Equal(["b", "c"], (await ScanAsync(table)).Select(i => i["pk"].S).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Import_KilledMidway_ThenRerunWithItsCheckpoint_EndsWithTheSameTable_AndRereadsNoFinishedSplit()
    {
        string table = await CreateTableAsync();
        string source = _c.Temp.Combine("source");
        var generate = await CliRunner.RunAsync("generate", "--destination", source, "--items", "6000", "--files", "6");
        Assert.True(generate.ExitCode == 0, generate.ToString());
        string checkpoint = _c.Temp.Combine("checkpoint");
        string[] import = ["import", "--source", source, "--table", table, "--checkpoint", checkpoint, "--split-size-mb", "0.0625", "--workers", "1", "--checkpoint-interval", "1"];

        // Slow enough (600 items/s) that the kill lands after the first split is done and before the last.
        using (var first = CliProcess.Start(servers, [.. import, "--write-capacity", "600"]))
        {
            await WaitUntilAsync(() => FinishedSplits(checkpoint) >= 1, first);
            first.Kill();
        }
        int finishedAtKill = FinishedSplits(checkpoint);
        var itemsAtKill = (await ScanAsync(table)).Count;
        Assert.InRange(itemsAtKill, 1, 5999);

        var rerun = await CliProcess.RunAsync(servers, [.. import, "--write-capacity", "5000", "--json"]);

        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        using var json = JsonDocument.Parse(rerun.Stdout);
        var root = json.RootElement;
        int splits = root.GetProperty("splits").GetInt32();
        Assert.True(splits > finishedAtKill, $"{splits} splits, {finishedAtKill} finished at the kill");
        Assert.Equal(finishedAtKill, root.GetProperty("splitsSkipped").GetInt32());
        Assert.True(root.GetProperty("itemsRead").GetInt64() <= 6000 - finishedAtKill * 6000 / splits + 6000 / splits, rerun.Stdout);
        var expected = await ReadItemsAsync(source);
        var actual = await ScanAsync(table);
        Assert.Equal(expected.Count, actual.Count);
        foreach (var (fromFile, fromTable) in Sorted(expected).Zip(Sorted(actual)))
        {
            Assert.Null(ItemComparer.Difference(StoredItems.Normalize(fromFile), fromTable));
        }
    }

    [Theory]
    [InlineData("ddb-json", "zstd")]
    [InlineData("data-pipeline", "gzip")]
    public async Task Export_ThenImportOfTheExport_GivesAnIdenticalTable(string format, string compression)
    {
        string source = _c.Temp.Combine("source");
        Assert.Equal(0, (await CliRunner.RunAsync("generate", "--destination", source, "--items", "300", "--files", "2")).ExitCode);
        string original = await CreateTableAsync();
        var load = await CliProcess.RunAsync(servers, ["import", "--source", source, "--table", original, "--write-capacity", "5000"]);
        Assert.True(load.ExitCode == 0, load.ToString());
        string export = _c.Temp.Combine("export");

        var exported = await CliProcess.RunAsync(servers, ["export", "--table", original, "--destination", export, "--format", format, "--compression", compression, "--json"]);
        Assert.True(exported.ExitCode == 0, exported.ToString());
        string copy = await CreateTableAsync();
        var imported = await CliProcess.RunAsync(servers, ["import", "--source", export, "--table", copy, "--write-capacity", "5000", "--json"]);

        Assert.True(imported.ExitCode == 0, imported.ToString());
        Assert.Equal(300, JsonDocument.Parse(imported.Stdout).RootElement.GetProperty("itemsWritten").GetInt64());
        var before = Sorted(await ScanAsync(original));
        var after = Sorted(await ScanAsync(copy));
        Assert.Equal(before.Count, after.Count);
        foreach (var (a, b) in before.Zip(after)) Assert.Null(ItemComparer.Difference(a, b));
    }

    [Fact]
    public async Task Import_WithVerify_OfAnExportWithACorruptedFile_WritesNothing_AndNamesTheFile()
    {
        string source = _c.Temp.Combine("source");
        Assert.Equal(0, (await CliRunner.RunAsync("generate", "--destination", source, "--items", "200", "--files", "2")).ExitCode);
        string original = await CreateTableAsync();
        Assert.Equal(0, (await CliProcess.RunAsync(servers, ["import", "--source", source, "--table", original, "--write-capacity", "5000"])).ExitCode);
        string export = _c.Temp.Combine("export");
        Assert.Equal(0, (await CliProcess.RunAsync(servers, ["export", "--table", original, "--destination", export])).ExitCode);
        string part = Directory.GetFiles(export).First(f => Path.GetFileName(f) != "manifest" && !Path.GetFileName(f).StartsWith('_'));
        var lines = await File.ReadAllLinesAsync(part);
        await File.WriteAllLinesAsync(part, lines[..^1]); // a line lost: the count and hash the manifest lists no longer match
        string copy = await CreateTableAsync();

        var run = await CliProcess.RunAsync(servers, ["import", "--source", export, "--table", copy, "--verify"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains(Path.GetFileName(part), run.Stderr, StringComparison.Ordinal);
        Assert.Empty(await ScanAsync(copy));
    }

    [Fact]
    public async Task RunSplit_TwoProcessesAtOnce_EachTakeHalfTheBudget_AndTogetherWriteEveryItem()
    {
        string table = await CreateTableAsync();
        string source = _c.Temp.Combine("source");
        var generate = await CliRunner.RunAsync("generate", "--destination", source, "--items", "1600", "--files", "2");
        Assert.True(generate.ExitCode == 0, generate.ToString());
        string splits = _c.Temp.Combine("splits");
        var plan = await CliRunner.RunAsync("plan", "--source", source, "--split-size-mb", "0.0625", "--out", splits, "--json");
        Assert.True(plan.ExitCode == 0, plan.ToString());
        var files = Directory.GetFiles(splits, "split-*.json").Order(StringComparer.Ordinal).ToList();
        Assert.True(files.Count >= 2, plan.ToString());
        Assert.Equal(files.Count, JsonDocument.Parse(plan.Stdout).RootElement.GetProperty("splits").GetArrayLength());

        // Two processes, each running half the splits, each told it is one of two: 400 WCU/s each, 800 together.
        string[] shared = ["--table", table, "--write-capacity", "800", "--processes", "2", "--json"];
        var halves = files.Chunk((files.Count + 1) / 2).ToList();
        var runs = halves.Select(half => Task.Run(async () =>
        {
            var results = new List<CliRunner.Run>();
            foreach (var split in half) results.Add(await CliProcess.RunAsync(servers, ["run-split", "--split", split, .. shared]));
            return results;
        })).ToList();
        var all = (await Task.WhenAll(runs)).SelectMany(r => r).ToList();

        foreach (var run in all) Assert.True(run.ExitCode == 0, run.ToString());
        var summaries = all.Select(r => JsonDocument.Parse(r.Stdout).RootElement).ToList();
        Assert.Equal(1600, summaries.Sum(s => s.GetProperty("itemsWritten").GetInt64()));
        // A process's first second may burst (the bucket holds a second of budget); after that it keeps to 400 WCU/s.
        // Had it taken the whole 800, its 800 items would have taken under 1 s.
        foreach (var (half, results) in halves.Zip(Chunked(summaries, halves)))
        {
            // run-split --json prints a SplitRunSummary; each generated item costs 1 WCU.
            double units = results.Sum(s => s.GetProperty("itemsWritten").GetInt64());
            double seconds = results.Sum(s => s.GetProperty("elapsedSeconds").GetDouble());
            Assert.True(seconds >= (units - 400 * half.Length) / 400 * 0.9, $"{units} WCU in {seconds} s over {half.Length} split(s)");
        }
        Assert.Equal(1600, (await ScanAsync(table)).Count);
    }

    [Fact]
    public async Task RunSplit_FromStdin_RunsTheSplit()
    {
        string table = await CreateTableAsync();
        string source = _c.Temp.Combine("source");
        Assert.Equal(0, (await CliRunner.RunAsync("generate", "--destination", source, "--items", "100", "--files", "1")).ExitCode);
        string splits = _c.Temp.Combine("splits");
        Assert.Equal(0, (await CliRunner.RunAsync("plan", "--source", source, "--out", splits)).ExitCode);
        string split = await File.ReadAllTextAsync(Path.Combine(splits, "split-000000.json"));

        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var env = servers.Environment;
        // In-process, with stdin given: the verb reads the split from it.
        int code = await RunWithEnvironmentAsync(env, () => DynamoDb.Connector.Cli.ConnectorCommandLine.RunAsync(["run-split", "--split", "-", "--table", table, "--json"], stdout, stderr, new StringReader(split)));

        Assert.True(code == 0, $"{stdout}\n{stderr}");
        Assert.Equal(100, JsonDocument.Parse(stdout.ToString()).RootElement.GetProperty("itemsWritten").GetInt64());
    }

    [Fact]
    public async Task RunSplit_WithATimeBudget_StopsMidSplit_AndItsContinuationsGoOnUntilTheTableEqualsTheSource()
    {
        string table = await CreateTableAsync();
        string source = _c.Temp.Combine("source");
        Assert.Equal(0, (await CliRunner.RunAsync("generate", "--destination", source, "--items", "600", "--files", "1")).ExitCode);
        string splits = _c.Temp.Combine("splits");
        Assert.Equal(0, (await CliRunner.RunAsync("plan", "--source", source, "--out", splits)).ExitCode);
        // 600 items of 1 WCU at 100 WCU/s: about 6 s of writing, against 3 s per run.
        string[] options = ["--table", table, "--write-capacity", "100", "--time-budget", "3s", "--checkpoint", _c.Temp.Combine("checkpoint"), "--json"];
        string split = Path.Combine(splits, "split-000000.json");
        var summaries = new List<JsonElement>();
        string? last = null;

        while (true)
        {
            Assert.True(summaries.Count < 30, "the continuations do not end");
            var run = await CliProcess.RunAsync(servers, ["run-split", "--split", split, .. options]);
            Assert.True(run.ExitCode == 0, run.ToString());
            // Nothing but the one summary on stdout.
            var summary = JsonDocument.Parse(run.Stdout).RootElement.Clone();
            summaries.Add(summary);
            Assert.True(summary.GetProperty("elapsedSeconds").GetDouble() <= 3, run.Stdout);
            if (summary.GetProperty("done").GetBoolean())
            {
                Assert.Equal(JsonValueKind.Null, summary.GetProperty("continuation").ValueKind);
                break;
            }
            last = summary.GetProperty("continuation").GetRawText();
            Assert.Contains("\"from\"", last, StringComparison.Ordinal);
            split = _c.Temp.Combine($"continuation-{summaries.Count}.json");
            await File.WriteAllTextAsync(split, last);
        }

        Assert.True(summaries.Count >= 2, $"{summaries.Count} run(s): the split never stopped mid-way");
        Assert.Equal(600, summaries.Sum(s => s.GetProperty("itemsRead").GetInt64()));
        Assert.Equal(600, summaries.Sum(s => s.GetProperty("itemsWritten").GetInt64()));
        await TestTables.AssertTableHoldsAsync(_c.DynamoDb, table, (await ReadItemsAsync(source)).Select(StoredItems.Normalize));

        // The last continuation again (a retried invocation): its checkpoint says the split is done.
        var again = await CliProcess.RunAsync(servers, ["run-split", "--split", split, .. options]);
        Assert.True(again.ExitCode == 0, again.ToString());
        var rerun = JsonDocument.Parse(again.Stdout).RootElement;
        Assert.True(rerun.GetProperty("done").GetBoolean(), again.Stdout);
        Assert.Equal(0, rerun.GetProperty("itemsRead").GetInt64());
        Assert.Equal(0, rerun.GetProperty("itemsWritten").GetInt64());
    }

    [Fact]
    public async Task Import_IntoAMissingTable_FailsWithAnErrorNamingIt()
    {
        string source = _c.Temp.Combine("source");
        Assert.Equal(0, (await CliRunner.RunAsync("generate", "--destination", source, "--items", "10", "--files", "1")).ExitCode);

        var run = await CliProcess.RunAsync(servers, ["import", "--source", source, "--table", "no-such-table"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("Table 'no-such-table' does not exist", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("add --create-table --key pk:S[,sk:N] to create it", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--write-percent", "0.5", "--write-capacity", "100")]
    [InlineData("--create-table", null, null, null)]
    [InlineData("--mode", "put-if", null, null)]
    [InlineData("--mode", "upsert", null, null)]
    public async Task Import_WithConflictingOrIncompleteOptions_IsAUsageError(string option, string? value, string? option2, string? value2)
    {
        string[] args = ["import", "--source", _c.Temp.Path, "--table", "t-any", option, .. value is null ? [] : new[] { value }, .. option2 is null ? [] : new[] { option2, value2! }];

        var run = await CliRunner.RunAsync(args);

        Assert.True(run.ExitCode == 2, run.ToString());
    }

    private static IEnumerable<List<JsonElement>> Chunked(List<JsonElement> summaries, List<string[]> halves)
    {
        int at = 0;
        foreach (var half in halves)
        {
            yield return summaries.GetRange(at, half.Length);
            at += half.Length;
        }
    }

    private static async Task<int> RunWithEnvironmentAsync(IReadOnlyDictionary<string, string> env, Func<Task<int>> run)
    {
        var saved = env.Keys.ToDictionary(k => k, Environment.GetEnvironmentVariable);
        foreach (var (name, value) in env) Environment.SetEnvironmentVariable(name, value);
        try
        {
            return await run();
        }
        finally
        {
            foreach (var (name, value) in saved) Environment.SetEnvironmentVariable(name, value);
        }
    }

    private static int FinishedSplits(string checkpoint)
    {
        string folder = Path.Combine(checkpoint, "splits");
        if (!Directory.Exists(folder)) return 0;
        int done = 0;
        foreach (var file in Directory.GetFiles(folder, "*.json"))
        {
            try
            {
                if (JsonDocument.Parse(File.ReadAllText(file)).RootElement.GetProperty("done").GetBoolean()) done++;
            }
            catch (Exception e) when (e is IOException or JsonException)
            {
                // Being replaced right now: counted next time.
            }
        }
        return done;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CliProcess process)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!condition())
        {
            if (process.Output().ExitCode != -1) throw new InvalidOperationException($"The import ended before it could be killed.\n{process.Output()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Condition not met.\n{process.Output()}");
            await Task.Delay(50);
        }
    }

    private Task<string> CreateTableAsync() => _c.CreateTableAsync("cli-import");

    private Task<List<Dictionary<string, AttributeValue>>> ScanAsync(string table) => TestTables.ScanAsync(_c.DynamoDb, table);

    private static async Task<List<Dictionary<string, AttributeValue>>> ReadItemsAsync(string folder)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        foreach (var file in Directory.GetFiles(folder).Where(f => !Path.GetFileName(f).StartsWith('_') && Path.GetFileName(f) != "manifest"))
        {
            await using var reader = ItemFiles.OpenReader(File.OpenRead(file), ItemFileFormat.DataPipeline, new ItemReaderOptions { SourceName = file });
            while (await reader.ReadAsync() is { } record) items.Add(record.Item);
        }
        return items;
    }

    private static List<Dictionary<string, AttributeValue>> Sorted(List<Dictionary<string, AttributeValue>> items) =>
        [.. items.OrderBy(i => i["pk"].S, StringComparer.Ordinal).ThenBy(i => decimal.Parse(i["sk"].N, System.Globalization.CultureInfo.InvariantCulture))];
}
