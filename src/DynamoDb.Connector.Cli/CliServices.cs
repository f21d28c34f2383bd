using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DynamoDb.Connector.Cli;

/// <summary>
/// The CLI is a host like any other: it registers the AWS clients and the connector, then resolves what a verb needs.
/// The clients use the standard AWS configuration (AWS_REGION, AWS_PROFILE, credentials chain,
/// AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_S3, AWS_REQUEST_CHECKSUM_CALCULATION), so the same binary runs against
/// AWS or local servers unchanged.
/// </summary>
internal static class CliServices
{
    /// <summary>The variable that sets the log level: trace, debug, information, warning (the default), error, critical or none.</summary>
    public const string LogLevelVariable = "DYNAMODB_CONNECTOR_LOG_LEVEL";

    public static ServiceProvider Create()
    {
        var services = new ServiceCollection();
        var level = LogLevelFromEnvironment();
        // Logs go to stderr: stdout carries results (and the --json object).
        services.AddLogging(logging =>
        {
            logging.SetMinimumLevel(level ?? LogLevel.Warning)
                .AddSimpleConsole(console => { console.SingleLine = true; console.TimestampFormat = "HH:mm:ss "; });
            // The import's warnings about set-aside lines are what the import verb prints itself, with the samples
            // (unless a level was asked for: then everything at that level).
            if (level is null) logging.AddFilter(typeof(DynamoDb.Connector.Import.ImportJob).FullName, LogLevel.Error);
        });
        services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        services.AddDynamoDbConnectorAwsClients();
        services.AddDynamoDbConnector();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    private static LogLevel? LogLevelFromEnvironment()
    {
        string? text = Environment.GetEnvironmentVariable(LogLevelVariable);
        if (string.IsNullOrWhiteSpace(text)) return null;
        return Enum.TryParse<LogLevel>(text, ignoreCase: true, out var level) && Enum.IsDefined(level)
            ? level
            : throw new CliUsageException($"{LogLevelVariable} is '{text}'; give one of: {string.Join(", ", Enum.GetNames<LogLevel>().Select(n => n.ToLowerInvariant()))}.");
    }
}
