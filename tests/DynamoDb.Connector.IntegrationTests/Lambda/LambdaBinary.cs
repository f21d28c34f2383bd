using DynamoDb.Connector.IntegrationTests.Cli;
using DynamoDb.Connector.IntegrationTests.Infrastructure;
using DynamoDb.Connector.IntegrationTests.Samples;

namespace DynamoDb.Connector.IntegrationTests.Lambda;

/// <summary>
/// The Lambda function the map tests invoke (<c>bootstrap --invoke</c>, one payload on stdin): the Native AOT binary
/// named by <see cref="Variable"/> when set (CI sets it after eng/publish-lambda-aot.sh), else the JIT build of
/// samples/LambdaFunction next to the tests.
/// </summary>
internal static class LambdaBinary
{
    /// <summary>The variable naming a published Native AOT <c>bootstrap</c>.</summary>
    public const string Variable = "CONNECTOR_LAMBDA_BOOTSTRAP";

    /// <summary>The Native AOT binary to run, or null for the JIT build.</summary>
    public static string? Native => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } path ? path : null;

    /// <summary>Runs one invocation of the function with <paramref name="payload"/>, the local servers' variables over <paramref name="environment"/>.</summary>
    public static Task<CliRunner.Run> InvokeAsync(LocalServers servers, string payload, IReadOnlyDictionary<string, string> environment)
    {
        if (Native is not { } path) return SampleHost.RunAsync(servers, SampleHost.LambdaFunction, payload, environment, "--invoke");
        if (!File.Exists(path)) throw new FileNotFoundException($"{Variable} names {path}, which does not exist: publish it with eng/publish-lambda-aot.sh <folder>.", path);
        return ChildProcess.RunAsync(path, ["--invoke"], AppContext.BaseDirectory, environment.Concat(servers.Environment).ToDictionary(), TimeSpan.FromMinutes(2), payload);
    }
}
