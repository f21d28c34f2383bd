using System.Diagnostics;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.IntegrationTests.Infrastructure;

namespace DynamoDb.Connector.IntegrationTests.Cli;

/// <summary>Ctrl-C (SIGINT) to the real tool in its own process, mid-job against dynalite: it stops within seconds, exits 130 and says how to go on.</summary>
[Collection(LocalServersCollection.Name)]
public sealed class InterruptTests(LocalServers servers) : IDisposable
{
    private readonly CliTestContext _c = new(servers);

    public void Dispose() => _c.Dispose();

    [Fact]
    public async Task Import_InterruptedWithSigint_Exits130WithinSeconds_SayingToRerun_AndTheRerunFinishesTheTable()
    {
        string table = await _c.CreateTableAsync("cli-sigint");
        string source = _c.Temp.Combine("source");
        Assert.Equal(0, (await CliRunner.RunAsync("generate", "--destination", source, "--items", "3000", "--files", "3")).ExitCode);
        string checkpoint = _c.Temp.Combine("checkpoint");
        // 200 WCU/s: 15 s for the whole source, so the interrupt lands mid-import.
        string[] import = ["import", "--source", source, "--table", table, "--checkpoint", checkpoint, "--write-capacity", "200", "--checkpoint-interval", "1"];

        using var cli = CliProcess.Start(servers, import);
        await WaitUntilAsync(async () => await CountAsync(table) > 0, cli);
        var interruptedAt = Stopwatch.StartNew();
        Interrupt(cli);
        var run = await cli.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(run.ExitCode == 130, run.ToString());
        Assert.True(interruptedAt.Elapsed < TimeSpan.FromSeconds(10), $"took {interruptedAt.Elapsed} to stop\n{run}");
        Assert.Contains("rerun the same command to resume", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
        Assert.True(await CountAsync(table) < 3000, "the import had finished before the interrupt: the test proves nothing");

        var rerun = await CliProcess.RunAsync(servers, [.. import[..^4]]);
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        var compare = await CliProcess.RunAsync(servers, ["compare", "--source", source, "--table", table]);
        Assert.True(compare.ExitCode == 0, compare.ToString());
    }

    [Fact]
    public async Task Import_InterruptedWithoutCheckpoint_Exits130_SayingToAddCheckpoint()
    {
        string table = await _c.CreateTableAsync("cli-sigint");
        string source = _c.Temp.Combine("source");
        Assert.Equal(0, (await CliRunner.RunAsync("generate", "--destination", source, "--items", "3000", "--files", "1")).ExitCode);

        using var cli = CliProcess.Start(servers, ["import", "--source", source, "--table", table, "--write-capacity", "200", "--json"]);
        await WaitUntilAsync(async () => await CountAsync(table) > 0, cli);
        Interrupt(cli);
        var run = await cli.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(run.ExitCode == 130, run.ToString());
        Assert.Contains("add --checkpoint", run.Stderr, StringComparison.Ordinal);
        using var json = System.Text.Json.JsonDocument.Parse(run.Stdout);
        Assert.Equal(130, json.RootElement.GetProperty("exitCode").GetInt32());
    }

    [Fact]
    public async Task Export_InterruptedWithSigint_Exits130_SayingToRerun()
    {
        string table = await _c.CreateTableAsync("cli-sigint");
        await TestTables.PutAllAsync(_c.DynamoDb, table, TestTables.Plain(20, 100));
        string destination = _c.Temp.Combine("export");

        // 5 RCU/s: minutes for 2,000 items, so the interrupt lands mid-export.
        using var cli = CliProcess.Start(servers, ["export", "--table", table, "--destination", destination, "--read-capacity", "5", "--items-per-file", "10"]);
        await WaitUntilAsync(() => Task.FromResult(Directory.Exists(destination) && Directory.EnumerateFileSystemEntries(destination).Any()), cli);
        Interrupt(cli);
        var run = await cli.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(run.ExitCode == 130, run.ToString());
        Assert.Contains("rerun the same command to resume", run.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(destination, "manifest")));
    }

    private static void Interrupt(CliProcess cli)
    {
        using var kill = Process.Start("kill", ["-INT", cli.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    private async Task<long> CountAsync(string table)
    {
        long count = 0;
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await _c.DynamoDb.ScanAsync(new ScanRequest { TableName = table, Select = Select.COUNT, ExclusiveStartKey = start });
            count += page.Count ?? 0;
            start = page.LastEvaluatedKey is { Count: > 0 } key ? key : null;
        }
        while (start is not null);
        return count;
    }

    /// <summary>Polls a real process's progress (wall-clock waiting is the point: the tool runs on its own).</summary>
    private static async Task WaitUntilAsync(Func<Task<bool>> condition, CliProcess cli)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(1), $"the job never got going\n{cli.Output()}");
            Assert.True(cli.Output().ExitCode == -1, $"the job ended before the interrupt\n{cli.Output()}");
            await Task.Delay(100);
        }
    }
}
