namespace DynamoDb.Connector.Cli.Report;

/// <summary>
/// The names of the connector's instruments and spans the run report listens to, as any host would: the published
/// telemetry contract of the library (src/DynamoDb.Connector/Telemetry/README.md), not its internals.
/// </summary>
internal static class ConnectorTelemetryNames
{
    public const string ItemsWritten = "dynamodb.connector.items.written";
    public const string ItemsDeadLettered = "dynamodb.connector.items.dead_lettered";
    public const string WriteUnitsConsumed = "dynamodb.connector.write.capacity_units";
    public const string ThrottledRequests = "dynamodb.connector.write.throttled_requests";
    public const string Retries = "dynamodb.connector.write.retries";
    public const string ItemsExported = "dynamodb.connector.items.exported";
    public const string ReadUnitsConsumed = "dynamodb.connector.read.capacity_units";
    public const string ReadThrottledRequests = "dynamodb.connector.read.throttled_requests";
    public const string ImportBadLines = "dynamodb.connector.import.bad_lines";
    public const string WriteAllotted = "dynamodb.connector.write.capacity_allotted";
    public const string ReadAllotted = "dynamodb.connector.read.capacity_allotted";

    public const string ImportSplitSpan = "dynamodb.connector.import.split";
    public const string ExportSplitSpan = "dynamodb.connector.export.split";
    public const string SplitTag = "split";
    public const string ItemsReadTag = "items.read";
    public const string ItemsExportedTag = "items.exported";
}
