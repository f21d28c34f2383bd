using System.Diagnostics;
using System.Reflection;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.Import;

namespace DynamoDb.Connector.Telemetry;

/// <summary>
/// The connector's one <see cref="ActivitySource"/> (<see cref="ConnectorTelemetry.ActivitySourceName"/>) and the spans
/// it starts. Every span carries the <c>table</c> tag; none carries item data, keys or credentials, only names and counts.
/// </summary>
/// <remarks>
/// <list type="table">
/// <listheader><term>Span (kind)</term><description>Tags</description></listheader>
/// <item><term><c>dynamodb.connector.import</c> (internal)</term><description>a whole import: <c>table</c>, <c>source</c>, <c>format</c>, <c>splits</c>; at its end <c>items.read</c>, <c>items.written</c>, <c>items.dead_lettered</c>, <c>capacity_units</c>, <c>throttled_requests</c>, <c>retries</c>.</description></item>
/// <item><term><c>dynamodb.connector.import.split</c> (internal)</term><description>one split: <c>table</c>, <c>split</c> (its index), <c>files</c>; at its end <c>items.read</c>.</description></item>
/// <item><term><c>dynamodb.connector.batch_write</c> (client)</term><description>one BatchWriteItem batch with its retries: <c>table</c>, <c>items</c>, <c>db.system.name</c> = aws.dynamodb, <c>db.operation.name</c> = BatchWriteItem; per answer <c>capacity_units</c> (summed), <c>unprocessed</c> (the last answer's).</description></item>
/// <item><term><c>dynamodb.connector.export</c> (internal)</term><description>a whole export: <c>table</c>, <c>index</c>; at its end <c>items.exported</c>, <c>files</c>, <c>capacity_units</c>, <c>throttled_requests</c>.</description></item>
/// <item><term><c>dynamodb.connector.export.split</c> (internal)</term><description>one scan segment or query: <c>table</c>, <c>split</c>; at its end <c>items.exported</c>, <c>items.scanned</c>.</description></item>
/// <item><term><c>dynamodb.connector.read_page</c> (client)</term><description>one Scan or Query page with its retries: <c>table</c>, <c>db.operation.name</c> = Scan|Query; when read <c>items</c>, <c>items.scanned</c>.</description></item>
/// </list>
/// With no listener (no OpenTelemetry, no <see cref="ActivityListener"/>) no span is created: the helpers get null and do nothing.
/// </remarks>
internal static class ConnectorActivities
{
    public const string ImportSpan = SpanNames.Import;
    public const string ImportSplitSpan = SpanNames.ImportSplit;
    public const string BatchWriteSpan = SpanNames.BatchWrite;
    public const string ExportSpan = SpanNames.Export;
    public const string ExportSplitSpan = SpanNames.ExportSplit;
    public const string ReadPageSpan = SpanNames.ReadPage;
    public const string SplitTag = SpanNames.SplitTag;
    public const string ItemsReadTag = SpanNames.ItemsReadTag;
    public const string ItemsExportedTag = SpanNames.ItemsExportedTag;

    private const string CapacityUnitsTag = "capacity_units";

    public static ActivitySource Source { get; } = new(ConnectorTelemetry.ActivitySourceName,
        typeof(ConnectorActivities).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);

    public static Activity? StartImport(string table, ImportPlan plan) =>
        Source.StartActivity(ImportSpan, ActivityKind.Internal)?
            .SetTag("table", table).SetTag("source", plan.Source).SetTag("format", plan.Format.ToString()).SetTag("splits", plan.Splits.Count);

    public static void ImportFinished(Activity? span, ImportResult result)
    {
        if (span is null) return;
        span.SetTag(ItemsReadTag, result.ItemsRead).SetTag("items.written", result.ItemsWritten + result.ItemsDeleted)
            .SetTag("items.dead_lettered", result.ItemsDeadLettered).SetTag(CapacityUnitsTag, result.ConsumedCapacityUnits)
            .SetTag("throttled_requests", result.ThrottledRequests).SetTag("retries", result.Retries);
    }

    public static Activity? StartImportSplit(string table, ImportSplit split) =>
        Source.StartActivity(ImportSplitSpan, ActivityKind.Internal)?
            .SetTag("table", table).SetTag(SplitTag, split.Index).SetTag("files", split.Files.Count);

    public static void ImportSplitFinished(Activity? span, long itemsRead) => span?.SetTag(ItemsReadTag, itemsRead);

    /// <summary>A batch's span: the child of the span it runs in (the batch it halves), else of <paramref name="formedIn"/> (batches are sent off the flow that formed them).</summary>
    public static Activity? StartBatchWrite(string table, int items, ActivityContext formedIn) =>
        Source.StartActivity(BatchWriteSpan, ActivityKind.Client, Activity.Current?.Context ?? formedIn)?
            .SetTag("table", table).SetTag("items", items).SetTag("db.system.name", "aws.dynamodb").SetTag("db.operation.name", "BatchWriteItem");

    /// <summary>One answer to the batch: the units it cost are added up; what it left unprocessed replaces the last count.</summary>
    public static void BatchWriteAnswered(Activity? span, double capacityUnits, int unprocessed)
    {
        if (span is null) return;
        double before = span.GetTagItem(CapacityUnitsTag) is double units ? units : 0;
        span.SetTag(CapacityUnitsTag, before + capacityUnits).SetTag("unprocessed", unprocessed);
    }

    public static Activity? StartExport(string table, string? index) =>
        Source.StartActivity(ExportSpan, ActivityKind.Internal)?.SetTag("table", table).SetTag("index", index);

    public static void ExportFinished(Activity? span, ExportResult result)
    {
        if (span is null) return;
        span.SetTag(ItemsExportedTag, result.ItemsExported).SetTag("files", result.Files)
            .SetTag(CapacityUnitsTag, result.ConsumedCapacityUnits).SetTag("throttled_requests", result.ThrottledRequests);
    }

    public static Activity? StartExportSplit(string table, int split) =>
        Source.StartActivity(ExportSplitSpan, ActivityKind.Internal)?.SetTag("table", table).SetTag(SplitTag, split);

    public static void ExportSplitFinished(Activity? span, long itemsExported, long itemsScanned) =>
        span?.SetTag(ItemsExportedTag, itemsExported).SetTag("items.scanned", itemsScanned);

    public static Activity? StartReadPage(string table, AmazonDynamoDBRequest request) =>
        Source.StartActivity(ReadPageSpan, ActivityKind.Client)?
            .SetTag("table", table).SetTag("db.system.name", "aws.dynamodb").SetTag("db.operation.name", request is QueryRequest ? "Query" : "Scan");

    public static void PageRead(Activity? span, int items, int scanned) => span?.SetTag("items", items).SetTag("items.scanned", scanned);

    /// <summary>Marks the span failed with the exception's type (not its message, which may quote data).</summary>
    public static void Failed(Activity? span, Exception error) =>
        span?.SetStatus(ActivityStatusCode.Error, error.GetType().Name).SetTag("error.type", error.GetType().FullName);
}
