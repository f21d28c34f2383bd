using Microsoft.Extensions.Logging;

namespace DynamoDb.Connector.Telemetry;

internal static partial class Log
{
    // 300-399: import.
    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Import of {Source} planned: {Kind}, {Format} ({FormatReason}), {Files} files in {Splits} splits, {Bytes} bytes")]
    public static partial void ImportPlanned(ILogger logger, string source, string kind, string format, string formatReason, int files, int splits, long bytes);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Import into table {Table} started: {Splits} splits on {Workers} workers; checkpoint {Checkpoint}")]
    public static partial void ImportStarted(ILogger logger, string table, int splits, int workers, string checkpoint);

    [LoggerMessage(EventId = 302, Level = LogLevel.Information, Message = "Import into table {Table}: {ItemsRead} items read, {ItemsWritten} written, {DeadLettered} dead-lettered; {BytesRead} of {TotalBytes} bytes; {SplitsDone} of {Splits} splits done; {WriteUnitsPerSecond:F0} WCU/s; {Remaining} left")]
    public static partial void ImportProgress(ILogger logger, string table, long itemsRead, long itemsWritten, long deadLettered, long bytesRead, long totalBytes, int splitsDone, int splits, double writeUnitsPerSecond, string remaining);

    [LoggerMessage(EventId = 303, Level = LogLevel.Information, Message = "Import into table {Table} completed: {ItemsRead} items read, {ItemsWritten} written, {Deleted} deleted, {DeadLettered} dead-lettered ({BadLines} unreadable lines), {Filtered} dropped by the transform; {WriteUnits:F0} WCU in {Elapsed}; {Throttled} throttled requests, {Retries} retries")]
    public static partial void ImportCompleted(ILogger logger, string table, long itemsRead, long itemsWritten, long deleted, long deadLettered, long badLines, long filtered, double writeUnits, TimeSpan elapsed, long throttled, long retries);

    [LoggerMessage(EventId = 304, Level = LogLevel.Information, Message = "Import split {Split} resumes from its checkpoint: file {File} of {Files}, after line {Line}")]
    public static partial void SplitResumed(ILogger logger, int split, int file, int files, long line);

    [LoggerMessage(EventId = 305, Level = LogLevel.Debug, Message = "Import split {Split} finished: {Files} files, {ItemsRead} items read")]
    public static partial void SplitFinished(ILogger logger, int split, int files, long itemsRead);

    [LoggerMessage(EventId = 306, Level = LogLevel.Debug, Message = "Import: line {Source}:{Line} set aside: {Reason}")]
    public static partial void BadLineSetAside(ILogger logger, string source, long line, string reason);

    [LoggerMessage(EventId = 307, Level = LogLevel.Warning, Message = "Import into table {Table}: {DeadLettered} lines or items were set aside; they are in {DeadLetters}")]
    public static partial void ImportDeadLettered(ILogger logger, string table, long deadLettered, string deadLetters);

    [LoggerMessage(EventId = 308, Level = LogLevel.Warning, Message = "Import into table {Table}: {DeadLettered} lines or items were set aside and not kept (no dead-letter location set); the first: {First}")]
    public static partial void ImportDeadLettersNotKept(ILogger logger, string table, long deadLettered, string first);

    // 320-329: the order splits run in, and stopping on cancellation.
    [LoggerMessage(EventId = 320, Level = LogLevel.Information, Message = "Import of {Source}: splits run {Ordering}: {Reason}")]
    public static partial void ImportOrdering(ILogger logger, string source, string ordering, string reason);

    [LoggerMessage(EventId = 321, Level = LogLevel.Warning, Message = "Import into table {Table} cancelled: reading stopped; writing what is in flight (for up to {GracePeriod}) and checkpointing")]
    public static partial void ImportStopping(ILogger logger, string table, TimeSpan gracePeriod);

    [LoggerMessage(EventId = 322, Level = LogLevel.Information, Message = "Import split {Split} stopped and checkpointed: file {File} of {Files}, after line {Line}")]
    public static partial void SplitStopped(ILogger logger, int split, int file, int files, long line);

    [LoggerMessage(EventId = 323, Level = LogLevel.Information, Message = "Import into table {Table} stopped by its time budget of {Budget}: {SplitsDone} of {Splits} splits done; what was read is written and its position stored, so the continuation (or a rerun with the checkpoint) goes on")]
    public static partial void ImportTimeBoxed(ILogger logger, string table, TimeSpan budget, int splitsDone, int splits);

    [LoggerMessage(EventId = 324, Level = LogLevel.Warning, Message = "Import split {Split} reached its time box's hard deadline while writing: {Abandoned} records read after the last stored position were given up (not counted; the next run writes them again, at least once); it goes on from file {File} of {Files}, after line {Line}")]
    public static partial void SplitAbandoned(ILogger logger, int split, long abandoned, int file, int files, long line);
}
