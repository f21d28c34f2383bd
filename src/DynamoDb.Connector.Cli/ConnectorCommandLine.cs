using System.CommandLine;

namespace DynamoDb.Connector.Cli;

/// <summary>The <c>dynamodb-connector</c> command line: one root command and a verb per job.</summary>
internal static class ConnectorCommandLine
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("Moves data between files (S3 or local disk) and Amazon DynamoDB tables.");
        var parse = root.Parse(args);
        var configuration = new InvocationConfiguration { Output = stdout, Error = stderr };
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) await stderr.WriteLineAsync(error.Message).ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        return await parse.InvokeAsync(configuration).ConfigureAwait(false);
    }
}
