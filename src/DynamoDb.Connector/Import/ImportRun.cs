using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Checkpoints;
using DynamoDb.Connector.Telemetry;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Import;

/// <summary>
/// A split's checkpoint: files before <c>FileIndex</c> are done, and lines up to <c>Line</c> of that file (the next
/// starting at byte <c>Offset</c> when the reader could tell); <c>DeadLetterChunks</c> dead-letter chunks were committed.
/// </summary>
internal sealed record SplitCheckpoint(string Plan, int FileIndex, long Line, bool Done, int DeadLetterChunks, long? Offset = null)
{
    /// <summary>Where a rerun reads on from.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public ImportPosition Position => new(FileIndex, Line, Offset);

    /// <summary>The checkpoint at <paramref name="position"/>; a finished split's names its last file, as it always has.</summary>
    public static SplitCheckpoint At(string plan, ImportSplit split, ImportPosition position, bool done, int deadLetterChunks) => done
        ? new SplitCheckpoint(plan, Math.Max(0, split.Files.Count - 1), 0, true, deadLetterChunks)
        : new SplitCheckpoint(plan, position.File, position.Line, false, deadLetterChunks, position.Offset);
}

/// <summary>The plan a checkpoint folder belongs to.</summary>
internal sealed record PlanCheckpoint(string Fingerprint, string Source, int Splits);

/// <summary>The counters and shared pieces of one run, updated by every worker.</summary>
internal sealed class RunState(ImportPlan plan, ImportJobOptions options, ICheckpointStore? checkpoints, string? deadLetterFolder, string fingerprint, ConnectorMetrics metrics)
{
    private readonly KeyValuePair<string, object?> _tableTag = new("table", options.TableName);
    private readonly Lock _lock = new();
    private readonly Dictionary<IDynamoDbWriter, WriteTotals> _writers = [];
    private readonly WriteTotals _written = new();
    private readonly Dictionary<ImportSplitReader, (long Items, long Bad, long Bytes)> _readers = [];
    private long _itemsRead, _itemsFiltered, _itemsSuperseded, _badLines, _bytesRead, _recordsAbandoned, _badLinesAbandoned;
    private int _splitsRun, _splitsSkipped;

    public ImportPlan Plan { get; } = plan;
    public ImportJobOptions Options { get; } = options;
    public ICheckpointStore? Checkpoints { get; } = checkpoints;
    public string? DeadLetterFolder { get; } = deadLetterFolder;
    public DeadLetterSamples Samples { get; } = new();
    public string Fingerprint { get; } = fingerprint;
    public bool DeadLettersCommitted { get; set; }

    /// <summary>The table's key schema, when the writers tell it.</summary>
    public Formats.Items.KeySchema? Keys { get; init; }

    /// <summary>For an incremental export (<see cref="ImportOrdering.ByWriteTimestamp"/>): the newest change applied to each key.</summary>
    public WriteTimestamps? Timestamps { get; init; }

    /// <summary>The time box of a run with <see cref="ImportJobOptions.TimeBudget"/>, else null.</summary>
    public TimeBox? TimeBox { get; set; }

    /// <summary>The split document a <see cref="ImportJob.RunSplitAsync"/> runs (its <see cref="SplitDocument.From"/> is where it resumes), else null.</summary>
    public SplitDocument? Document { get; init; }

    /// <summary>Where the split stopped before its end (and the next dead-letter chunk then), for the continuation.</summary>
    public (ImportPosition Position, int DeadLetterChunks)? Stopped { get; private set; }

    /// <summary>Each worker's share of <see cref="DynamoDbWriterOptions.MaxBatchesInFlight"/> (at least 1).</summary>
    public int WriterBatchesInFlight { get; set; } = options.Writer.MaxBatchesInFlight;

    public void ItemFiltered() => Interlocked.Increment(ref _itemsFiltered);

    public void ItemSuperseded() => Interlocked.Increment(ref _itemsSuperseded);

    /// <summary>Counts <paramref name="reader"/>'s records and bytes from now on (the bytes before its position as read, so progress reaches the total).</summary>
    public void Attach(ImportSplitReader reader)
    {
        lock (_lock)
        {
            _readers.Add(reader, (0, 0, 0));
            _bytesRead += reader.BytesSkipped;
        }
    }

    /// <summary>Adds what <paramref name="reader"/> read since the last time to the meter.</summary>
    public void ReaderCheckpointed(ImportSplitReader reader)
    {
        lock (_lock) Meter(reader);
    }

