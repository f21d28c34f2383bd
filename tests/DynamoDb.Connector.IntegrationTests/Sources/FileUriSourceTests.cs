using System.Text.Json;
using DynamoDb.Connector.IntegrationTests.Cli;
using DynamoDb.Connector.IntegrationTests.Infrastructure;

namespace DynamoDb.Connector.IntegrationTests.Sources;

/// <summary><c>file://</c> uris as a user writes them for a folder with a space: percent-escaped, as uris are.</summary>
[Collection(LocalServersCollection.Name)]
public sealed class FileUriSourceTests(LocalServers servers) : IDisposable
{
    private readonly CliTestContext _c = new(servers);

    public void Dispose() => _c.Dispose();

    private string FileUri(string path) => "file://" + string.Join('/', path.Split('/').Select(Uri.EscapeDataString));

    [Fact]
    public async Task ImportAndExport_ThroughFileUrisWithPercentEscapes_ReadAndWriteTheFoldersTheyName()
    {
        string table = LocalServers.UniqueName("file-uri");
        string copy = LocalServers.UniqueName("file-uri-copy");
        string data = _c.Temp.Combine("my data");
        Assert.Equal(0, (await CliRunner.RunAsync("generate", "--destination", data, "--items", "200", "--files", "2")).ExitCode);
        try
        {
            var import = await CliProcess.RunAsync(servers, ["import", "--source", FileUri(data) + "/", "--table", table, "--create-table", "--key", "pk:S,sk:N", "--write-capacity", "5000", "--json"]);
            Assert.True(import.ExitCode == 0, import.ToString());
            using (var json = JsonDocument.Parse(import.Stdout)) Assert.Equal(200, json.RootElement.GetProperty("itemsWritten").GetInt64());

            string exported = _c.Temp.Combine("my export");
            var export = await CliProcess.RunAsync(servers, ["export", "--table", table, "--destination", FileUri(exported) + "/", "--json"]);
            Assert.True(export.ExitCode == 0, export.ToString());
            Assert.True(File.Exists(Path.Combine(exported, "manifest")), $"no manifest in {exported}\n{export}");
            Assert.False(Directory.Exists(_c.Temp.Combine("my%20export")), "the export went to a folder named with the escape");

            var reimport = await CliProcess.RunAsync(servers, ["import", "--source", exported, "--table", copy, "--create-table", "--key", "pk:S,sk:N", "--write-capacity", "5000", "--json"]);
            Assert.True(reimport.ExitCode == 0, reimport.ToString());
            Assert.Equal(200, (await TestTables.ScanAsync(_c.DynamoDb, copy)).Count);
        }
        finally
        {
            foreach (var name in new[] { table, copy })
            {
                try { await _c.DynamoDb.DeleteTableAsync(name); } catch (Amazon.DynamoDBv2.Model.ResourceNotFoundException) { }
            }
        }
    }
}
