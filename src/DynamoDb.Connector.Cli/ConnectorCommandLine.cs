using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Text.Json;
using DynamoDb.Connector.Cli.Commands;

namespace DynamoDb.Connector.Cli;

/// <summary>
/// The <c>dynamodb-connector</c> command line: one root command and a verb per job. Every outcome ends here with an
/// exit code (see <see cref="ExitCodes"/>) and, for a failure, one line on stderr (and one JSON object on stdout with
/// <c>--json</c>): usage errors, failures, interruptions and anything unexpected alike; never an unhandled exception.
/// </summary>
internal static class ConnectorCommandLine
{
    /// <summary>What <c>--help</c> adds after the usage of every command: the exit codes and the environment read.</summary>
    internal const string HelpEpilogue = """

        Exit codes:
          0    all good
          1    failed (the message says why; an unreachable endpoint names it and its variable)
          2    usage error: the command line is wrong (one line says what to change)
          3    finished, but some records were bad (reported as file:line: reason; good records kept)
          130  interrupted (Ctrl-C): stopped cleanly; with --checkpoint, rerun the same command to resume

        Environment (the standard AWS variables; the same binary runs against AWS or local servers):
          AWS_REGION, AWS_DEFAULT_REGION                 the region (default us-east-1)
          AWS_PROFILE, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN   credentials (the SDK's chain)
          AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL           custom endpoints (local servers; S3 then path-style)
          AWS_REQUEST_CHECKSUM_CALCULATION, AWS_RESPONSE_CHECKSUM_VALIDATION          S3 checksums (when_required for s3rver, MinIO)
          DYNAMODB_CONNECTOR_LOG_LEVEL                   log level on stderr: trace, debug, information, warning (default), error
          DYNAMODB_CONNECTOR_DEBUG=1                     print the stack trace of an unexpected error
          OTEL_EXPORTER_OTLP_ENDPOINT                    send metrics and traces over OTLP (e.g. http://localhost:4318); unset: none
          OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_SERVICE_NAME  http/protobuf (default) or grpc; the service name (default dynamodb-connector)
        """;

    public static RootCommand Create(TextWriter stdout, TextWriter stderr, TextReader? stdin = null)
    {
        var root = new RootCommand("Moves data between files (S3 or local disk) and Amazon DynamoDB tables, as fast as the table allows and never faster.")
        {
            GenerateCommand.Create(stdout, stderr),
            EstimateCommand.Create(stdout, stderr),
            ConvertCommand.Create(stdout, stderr),
            PlanCommand.Create(stdout, stderr),
            ImportCommand.Create(stdout, stderr),
            RunSplitCommand.Create(stdout, stderr, stdin ?? Console.In),
            ExportCommand.Create(stdout, stderr),
            PlanExportCommand.Create(stdout, stderr),
            RunExportSegmentCommand.Create(stdout, stderr, stdin ?? Console.In),
            FinishExportCommand.Create(stdout, stderr),
            CompareCommand.Create(stdout, stderr),
        };
        // The help option is recursive: one action serves every verb's --help.
        var help = root.Options.OfType<HelpOption>().Single();
        help.Action = new HelpWithEpilogue((HelpAction)help.Action!, stdout);
        return root;
    }

    /// <summary>Runs the command line; returns the exit code (see <see cref="ExitCodes"/>).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TextReader? stdin = null, CancellationToken cancellationToken = default)
    {
        bool json = args.Contains("--json");
        var parse = Create(stdout, stderr, stdin).Parse(args);
        // --help answers even when the rest of the command line is incomplete (import --help has no --source).
        if (parse.Errors.Count > 0 && parse.Action is not HelpWithEpilogue)
        {
            // One line: the first problem is the one to fix first; the rest often follow from it.
            string more = parse.Errors.Count > 1 ? $" (and {parse.Errors.Count - 1} more problem(s))" : "";
            return await FailAsync($"{parse.Errors[0].Message}{more} See --help.", ExitCodes.Usage, json, stdout, stderr).ConfigureAwait(false);
        }
        try
        {
            // ProcessTerminationTimeout = null: Program handles Ctrl-C itself and lets the job stop cleanly, however long that takes.
            return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && CliErrors.IsCancellation(e))
        {
            return await FailAsync(CliErrors.Interrupted(parse, e), ExitCodes.Interrupted, json, stdout, stderr).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            var (message, exitCode) = CliErrors.Describe(e, parse.CommandResult.Command.Name);
            if (exitCode == ExitCodes.Failed && Environment.GetEnvironmentVariable("DYNAMODB_CONNECTOR_DEBUG") == "1") await stderr.WriteLineAsync(e.ToString()).ConfigureAwait(false);
            return await FailAsync(message, exitCode, json, stdout, stderr).ConfigureAwait(false);
        }
    }

    /// <summary>A failure's one line on stderr and, with --json, its object on stdout; returns <paramref name="exitCode"/>.</summary>
    internal static async Task<int> FailAsync(string message, int exitCode, bool json, TextWriter stdout, TextWriter stderr)
    {
        // One line, whatever the exception's message held.
        message = string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        await stderr.WriteLineAsync($"error: {message}").ConfigureAwait(false);
        if (json) await stdout.WriteLineAsync(JsonSerializer.Serialize(new { error = message, exitCode })).ConfigureAwait(false);
        return exitCode;
    }

    private sealed class HelpWithEpilogue(HelpAction inner, TextWriter stdout) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            int code = inner.Invoke(parseResult);
            stdout.WriteLine(HelpEpilogue.TrimEnd());
            return code;
        }
    }
}
