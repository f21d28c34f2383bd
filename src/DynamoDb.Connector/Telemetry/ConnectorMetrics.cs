using System.Diagnostics.Metrics;

namespace DynamoDb.Connector.Telemetry;

/// <summary>The connector's telemetry names, for hosts that listen (OpenTelemetry: <c>AddMeter(ConnectorTelemetry.MeterName)</c>).</summary>
public static class ConnectorTelemetry
{
    /// <summary>The name of the connector's one <see cref="Meter"/>: <c>DynamoDb.Connector</c>.</summary>
    public const string MeterName = "DynamoDb.Connector";
}

/// <summary>
/// The connector's one <see cref="Meter"/> and its instruments. Every instrument carries the <c>table</c> tag.
/// Import and export add their instruments here, next to the writer's.
/// </summary>
internal sealed class ConnectorMetrics : IDisposable
{
    private readonly bool _ownsMeter;

    public ConnectorMetrics(IMeterFactory? meterFactory = null)
    {
        Meter = meterFactory?.Create(ConnectorTelemetry.MeterName) ?? new Meter(ConnectorTelemetry.MeterName);
        _ownsMeter = meterFactory is null;
        ItemsWritten = Meter.CreateCounter<long>("dynamodb.connector.items.written", "{item}", "Items put or deleted in DynamoDB (tags: table, operation put|delete).");
        ItemsDeduplicated = Meter.CreateCounter<long>("dynamodb.connector.items.deduplicated", "{item}", "Writes replaced by a later write of the same key before they were sent.");
        ItemsSkipped = Meter.CreateCounter<long>("dynamodb.connector.items.skipped", "{item}", "Conditional puts skipped because their condition was false.");
        ItemsDeadLettered = Meter.CreateCounter<long>("dynamodb.connector.items.dead_lettered", "{item}", "Items set aside in the dead-letter sink (tags: table, cause invalid|rejected; an outage is never a dead letter).");
        WriteUnitsConsumed = Meter.CreateCounter<double>("dynamodb.connector.write.capacity_units", "{wcu}", "Write capacity units DynamoDB charged (tags: table, resource table|index name).");
        ThrottledRequests = Meter.CreateCounter<long>("dynamodb.connector.write.throttled_requests", "{request}", "Write requests throttled in whole or in part (tags: table, reason).");
        Retries = Meter.CreateCounter<long>("dynamodb.connector.write.retries", "{request}", "Write requests sent again (tags: table, cause throttled|unprocessed|transient).");
        PermitWait = Meter.CreateHistogram<double>("dynamodb.connector.write.permit_wait", "s", "Time a batch waited for write capacity permits.");
        ItemsExported = Meter.CreateCounter<long>("dynamodb.connector.items.exported", "{item}", "Items read from DynamoDB and written to export files (tags: table).");
        ReadUnitsConsumed = Meter.CreateCounter<double>("dynamodb.connector.read.capacity_units", "{rcu}", "Read capacity units DynamoDB charged for export reads, estimated where it reported none (tags: table).");
        ReadThrottledRequests = Meter.CreateCounter<long>("dynamodb.connector.read.throttled_requests", "{request}", "Export reads throttled (tags: table, reason).");
        ExportFilesCommitted = Meter.CreateCounter<long>("dynamodb.connector.export.files", "{file}", "Export part files committed (tags: table).");
        ImportItemsRead = Meter.CreateCounter<long>("dynamodb.connector.import.items_read", "{item}", "Records read from import files (tags: table).");
        ImportBytesRead = Meter.CreateCounter<long>("dynamodb.connector.import.bytes_read", "By", "Bytes of import files read, as stored (compressed or not) (tags: table).");
        ImportBadLines = Meter.CreateCounter<long>("dynamodb.connector.import.bad_lines", "{line}", "Import lines that could not be read as items, set aside (tags: table).");
        ImportSplitsCompleted = Meter.CreateCounter<long>("dynamodb.connector.import.splits", "{split}", "Import splits finished (tags: table).");
        ExportBytesWritten = Meter.CreateCounter<long>("dynamodb.connector.export.bytes", "By", "Bytes of committed export part files, as stored (tags: table).");
    }

    public Meter Meter { get; }

    public Counter<long> ItemsWritten { get; }

    public Counter<long> ItemsDeduplicated { get; }

    public Counter<long> ItemsSkipped { get; }

    public Counter<long> ItemsDeadLettered { get; }

    public Counter<double> WriteUnitsConsumed { get; }

    public Counter<long> ThrottledRequests { get; }

    public Counter<long> Retries { get; }

    public Histogram<double> PermitWait { get; }

    public Counter<long> ItemsExported { get; }

    public Counter<double> ReadUnitsConsumed { get; }

    public Counter<long> ReadThrottledRequests { get; }

    public Counter<long> ExportFilesCommitted { get; }

    public Counter<long> ExportBytesWritten { get; }

    public Counter<long> ImportItemsRead { get; }

    public Counter<long> ImportBytesRead { get; }

    public Counter<long> ImportBadLines { get; }

    public Counter<long> ImportSplitsCompleted { get; }

    public void Dispose()
    {
        if (_ownsMeter) Meter.Dispose();
    }
}