    /// <summary>Adds <paramref name="reader"/>'s counts to the run's and stops reading them from it.</summary>
    public void Detach(ImportSplitReader reader)
    {
        lock (_lock)
        {
            Meter(reader);
            _readers.Remove(reader);
            _itemsRead += reader.RecordsRead;
            _badLines += reader.BadRecords;
            _bytesRead += reader.BytesRead;
        }
    }

    private void Meter(ImportSplitReader reader)
    {
        var (items, bad, bytes) = _readers[reader];
        var now = (reader.RecordsRead, reader.BadRecords, reader.BytesRead);
        metrics.ImportItemsRead.Add(now.RecordsRead - items, _tableTag);
        metrics.ImportBadLines.Add(now.BadRecords - bad, _tableTag);
        metrics.ImportBytesRead.Add(now.BytesRead - bytes, _tableTag);
        _readers[reader] = now;
    }

    /// <summary>Records, bad records and bytes read so far, by the readers done and those reading. Call under the lock.</summary>
    private (long Items, long Bad, long Bytes) Read()
    {
        long items = _itemsRead, bad = _badLines, bytes = _bytesRead;
        foreach (var reader in _readers.Keys)
        {
            items += reader.RecordsRead;
            bad += reader.BadRecords;
            bytes += reader.BytesRead;
        }
        return (items, bad, bytes);
    }

    public void SplitDone()
    {
        Interlocked.Increment(ref _splitsRun);
        metrics.ImportSplitsCompleted.Add(1, _tableTag);
    }

    /// <summary>A split stopped before its end, checkpointed at <paramref name="position"/>.</summary>
    public void SplitStopped(ImportPosition position, int deadLetterChunks)
    {
        lock (_lock) Stopped = (position, deadLetterChunks);
    }

    /// <summary>
    /// A split gave up at the time box's hard deadline: it goes on from <paramref name="position"/>, the last one stored
    /// (when <paramref name="reader"/> had read <paramref name="records"/> records and <paramref name="badRecords"/> bad
    /// ones); what it read after that is abandoned, counted neither as read nor as set aside.
    /// </summary>
    public void SplitAbandoned(ImportSplitReader reader, ImportPosition position, int deadLetterChunks, long records, long badRecords)
    {
        lock (_lock)
        {
            Stopped = (position, deadLetterChunks);
            _recordsAbandoned += reader.RecordsRead - records;
            _badLinesAbandoned += reader.BadRecords - badRecords;
        }
    }

    public void SplitSkipped(ImportSplit split)
    {
        Interlocked.Increment(ref _splitsSkipped);
        lock (_lock) _bytesRead += split.Bytes;
    }

    /// <summary>Counts what <paramref name="writer"/> writes from now on: its flushes, and live progress in between.</summary>
    public void Attach(IDynamoDbWriter writer)
    {
        lock (_lock) _writers.Add(writer, new WriteTotals());
    }

    /// <summary>Adds what a flush of <paramref name="writer"/> acknowledged.</summary>
    public void Flushed(IDynamoDbWriter writer, WriteFlush flush)
    {
        lock (_lock)
        {
            var delta = WriteTotals.Of(flush);
            _writers[writer].Add(delta);
            _written.Add(delta);
        }
    }

    /// <summary>Adds what <paramref name="writer"/> acknowledged after its last flush (and its index units) and stops counting it.</summary>
    public void Completed(IDynamoDbWriter writer, WriteSummary summary)
    {
        lock (_lock)
        {
            _written.Add(WriteTotals.Of(summary).Minus(_writers[writer]));
            _written.Consumed += summary.IndexConsumedWriteUnits.Values.Sum();
            _writers.Remove(writer);
        }
    }

    /// <summary>Stops counting a writer that failed: what it flushed stays counted.</summary>
    public void Detach(IDynamoDbWriter writer)
    {
        lock (_lock) _writers.Remove(writer);
    }

