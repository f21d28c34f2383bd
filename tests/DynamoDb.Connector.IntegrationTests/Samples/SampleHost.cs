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

    /// <summary>samples/LambdaFunction: its assembly is named bootstrap, as Lambda's custom runtime wants the executable.</summary>
    public const string LambdaFunction = "bootstrap";

    /// <summary>Runs <paramref name="sample"/> with <paramref name="args"/> to its end (at most two minutes).</summary>
    public static Task<CliRunner.Run> RunAsync(LocalServers servers, string sample, params string[] args) =>
        ChildProcess.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, sample + ".dll"), .. args],
            AppContext.BaseDirectory, servers.Environment, TimeSpan.FromMinutes(2));

    /// <summary>Runs <paramref name="sample"/> with <paramref name="args"/>, <paramref name="stdin"/> as its input and the local servers' variables over <paramref name="environment"/>.</summary>
    public static Task<CliRunner.Run> RunAsync(LocalServers servers, string sample, string stdin, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        ChildProcess.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, sample + ".dll"), .. args],
            AppContext.BaseDirectory, environment.Concat(servers.Environment).ToDictionary(), TimeSpan.FromMinutes(2), stdin);
}
