using System.CommandLine;
using DynamoDb.Connector.Cli.Commands;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Cli;

/// <summary>The <c>dynamodb-connector</c> command line: one root command and a verb per job.</summary>
internal static class ConnectorCommandLine
{
    public static RootCommand Create(TextWriter stdout, TextWriter stderr, TextReader? stdin = null) => new("Moves data between files (S3 or local disk) and Amazon DynamoDB tables, as fast as the table allows and never faster.")
    {
        GenerateCommand.Create(stdout, stderr),
        EstimateCommand.Create(stdout, stderr),
        ConvertCommand.Create(stdout, stderr),
        PlanCommand.Create(stdout, stderr),
        ImportCommand.Create(stdout, stderr),
        RunSplitCommand.Create(stdout, stderr, stdin ?? Console.In),
        ExportCommand.Create(stdout, stderr),
        CompareCommand.Create(stdout, stderr),
    };

    /// <summary>Runs the command line; returns the exit code (see <see cref="ExitCodes"/>).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TextReader? stdin = null, CancellationToken cancellationToken = default)
    {
        var parse = Create(stdout, stderr, stdin).Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) await stderr.WriteLineAsync(error.Message).ConfigureAwait(false);
            await stderr.WriteLineAsync("Run with --help for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false }, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteLineAsync("Cancelled.").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        catch (RecordFormatException e)
        {
            await stderr.WriteLineAsync($"error: {e.Error}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
        catch (Exception e) when (e is IOException or FormatException or InvalidDataException or ArgumentException or NotSupportedException or UnauthorizedAccessException or Amazon.Runtime.AmazonServiceException or Amazon.Runtime.AmazonClientException or InvalidOperationException)
        {
            // Expected failures get one clear line; anything else is a bug and keeps its stack trace.
            await stderr.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }
    }
}
