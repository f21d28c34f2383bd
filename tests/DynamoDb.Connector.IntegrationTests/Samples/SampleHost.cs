using DynamoDb.Connector.IntegrationTests.Cli;
using DynamoDb.Connector.IntegrationTests.Infrastructure;

namespace DynamoDb.Connector.IntegrationTests.Samples;

/// <summary>
/// Runs a sample host of samples/ (built next to the tests: the test project references it) in its own process,
/// pointed at the local servers by the standard AWS variables, as a user runs it.
/// </summary>
public static class SampleHost
{
    public const string ImportPipeline = "ImportPipeline";
    public const string ExportWriter = "ExportWriter";

    /// <summary>Runs <paramref name="sample"/> with <paramref name="args"/> to its end (at most two minutes).</summary>
    public static Task<CliRunner.Run> RunAsync(LocalServers servers, string sample, params string[] args) =>
        ChildProcess.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, sample + ".dll"), .. args],
            AppContext.BaseDirectory, servers.Environment, TimeSpan.FromMinutes(2));
}
