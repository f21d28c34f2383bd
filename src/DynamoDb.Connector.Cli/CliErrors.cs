using System.CommandLine;
using System.Net.Http;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Cli;

/// <summary>A command line that parses but cannot run (options that contradict each other): exit 2 with its message.</summary>
internal sealed class CliUsageException(string message) : Exception(message);

/// <summary>
/// Turns whatever ended a verb into one line for the user and an exit code, naming what to do at the command line
/// (<c>--overwrite</c>, <c>--create-table --key</c>, the endpoint's variable): the library's typed exceptions are
/// translated here, so no CLI flag is named in the library.
/// </summary>
internal static partial class CliErrors
{
    /// <summary>Whether <paramref name="e"/> is (or wraps) the cancellation Ctrl-C asked for.</summary>
    public static bool IsCancellation(Exception e) => Chain(e).Any(x => x is OperationCanceledException);

    /// <summary>The one line after Ctrl-C: what is kept and how to go on.</summary>
    public static string Interrupted(ParseResult parse, Exception e)
    {
        _ = e;
        string verb = parse.CommandResult.Command.Name;
        bool checkpoint = parse.Tokens.Any(t => t.Value == "--checkpoint");
        return verb switch
        {
            "import" or "run-split" when checkpoint => "interrupted: progress is checkpointed; rerun the same command to resume.",
            "import" or "run-split" => "interrupted: the items written so far stay in the table, but nothing recorded how far the import got; add --checkpoint <folder> to make a rerun resume.",
            "export" => "interrupted: committed part files and the export's checkpoint are kept; rerun the same command to resume.",
            _ => $"interrupted: {verb} stopped before the end.",
        };
    }

    /// <summary>The message and exit code for an exception that ended <paramref name="verb"/>.</summary>
    public static (string Message, int ExitCode) Describe(Exception e, string verb)
    {
        var chain = Chain(e).ToList();
        if (chain.OfType<CliUsageException>().FirstOrDefault() is { } usage) return (usage.Message, ExitCodes.Usage);
        if (Unreachable(chain) is { } unreachable) return (unreachable, ExitCodes.Failed);
        if (chain.OfType<ExportDestinationCompleteException>().FirstOrDefault() is { } complete)
        {
            return ($"{complete.Destination} already holds a complete export ({complete.ManifestUri}): add --overwrite to replace it, or choose another --destination.", ExitCodes.Failed);
        }
        if (chain.OfType<ResourceNotFoundException>().FirstOrDefault() is { } missing)
        {
            string table = chain.Select(x => TableName().Match(x.Message)).FirstOrDefault(m => m.Success)?.Groups[1].Value is { } name ? $"Table '{name}'" : "The table";
            string create = verb is "import" or "run-split" ? ", or add --create-table --key pk:S[,sk:N] to create it" : "";
            return ($"{table} does not exist in this region and account ({missing.Message}): check --table and AWS_REGION{create}.", ExitCodes.Failed);
        }
        if (chain.OfType<AmazonClientException>().FirstOrDefault(x => x.Message.StartsWith("Failed to resolve AWS credentials", StringComparison.Ordinal)) is not null)
        {
            return ("no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones), or AWS_PROFILE for a profile in ~/.aws.", ExitCodes.Failed);
        }
        var first = chain[0];
        return first switch
        {
            RecordFormatException format => (format.Error.ToString(), ExitCodes.Failed),
            ArgumentException argument => (WithoutParameterName(argument), ExitCodes.Failed),
            AmazonServiceException service => ($"{service.Message} ({service.ErrorCode ?? service.StatusCode.ToString()})", ExitCodes.Failed),
            IOException or FormatException or InvalidDataException or NotSupportedException or UnauthorizedAccessException or AmazonClientException or InvalidOperationException or ExportException or DynamoDb.Connector.Writing.TableWriteException
                => (first.Message, ExitCodes.Failed),
            // Anything else is a bug, but the user still gets one line (DYNAMODB_CONNECTOR_DEBUG=1 shows the trace).
            _ => ($"unexpected {first.GetType().Name}: {first.Message} (a bug; DYNAMODB_CONNECTOR_DEBUG=1 prints the stack trace)", ExitCodes.Failed),
        };
    }

    /// <summary>
    /// A network failure reaching DynamoDB or S3, named with its endpoint and the variable that sets it. Which service
    /// it was comes from the endpoint in the message (host:port) or else from the SDK's frames in the trace.
    /// </summary>
    private static string? Unreachable(List<Exception> chain)
    {
        var network = chain.FirstOrDefault(x => x is HttpRequestException or SocketException || (x is TaskCanceledException && x.InnerException is TimeoutException));
        if (network is null) return null;
        string reason = chain[^1].Message;
        string text = string.Join("\n", chain.Select(x => x.ToString()));
        var services = new[] { ("DynamoDB", "AWS_ENDPOINT_URL_DYNAMODB"), ("S3", "AWS_ENDPOINT_URL_S3") };
        var (service, variable) = services.FirstOrDefault(s => EndpointOf(s.Item2) is { } uri && network.Message.Contains($"{uri.Host}:{uri.Port}", StringComparison.OrdinalIgnoreCase));
        if (service is null)
        {
            (service, variable) = text.Contains("Amazon.S3", StringComparison.Ordinal) || text.Contains("S3ObjectStore", StringComparison.Ordinal) ? services[1] : services[0];
        }
        string endpoint = EndpointOf(variable)?.ToString().TrimEnd('/') ?? $"its AWS endpoint ({network.Message})";
        string where = Environment.GetEnvironmentVariable(variable) is { Length: > 0 } ? $"{variable} sets it" : $"set {variable} for a custom endpoint; otherwise AWS_REGION chooses it";
        return $"cannot reach {service} at {endpoint} ({reason}): is it running and reachable? {where}.";
    }

    private static Uri? EndpointOf(string variable)
    {
        string? value = Environment.GetEnvironmentVariable(variable) is { Length: > 0 } specific ? specific : Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL");
        return Uri.TryCreate(value, UriKind.Absolute, out var uri) ? uri : null;
    }

    private static string WithoutParameterName(ArgumentException e) =>
        e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);

    /// <summary>The exception and every exception inside it (the first of an aggregate's).</summary>
    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (Exception? x = e; x is not null; x = x is AggregateException aggregate && aggregate.InnerExceptions.Count > 0 ? aggregate.InnerExceptions[0] : x.InnerException)
        {
            if (x is not AggregateException) yield return x;
        }
    }

    [GeneratedRegex(@"[Tt]able '([^']+)'")]
    private static partial Regex TableName();
}
