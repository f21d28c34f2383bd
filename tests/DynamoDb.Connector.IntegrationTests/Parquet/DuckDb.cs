using System.Diagnostics;
using System.Text.Json;
using DynamoDb.Connector.IntegrationTests.Infrastructure;

namespace DynamoDb.Connector.IntegrationTests.Parquet;

/// <summary>
/// DuckDB, an independent Parquet implementation, through eng/duckdb.js and the pinned @duckdb/node-api (installed by
/// eng/install-local-servers.sh, found like dynalite): it writes the Parquet files the import reads and reads back
/// what the export writes.
/// </summary>
internal static class DuckDb
{
    /// <summary>Runs the statements; returns the rows of the last one (DuckDB's JSON-safe values).</summary>
    public static async Task<JsonElement> RunAsync(params string[] statements)
    {
        string script = Path.Combine(LocalServers.RepositoryRoot, "eng", "duckdb.js");
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        foreach (string statement in statements) start.ArgumentList.Add(statement);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start node");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"DuckDB failed: {await stderr}");
        using var json = JsonDocument.Parse(await stdout);
        return json.RootElement.Clone();
    }

    /// <summary>A single-quoted SQL string literal of a path.</summary>
    public static string Quote(string path) => "'" + path.Replace("'", "''", StringComparison.Ordinal) + "'";
}
