using Microsoft.Extensions.Logging;

namespace DynamoDb.Connector.Telemetry;

/// <summary>
/// Every log message of the connector, with stable event ids (hosts filter and alert on them; never renumber).
/// Ranges: 1-99 general and dependency injection, 100-199 writer, 200-299 capacity and budget,
/// 300-399 import, 400-499 export, 500-599 storage, 600-699 checkpoints. No message is logged per item.
/// </summary>
internal static partial class Log
{
    // 100-199: writer.
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Writer for table {Table} started: mode {Mode}, up to {BatchesInFlight} batches of {BatchSize} in flight")]
    public static partial void WriterStarted(ILogger logger, string table, string mode, int batchesInFlight, int batchSize);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Table {Table}: {Items} items written, {Deleted} deleted, {DeadLettered} dead-lettered; {WritesPerSecond:F0} writes/s, {WriteUnitsPerSecond:F0} WCU/s (budget {Budget:F0} WCU/s, pacing at {Pacing:F0})")]
    public static partial void WriteProgress(ILogger logger, string table, long items, long deleted, long deadLettered, double writesPerSecond, double writeUnitsPerSecond, double budget, double pacing);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Writer for table {Table} completed: {Items} items written, {Deleted} deleted, {Deduplicated} deduplicated, {Skipped} skipped by condition, {DeadLettered} dead-lettered; {WriteUnits:F0} WCU in {Elapsed} ({WritesPerSecond:F0} writes/s); {Throttled} throttled requests, {Retries} retries")]
    public static partial void WriterCompleted(ILogger logger, string table, long items, long deleted, long deduplicated, long skipped, long deadLettered, double writeUnits, TimeSpan elapsed, double writesPerSecond, long throttled, long retries);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Writer for table {Table} was disposed without CompleteAsync: {Abandoned} items accepted were abandoned (neither written nor dead-lettered; requests in flight were cancelled and may or may not have applied); {Items} items had been written")]
    public static partial void WriterAbandoned(ILogger logger, string table, long abandoned, long items);

    [LoggerMessage(EventId = 104, Level = LogLevel.Error, Message = "Writer for table {Table} failed: {Reason}")]
    public static partial void WriterFailed(ILogger logger, string table, string reason, Exception? exception);

    [LoggerMessage(EventId = 105, Level = LogLevel.Debug, Message = "Table {Table}: item from {Source}:{Line} dead-lettered: {Reason}")]
    public static partial void ItemDeadLettered(ILogger logger, string table, string source, long line, string reason);

    [LoggerMessage(EventId = 106, Level = LogLevel.Debug, Message = "Table {Table}: request of {Count} writes throttled ({Reason}); retry {Failures} in {Delay}")]
    public static partial void WriteThrottled(ILogger logger, string table, int count, string reason, int failures, TimeSpan delay);

    [LoggerMessage(EventId = 107, Level = LogLevel.Debug, Message = "Table {Table}: request of {Count} writes failed ({Reason}); retry {Failures} in {Delay}")]
    public static partial void WriteRetrying(ILogger logger, string table, int count, string reason, int failures, TimeSpan delay);

    [LoggerMessage(EventId = 108, Level = LogLevel.Debug, Message = "Table {Table}: DynamoDB rejected a batch of {Count} ({Reason}); splitting it to find the bad items")]
    public static partial void BatchBisected(ILogger logger, string table, int count, string reason);

    [LoggerMessage(EventId = 109, Level = LogLevel.Warning, Message = "Table {Table}: DynamoDB reports a hot key range ({Reason}); input sorted by key concentrates writes on one partition: interleave keys")]
    public static partial void HotKeyRange(ILogger logger, string table, string reason);

    // 200-299: capacity and budget.
    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Write budget for table {Table}: {WriteUnits:F0} WCU/s ({Basis})")]
    public static partial void WriteBudgetComputed(ILogger logger, string table, double writeUnits, string basis);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "Write budget for table {Table} changed from {Before:F0} to {After:F0} WCU/s ({Basis})")]
    public static partial void WriteBudgetChanged(ILogger logger, string table, double before, double after, string basis);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Could not describe table {Table} to refresh its write budget; keeping the current one")]
    public static partial void WriteBudgetRefreshFailed(ILogger logger, string table, Exception exception);

    [LoggerMessage(EventId = 203, Level = LogLevel.Debug, Message = "Table {Table} throttled writes: pacing cut from {Before:F0}% to {After:F0}% of the budget (hot key range: {HotKeyRange})")]
    public static partial void PacingRateCut(ILogger logger, string table, double before, double after, bool hotKeyRange);
}
