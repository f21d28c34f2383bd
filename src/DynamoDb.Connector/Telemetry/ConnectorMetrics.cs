using System.Diagnostics.Metrics;

namespace DynamoDb.Connector.Telemetry;

/// <summary>
/// The connector's telemetry names, for hosts that listen (OpenTelemetry: <c>AddMeter(ConnectorTelemetry.MeterName)</c>
/// and <c>AddSource(ConnectorTelemetry.ActivitySourceName)</c>). The instruments and spans are listed in Telemetry/README.md.
/// </summary>
public static class ConnectorTelemetry
{
    /// <summary>The name of the connector's one <see cref="Meter"/>: <c>DynamoDb.Connector</c>.</summary>
    public const string MeterName = "DynamoDb.Connector";

    /// <summary>The name of the connector's one <see cref="System.Diagnostics.ActivitySource"/> (its spans): <c>DynamoDb.Connector</c>.</summary>
    public const string ActivitySourceName = "DynamoDb.Connector";
}

/// <summary>
/// The connector's one <see cref="Meter"/> and its instruments (their names: <see cref="InstrumentNames"/>). Every instrument carries the <c>table</c> tag.
/// Import and export add their instruments here, next to the writer's.
/// </summary>
internal sealed class ConnectorMetrics : IDisposable
{
    private readonly bool _ownsMeter;

    public ConnectorMetrics(IMeterFactory? meterFactory = null)
    {
        Meter = meterFactory?.Create(ConnectorTelemetry.MeterName) ?? new Meter(ConnectorTelemetry.MeterName);
        _ownsMeter = meterFactory is null;
        ItemsWritten = Meter.CreateCounter<long>(InstrumentNames.ItemsWritten, "{item}", "Items put or deleted in DynamoDB (tags: table, operation put|delete).");
        ItemsDeduplicated = Meter.CreateCounter<long>(InstrumentNames.ItemsDeduplicated, "{item}", "Writes replaced by a later write of the same key before they were sent.");
        ItemsSkipped = Meter.CreateCounter<long>(InstrumentNames.ItemsSkipped, "{item}", "Conditional puts skipped because their condition was false.");
        ItemsDeadLettered = Meter.CreateCounter<long>(InstrumentNames.ItemsDeadLettered, "{item}", "Items set aside in the dead-letter sink (tags: table, cause invalid|rejected; an outage is never a dead letter).");
        WriteUnitsConsumed = Meter.CreateCounter<double>(InstrumentNames.WriteUnitsConsumed, "{wcu}", "Write capacity units DynamoDB charged (tags: table, resource table|index name).");
        ThrottledRequests = Meter.CreateCounter<long>(InstrumentNames.ThrottledRequests, "{request}", "Write requests throttled in whole or in part (tags: table, reason).");
        Retries = Meter.CreateCounter<long>(InstrumentNames.Retries, "{request}", "Write requests sent again, after a throttle, unprocessed items or a transient error (tags: table).");
        PermitWait = Meter.CreateHistogram<double>(InstrumentNames.PermitWait, "s", "Time a batch waited for write capacity permits.");
        ItemsExported = Meter.CreateCounter<long>(InstrumentNames.ItemsExported, "{item}", "Items read from DynamoDB and written to export files (tags: table).");
        ReadUnitsConsumed = Meter.CreateCounter<double>(InstrumentNames.ReadUnitsConsumed, "{rcu}", "Read capacity units DynamoDB charged for export reads, estimated where it reported none (tags: table).");
        ReadThrottledRequests = Meter.CreateCounter<long>(InstrumentNames.ReadThrottledRequests, "{request}", "Export reads throttled (tags: table, reason).");
        ExportFilesCommitted = Meter.CreateCounter<long>(InstrumentNames.ExportFilesCommitted, "{file}", "Export part files committed (tags: table).");
        ImportItemsRead = Meter.CreateCounter<long>(InstrumentNames.ImportItemsRead, "{item}", "Records read from import files (tags: table).");
        ImportBytesRead = Meter.CreateCounter<long>(InstrumentNames.ImportBytesRead, "By", "Bytes of import files read, as stored (compressed or not) (tags: table).");
        ImportBadLines = Meter.CreateCounter<long>(InstrumentNames.ImportBadLines, "{line}", "Import lines that could not be read as items, set aside (tags: table).");
        ImportSplitsCompleted = Meter.CreateCounter<long>(InstrumentNames.ImportSplitsCompleted, "{split}", "Import splits finished (tags: table).");
        ExportBytesWritten = Meter.CreateCounter<long>(InstrumentNames.ExportBytesWritten, "By", "Bytes of committed export part files, as stored (tags: table).");
        Meter.CreateObservableGauge(InstrumentNames.WriteAllotted, WriteAllotted.Observe, "{wcu}/s", "The write budget now, in units per second: the table's capacity times the share allotted (tags: table).");
        Meter.CreateObservableGauge(InstrumentNames.ReadAllotted, ReadAllotted.Observe, "{rcu}/s", "The read budget now, in units per second: the table's capacity times the share allotted (tags: table).");
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

    /// <summary>The write budgets in use, observed by <c>dynamodb.connector.write.capacity_allotted</c>.</summary>
    public AllottedCapacity WriteAllotted { get; } = new();

    /// <summary>The read budgets in use, observed by <c>dynamodb.connector.read.capacity_allotted</c>.</summary>
    public AllottedCapacity ReadAllotted { get; } = new();

    public void Dispose()
    {
        if (_ownsMeter) Meter.Dispose();
    }
}
