namespace DynamoDb.Connector.Telemetry;

/// <summary>
/// The names of the connector's spans on its one ActivitySource (<see cref="ConnectorTelemetry.ActivitySourceName"/>)
/// and of the tags a host reads from them; every span with its tags: Telemetry/README.md.
/// </summary>
public static class SpanNames
{
    /// <summary>A whole import.</summary>
    public const string Import = "dynamodb.connector.import";

    /// <summary>One split of an import.</summary>
    public const string ImportSplit = "dynamodb.connector.import.split";

    /// <summary>One BatchWriteItem batch with its retries.</summary>
    public const string BatchWrite = "dynamodb.connector.batch_write";

    /// <summary>A whole export.</summary>
    public const string Export = "dynamodb.connector.export";

    /// <summary>One scan segment or query of an export.</summary>
    public const string ExportSplit = "dynamodb.connector.export.split";

    /// <summary>One Scan or Query page with its retries.</summary>
    public const string ReadPage = "dynamodb.connector.read_page";

    /// <summary>The index of a split, on split spans.</summary>
    public const string SplitTag = "split";

    /// <summary>Items a split read, on import split spans at their end.</summary>
    public const string ItemsReadTag = "items.read";

    /// <summary>Items a split exported, on export split spans at their end.</summary>
    public const string ItemsExportedTag = "items.exported";
}