    public ImportProgress Progress(TimeSpan elapsed, TimeSpan? remaining)
    {
        lock (_lock)
        {
            long written = _written.Written + _written.Deleted, deadLettered = _written.DeadLettered, throttled = _written.Throttled;
            double unitsPerSecond = 0;
            foreach (var (writer, flushed) in _writers)
            {
                // What the writer acknowledged since its last flush: its progress counts its whole life.
                var live = writer.GetProgress();
                written += Math.Max(0, live.ItemsWritten + live.ItemsDeleted - flushed.Written - flushed.Deleted);
                deadLettered += Math.Max(0, live.ItemsDeadLettered - flushed.DeadLettered);
                throttled += Math.Max(0, live.ThrottledRequests - flushed.Throttled);
                unitsPerSecond += live.WriteUnitsPerSecond;
            }
            var (items, bad, bytes) = Read();
            return new ImportProgress(items, written, deadLettered + bad, bytes, Plan.TotalBytes,
                unitsPerSecond, throttled, _splitsRun + _splitsSkipped, Plan.Splits.Count, elapsed, remaining);
        }
    }

    /// <summary>The split document to run next: the one run, from where it stopped (as given when it did not start).</summary>
    private SplitDocument? Continuation() => Document is not { } document ? null
        : Stopped is { } stopped ? document with { From = stopped.Position, DeadLetterChunks = stopped.DeadLetterChunks }
        : document;

    public ImportResult ToResult(TimeSpan elapsed)
    {
        lock (_lock)
        {
            var (items, bad, _) = Read();
            items -= _recordsAbandoned;
            bad -= _badLinesAbandoned;
            bool done = _splitsRun + _splitsSkipped >= Plan.Splits.Count;
            return new ImportResult
            {
                Plan = Plan,
                ItemsRead = items,
                ItemsWritten = _written.Written,
                ItemsDeleted = _written.Deleted,
                ItemsDeadLettered = _written.DeadLettered + bad,
                BadLines = bad,
                ItemsDeduplicated = _written.Deduplicated,
                ItemsSkippedByCondition = _written.Skipped,
                ItemsFiltered = Interlocked.Read(ref _itemsFiltered),
                ItemsSuperseded = Interlocked.Read(ref _itemsSuperseded),
                ConsumedCapacityUnits = _written.Consumed,
                ThrottledRequests = _written.Throttled,
                Retries = _written.Retries,
                SplitsRun = _splitsRun,
                SplitsSkipped = _splitsSkipped,
                DeadLetterUri = DeadLettersCommitted ? DeadLetterFolder : null,
                DeadLetterSamples = Samples.Kept,
                Elapsed = elapsed,
                Done = done,
                ItemsAbandoned = _recordsAbandoned,
                Continuation = done ? null : Continuation(),
            };
        }
    }
}

/// <summary>What writers acknowledged: the sum of their flushes (and of what their completion added).</summary>
internal sealed class WriteTotals
{
    public long Written, Deleted, DeadLettered, Deduplicated, Skipped, Throttled, Retries;
    public double Consumed;

    public static WriteTotals Of(WriteFlush f) => new()
    {
        Written = f.ItemsWritten, Deleted = f.ItemsDeleted, DeadLettered = f.ItemsDeadLettered, Deduplicated = f.ItemsDeduplicated,
        Skipped = f.ItemsSkippedByCondition, Throttled = f.ThrottledRequests, Retries = f.Retries, Consumed = f.ConsumedWriteUnits,
    };

    public static WriteTotals Of(WriteSummary s) => new()
    {
        Written = s.ItemsWritten, Deleted = s.ItemsDeleted, DeadLettered = s.ItemsDeadLettered, Deduplicated = s.ItemsDeduplicated,
        Skipped = s.ItemsSkippedByCondition, Throttled = s.ThrottledRequests, Retries = s.Retries, Consumed = s.ConsumedWriteUnits,
    };

    public void Add(WriteTotals other)
    {
        Written += other.Written; Deleted += other.Deleted; DeadLettered += other.DeadLettered; Deduplicated += other.Deduplicated;
        Skipped += other.Skipped; Throttled += other.Throttled; Retries += other.Retries; Consumed += other.Consumed;
    }

    /// <summary>This less <paramref name="other"/>, never below zero.</summary>
    public WriteTotals Minus(WriteTotals other) => new()
    {
        Written = Math.Max(0, Written - other.Written), Deleted = Math.Max(0, Deleted - other.Deleted),
        DeadLettered = Math.Max(0, DeadLettered - other.DeadLettered), Deduplicated = Math.Max(0, Deduplicated - other.Deduplicated),
        Skipped = Math.Max(0, Skipped - other.Skipped), Throttled = Math.Max(0, Throttled - other.Throttled),
        Retries = Math.Max(0, Retries - other.Retries), Consumed = Math.Max(0, Consumed - other.Consumed),
    };
}
