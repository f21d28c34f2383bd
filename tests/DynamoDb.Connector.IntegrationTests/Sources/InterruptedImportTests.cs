using System.Globalization;
using System.Text.Json;
using DynamoDb.Connector.IntegrationTests.Cli;
using DynamoDb.Connector.IntegrationTests.Infrastructure;

namespace DynamoDb.Connector.IntegrationTests.Sources;

/// <summary>The real tool killed (kill -9) mid-import with bad lines being set aside, then run again with its checkpoint.</summary>
[Collection(LocalServersCollection.Name)]
public sealed class InterruptedImportTests(LocalServers servers) : IDisposable
{
    private readonly CliTestContext _c = new(servers);

    public void Dispose() => _c.Dispose();

    private static string[] TemporaryFiles(string folder) => Directory.Exists(folder) ? Directory.GetFiles(folder, ".*.tmp-*") : [];

    [Fact]
    public async Task Import_KilledWhileSettingLinesAside_ThenRerun_LeavesNoTemporaryDeadLetterFile_AndSetsEachLineAsideOnce()
    {
        string table = await _c.CreateTableAsync("killed-letters");
        try
        {
            string source = _c.Temp.Combine("items.json");
            var lines = Enumerable.Range(1, 3000).Select(i => i % 10 == 0
                ? "{\"Item\":{\"pk\":{\"S\":\"bad\"},\"sk\":{\"N\":\"not a number " + i.ToString(CultureInfo.InvariantCulture) + "\"}}}"
                : "{\"Item\":{\"pk\":{\"S\":\"p" + (i % 7).ToString(CultureInfo.InvariantCulture) + "\"},\"sk\":{\"N\":\"" + i.ToString(CultureInfo.InvariantCulture) + "\"}}}");
            await File.WriteAllLinesAsync(source, lines);
            string deadLetters = _c.Temp.Combine("rejects");
            string[] import = ["import", "--source", source, "--table", table, "--checkpoint", _c.Temp.Combine("checkpoint"), "--dead-letter", deadLetters,
                "--workers", "1", "--checkpoint-interval", "600"];

            // Slow (200 items/s), with one checkpoint at the end only: the kill lands while a dead-letter chunk is open.
            using (var first = CliProcess.Start(servers, [.. import, "--write-capacity", "200"]))
            {
                var deadline = DateTime.UtcNow.AddMinutes(1);
                while (TemporaryFiles(deadLetters).Length == 0 && DateTime.UtcNow < deadline) await Task.Delay(50);
                await Task.Delay(500);
                first.Kill();
                Assert.True(TemporaryFiles(deadLetters).Length == 1, $"no open dead-letter chunk at the kill\n{first.Output()}");
            }

            var rerun = await CliProcess.RunAsync(servers, [.. import, "--write-capacity", "100000"]);

            Assert.True(rerun.ExitCode == 3, rerun.ToString());
            Assert.Empty(TemporaryFiles(deadLetters));
            var letters = Directory.GetFiles(deadLetters, "*.jsonl").SelectMany(File.ReadAllLines).Where(l => l.Length > 0)
                .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("Error").GetProperty("line").GetInt64()).ToList();
            Assert.Equal(Enumerable.Range(1, 300).Select(i => i * 10L), letters.Order());
            Assert.Equal(2700, (await TestTables.ScanAsync(_c.DynamoDb, table)).Count);
        }
        finally
        {
            await _c.DynamoDb.DeleteTableAsync(table);
        }
    }
}
