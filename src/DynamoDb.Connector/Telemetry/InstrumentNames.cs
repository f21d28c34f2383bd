namespace DynamoDb.Connector.Telemetry;

/// <summary>
/// The names of the connector's instruments on its one Meter (<see cref="ConnectorTelemetry.MeterName"/>): what a host
/// listens to or configures views for. What each counts, its unit and tags: Telemetry/README.md.
/// </summary>
public static class InstrumentNames
{
    /// <summary><c>dynamodb.connector.items.written</c>.</summary>
    public const string ItemsWritten = "dynamodb.connector.items.written";

    /// <summary><c>dynamodb.connector.items.deduplicated</c>.</summary>
    public const string ItemsDeduplicated = "dynamodb.connector.items.deduplicated";

    /// <summary><c>dynamodb.connector.items.skipped</c>.</summary>
    public const string ItemsSkipped = "dynamodb.connector.items.skipped";

    /// <summary><c>dynamodb.connector.items.dead_lettered</c>.</summary>
    public const string ItemsDeadLettered = "dynamodb.connector.items.dead_lettered";

    /// <summary><c>dynamodb.connector.write.capacity_units</c>.</summary>
    public const string WriteUnitsConsumed = "dynamodb.connector.write.capacity_units";

    /// <summary><c>dynamodb.connector.write.throttled_requests</c>.</summary>
    public const string ThrottledRequests = "dynamodb.connector.write.throttled_requests";

    /// <summary><c>dynamodb.connector.write.retries</c>.</summary>
    public const string Retries = "dynamodb.connector.write.retries";

    /// <summary><c>dynamodb.connector.write.permit_wait</c>.</summary>
    public const string PermitWait = "dynamodb.connector.write.permit_wait";

    /// <summary><c>dynamodb.connector.items.exported</c>.</summary>
    public const string ItemsExported = "dynamodb.connector.items.exported";

    /// <summary><c>dynamodb.connector.read.capacity_units</c>.</summary>
    public const string ReadUnitsConsumed = "dynamodb.connector.read.capacity_units";

    /// <summary><c>dynamodb.connector.read.throttled_requests</c>.</summary>
    public const string ReadThrottledRequests = "dynamodb.connector.read.throttled_requests";

    /// <summary><c>dynamodb.connector.export.files</c>.</summary>
    public const string ExportFilesCommitted = "dynamodb.connector.export.files";

    /// <summary><c>dynamodb.connector.import.items_read</c>.</summary>
    public const string ImportItemsRead = "dynamodb.connector.import.items_read";

    /// <summary><c>dynamodb.connector.import.bytes_read</c>.</summary>
    public const string ImportBytesRead = "dynamodb.connector.import.bytes_read";

    /// <summary><c>dynamodb.connector.import.bad_lines</c>.</summary>
    public const string ImportBadLines = "dynamodb.connector.import.bad_lines";

    /// <summary><c>dynamodb.connector.import.splits</c>.</summary>
    public const string ImportSplitsCompleted = "dynamodb.connector.import.splits";

    /// <summary><c>dynamodb.connector.export.bytes</c>.</summary>
    public const string ExportBytesWritten = "dynamodb.connector.export.bytes";

    /// <summary><c>dynamodb.connector.write.capacity_allotted</c>.</summary>
    public const string WriteAllotted = "dynamodb.connector.write.capacity_allotted";

    /// <summary><c>dynamodb.connector.read.capacity_allotted</c>.</summary>
    public const string ReadAllotted = "dynamodb.connector.read.capacity_allotted";
}
