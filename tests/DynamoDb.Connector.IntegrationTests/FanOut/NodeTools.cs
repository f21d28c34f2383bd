using DynamoDb.Connector.IntegrationTests.Cli;
using DynamoDb.Connector.IntegrationTests.Infrastructure;
using DynamoDb.Connector.IntegrationTests.Samples;

namespace DynamoDb.Connector.IntegrationTests.FanOut;

/// <summary>
/// The pinned Node tools the fan-out tests run, from the repository's node_modules (installed from package-lock.json
/// by eng/install-local-servers.sh, as for dynalite and s3rver): asl-validator, and the yaml package it depends on.
/// </summary>
public static class NodeTools
{
    private static readonly string Modules = Path.Combine(LocalServers.RepositoryRoot, "node_modules");

    /// <summary>Runs <c>asl-validator --json-path</c> on <paramref name="definitionPath"/>.</summary>
    public static Task<CliRunner.Run> ValidateAslAsync(string definitionPath)
    {
        string validator = Path.Combine(Modules, ".bin", "asl-validator");
        if (!File.Exists(validator))
        {
            throw new InvalidOperationException($"asl-validator is not installed at {validator}: run eng/install-local-servers.sh (eng/test.sh does).");
        }
        return ChildProcess.RunAsync(validator, ["--json-path", definitionPath], LocalServers.RepositoryRoot, new Dictionary<string, string>(), TimeSpan.FromMinutes(1));
    }

    /// <summary>
    /// A CloudFormation/SAM template as JSON, read by the yaml package: tags such as <c>!Sub</c>, <c>!If</c> and
    /// <c>!GetAtt</c> are read as their plain values (a string, a list), which is what a check of names needs.
    /// </summary>
    public static async Task<string> YamlToJsonAsync(string yamlPath)
    {
        if (!File.Exists(Path.Combine(Modules, "yaml", "package.json")))
        {
            throw new InvalidOperationException($"the yaml package is not installed under {Modules}: run eng/install-local-servers.sh (eng/test.sh does).");
        }
        const string script = "const y=require('yaml');const fs=require('fs');process.stdout.write(JSON.stringify(y.parse(fs.readFileSync(process.argv[1],'utf8'),{logLevel:'error'})))";
        var run = await ChildProcess.RunAsync("node", ["-e", script, yamlPath], LocalServers.RepositoryRoot, new Dictionary<string, string>(), TimeSpan.FromMinutes(1));
        if (run.ExitCode != 0) throw new InvalidOperationException($"{yamlPath} is not YAML the yaml package reads: {run}");
        return run.Stdout;
    }
}
