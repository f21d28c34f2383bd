using Microsoft.Extensions.Logging;

namespace DynamoDb.Connector.Telemetry;

/// <summary>The export's log messages (event ids 400-499) and its read budget's (250-259 in the capacity range).</summary>
internal static partial class Log
{
    // 250-259: read budget.
    [LoggerMessage(EventId = 250, Level = LogLevel.Information, Message = "Read budget for table {Table}: {ReadUnits:F0} RCU/s ({Basis})")]
    public static partial void ReadBudgetComputed(ILogger logger, string table, double readUnits, string basis);

    [LoggerMessage(EventId = 251, Level = LogLevel.Information, Message = "Read budget for table {Table} changed from {Before:F0} to {After:F0} RCU/s ({Basis})")]
    public static partial void ReadBudgetChanged(ILogger logger, string table, double before, double after, string basis);

    [LoggerMessage(EventId = 252, Level = LogLevel.Warning, Message = "Could not describe table {Table} to refresh its read budget; keeping the current one")]
    public static partial void ReadBudgetRefreshFailed(ILogger logger, string table, Exception exception);

    [LoggerMessage(EventId = 253, Level = LogLevel.Debug, Message = "Table {Table} throttled reads: pacing cut from {Before:F0}% to {After:F0}% of the budget (hot key range: {HotKeyRange})")]
    public static partial void ReadPacingCut(ILogger logger, string table, double before, double after, bool hotKeyRange);

    // 400-499: export.
    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Export of table {Table} {Index}started: {Kind} of {Splits} splits on {Workers} workers at {ReadUnits:F0} RCU/s ({Basis}); manifest {Manifest}")]
    public static partial void ExportStarted(ILogger logger, string table, string index, string kind, int splits, int workers, double readUnits, string basis, string manifest);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Export of table {Table} resumed from its checkpoint: {Files} files with {Items} items committed, {SplitsDone} of {Splits} splits done; {Orphans} files of the interrupted run deleted, {Unreadable} records cut short discarded")]
    public static partial void ExportResumed(ILogger logger, string table, int files, long items, int splitsDone, int splits, int orphans, int unreadable);

    [LoggerMessage(EventId = 402, Level = LogLevel.Information, Message = "Export of table {Table}: deleted {Orphans} part files no checkpoint records from {Directory}")]
    public static partial void ExportOrphansDeleted(ILogger logger, string table, int orphans, string directory);

    [LoggerMessage(EventId = 403, Level = LogLevel.Debug, Message = "Export of table {Table}: {Items} items written, {Scanned} scanned ({Percent:F1}%), {ReadUnits:F0} RCU/s (pacing at {Pacing:F0}), {Files} files committed")]
    public static partial void ExportProgressed(ILogger logger, string table, long items, long scanned, double percent, double readUnits, double pacing, int files);

    [LoggerMessage(EventId = 404, Level = LogLevel.Debug, Message = "Export of table {Table}: committed {Url} ({Items} items, {Bytes} bytes)")]
    public static partial void PartCommitted(ILogger logger, string table, string url, long items, long bytes);

    [LoggerMessage(EventId = 405, Level = LogLevel.Information, Message = "Export of table {Table} completed: {Items} items in {Files} files ({Bytes} bytes); {ReadUnits:F0} RCU in {Elapsed}; {Throttled} throttled requests; manifest {Manifest}")]
    public static partial void ExportCompleted(ILogger logger, string table, long items, int files, long bytes, double readUnits, TimeSpan elapsed, long throttled, string manifest);

    [LoggerMessage(EventId = 406, Level = LogLevel.Error, Message = "Export of table {Table} failed: {Reason}. What was committed is recorded in {Checkpoint}; run the export again to resume")]
    public static partial void ExportFailed(ILogger logger, string table, string reason, string checkpoint, Exception exception);

    [LoggerMessage(EventId = 407, Level = LogLevel.Warning, Message = "Export of table {Table} was cancelled after {Items} items; what was committed is recorded in {Checkpoint}")]
    public static partial void ExportStopped(ILogger logger, string table, long items, string checkpoint);

    [LoggerMessage(EventId = 408, Level = LogLevel.Debug, Message = "Table {Table}: read failed ({Reason}); retry {Failures} after a backoff of up to {Delay}")]
    public static partial void ReadRetrying(ILogger logger, string table, string reason, int failures, TimeSpan delay);

    [LoggerMessage(EventId = 409, Level = LogLevel.Information, Message = "Export of table {Table} planned into {Segments} segments in {Plan}; checkpoint {Checkpoint}")]
    public static partial void ExportSegmentsPlanned(ILogger logger, string table, int segments, string plan, string checkpoint);

    [LoggerMessage(EventId = 410, Level = LogLevel.Information, Message = "Export of table {Table}, segment {Segment}: {Items} items written in {Files} files this run; done: {Done}")]
    public static partial void ExportSegmentRan(ILogger logger, string table, int segment, long items, int files, bool done);

    [LoggerMessage(EventId = 415, Level = LogLevel.Warning, Message = "Export of table {Table}, segment {Segment}: the time budget's hard deadline came before the part being written was committed: its {Abandoned} items were given up (nothing of them is visible); the continuation reads them again from the last recorded position")]
    public static partial void ExportSegmentAbandoned(ILogger logger, string table, int segment, long abandoned);
}
