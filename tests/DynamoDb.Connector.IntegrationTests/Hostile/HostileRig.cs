using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.IntegrationTests.Cli;
using DynamoDb.Connector.IntegrationTests.Infrastructure;

namespace DynamoDb.Connector.IntegrationTests.Hostile;

/// <summary>
/// What the hostile-input tests share: a temporary folder for the files, a fresh dynalite table keyed pk (S) / sk (N)
/// per test, and the real CLI run in its own process, as a user meets it.
/// </summary>
public sealed class HostileRig(LocalServers servers) : IDisposable
{
    private readonly CliTestContext _c = new(servers);

    public TempFolder Temp => _c.Temp;

    public LocalServers Servers => servers;

    /// <summary>A data-pipeline line for key (pk, sk), with optional extra attributes as raw typed JSON.</summary>
    public static string DataPipeline(string pk, int sk, string extra = "") =>
        $$$"""{"pk":{"s":"{{{pk}}}"},"sk":{"n":"{{{sk}}}"}{{{(extra.Length > 0 ? "," + extra : "")}}}}""";

    /// <summary>A ddb-json line for key (pk, sk), with optional extra attributes as raw typed JSON.</summary>
    public static string DdbJson(string pk, int sk, string extra = "") =>
        $$$$"""{"Item":{"pk":{"S":"{{{{pk}}}}"},"sk":{"N":"{{{{sk}}}}"}{{{{(extra.Length > 0 ? "," + extra : "")}}}}}}""";

    /// <summary>Writes <paramref name="lines"/>, each ended by a line feed, to <paramref name="relativePath"/> under the temporary folder.</summary>
    public string WriteLines(string relativePath, params string[] lines)
    {
        string path = Temp.Combine(relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, string.Concat(lines.Select(l => l + "\n")));
        return path;
    }

    public Task<string> CreateTableAsync() => _c.CreateTableAsync("hostile");

    /// <summary>Runs <c>import --source <paramref name="source"/> --table <paramref name="table"/> --json</c> and the extra arguments.</summary>
    public Task<CliRunner.Run> ImportAsync(string source, string table, params string[] extra) =>
        CliProcess.RunAsync(servers, ["import", "--source", source, "--table", table, "--write-capacity", "5000", "--json", .. extra], TimeSpan.FromMinutes(4));

    public Task<List<Dictionary<string, AttributeValue>>> ScanAsync(string table) => TestTables.ScanAsync(_c.DynamoDb, table);

    /// <summary>The table's keys as <c>pk|sk</c>, sorted.</summary>
    public async Task<List<string>> KeysAsync(string table) =>
        [.. (await ScanAsync(table)).Select(TestTables.KeyOf).Order(StringComparer.Ordinal)];

    public void Dispose() => _c.Dispose();
}
