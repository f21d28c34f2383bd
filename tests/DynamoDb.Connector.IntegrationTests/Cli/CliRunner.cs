using System.Text.Json;
using DynamoDb.Connector.Cli;

namespace DynamoDb.Connector.IntegrationTests.Cli;

/// <summary>Runs the command line in this process, capturing stdout, stderr and the exit code.</summary>
public static class CliRunner
{
    public sealed record Run(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";

        /// <summary>The JSON summary the run printed on stdout (with <c>--json</c>).</summary>
        public JsonElement Json()
        {
            using var json = JsonDocument.Parse(Stdout);
            return json.RootElement.Clone();
        }
    }

    public static async Task<Run> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = await ConnectorCommandLine.RunAsync(args, stdout, stderr);
        return new Run(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs <paramref name="args"/> with <c>--json</c>, asserts that it exits 0, and returns the JSON summary.</summary>
    public static async Task<JsonElement> RunJsonAsync(params string[] args)
    {
        var run = await RunAsync([.. args, "--json"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        return run.Json();
    }
}

/// <summary>A temporary folder removed at the end of a test.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("connector-test-").FullName;

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
