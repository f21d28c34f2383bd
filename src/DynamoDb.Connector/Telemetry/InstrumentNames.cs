namespace DynamoDb.Connector.Telemetry;

/// <summary>The names of the connector's instruments (see <see cref="ConnectorMetrics"/> for what each counts, and Telemetry/README.md).</summary>
internal static class InstrumentNames
{
    public const string ItemsWritten = "dynamodb.connector.items.written";

    public const string ItemsDeduplicated = "dynamodb.connector.items.deduplicated";

    public const string ItemsSkipped = "dynamodb.connector.items.skipped";

    public const string ItemsDeadLettered = "dynamodb.connector.items.dead_lettered";

    public const string WriteUnitsConsumed = "dynamodb.connector.write.capacity_units";

    public const string ThrottledRequests = "dynamodb.connector.write.throttled_requests";

    public const string Retries = "dynamodb.connector.write.retries";

    public const string PermitWait = "dynamodb.connector.write.permit_wait";

    public const string ItemsExported = "dynamodb.connector.items.exported";

    public const string ReadUnitsConsumed = "dynamodb.connector.read.capacity_units";

    public const string ReadThrottledRequests = "dynamodb.connector.read.throttled_requests";

    public const string ExportFilesCommitted = "dynamodb.connector.export.files";

    public const string ImportItemsRead = "dynamodb.connector.import.items_read";

    public const string ImportBytesRead = "dynamodb.connector.import.bytes_read";

    public const string ImportBadLines = "dynamodb.connector.import.bad_lines";

    public const string ImportSplitsCompleted = "dynamodb.connector.import.splits";

    public const string ExportBytesWritten = "dynamodb.connector.export.bytes";

    public const string WriteAllotted = "dynamodb.connector.write.capacity_allotted";

    public const string ReadAllotted = "dynamodb.connector.read.capacity_allotted";
}
