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
    private readonly List<CheckpointedWriter> _live = [];
    private readonly Dictionary<ImportSplitReader, (long Items, long Bad, long Bytes)> _readers = [];
    private long _itemsRead, _itemsFiltered, _itemsSuperseded, _badLines, _bytesRead;
    private int _splitsRun, _splitsSkipped;
    private long _written, _deleted, _deadLettered, _deduplicated, _skippedByCondition, _throttled, _retries;
    private double _consumed;

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

    public void SplitSkipped(ImportSplit split)
    {
        Interlocked.Increment(ref _splitsSkipped);
        lock (_lock) _bytesRead += split.Bytes;
    }

    public void Attach(CheckpointedWriter writer) { lock (_lock) _live.Add(writer); }

    public void Detach(CheckpointedWriter writer) { lock (_lock) _live.Remove(writer); }

    /// <summary>Adds a completed writer's summary and forgets the writer at once, so a progress report counts either one or the other.</summary>
    public void Retire(CheckpointedWriter writer, WriteSummary summary)
    {
        lock (_lock)
        {
            writer.ClearCurrent();
            _written += summary.ItemsWritten;
            _deleted += summary.ItemsDeleted;
            _deadLettered += summary.ItemsDeadLettered;
            _deduplicated += summary.ItemsDeduplicated;
            _skippedByCondition += summary.ItemsSkippedByCondition;
            _throttled += summary.ThrottledRequests;
            _retries += summary.Retries;
            _consumed += summary.ConsumedWriteUnits + summary.IndexConsumedWriteUnits.Values.Sum();
        }
    }

    public ImportProgress Progress(TimeSpan elapsed, TimeSpan? remaining)
    {
        lock (_lock)
        {
            long written = _written + _deleted, deadLettered = _deadLettered, throttled = _throttled;
            double unitsPerSecond = 0;
            foreach (var writer in _live)
            {
                if (writer.CurrentProgress() is not { } live) continue;
                written += live.ItemsWritten + live.ItemsDeleted;
                deadLettered += live.ItemsDeadLettered;
                throttled += live.ThrottledRequests;
                unitsPerSecond += live.WriteUnitsPerSecond;
            }
            var (items, bad, bytes) = Read();
            return new ImportProgress(items, written, deadLettered + bad, bytes, Plan.TotalBytes,
                unitsPerSecond, throttled, _splitsRun + _splitsSkipped, Plan.Splits.Count, elapsed, remaining);
        }
    }

    public ImportResult ToResult(TimeSpan elapsed)
    {
        lock (_lock)
        {
            var (items, bad, _) = Read();
            return new ImportResult
            {
                Plan = Plan,
                ItemsRead = items,
                ItemsWritten = _written,
                ItemsDeleted = _deleted,
                ItemsDeadLettered = _deadLettered + bad,
                BadLines = bad,
                ItemsDeduplicated = _deduplicated,
                ItemsSkippedByCondition = _skippedByCondition,
                ItemsFiltered = Interlocked.Read(ref _itemsFiltered),
                ItemsSuperseded = Interlocked.Read(ref _itemsSuperseded),
                ConsumedCapacityUnits = _consumed,
                ThrottledRequests = _throttled,
                Retries = _retries,
                SplitsRun = _splitsRun,
                SplitsSkipped = _splitsSkipped,
                DeadLetterUri = DeadLettersCommitted ? DeadLetterFolder : null,
                DeadLetterSamples = Samples.Kept,
                Elapsed = elapsed,
            };
        }
    }
}

/// <summary>
/// A split's writer that can be drained at a checkpoint: <see cref="FlushAsync"/> completes the current table writer
/// (everything accepted is then written or set aside) and the next write opens a fresh one. Writers of one table share
/// its budget, so opening one is cheap.
/// </summary>
/// <remarks>
/// The worker's flow is counted in the <see cref="WorkTracker"/> by the open table writer (which knows when its caller
/// waits) or, while none is open, by this class: the count passes from one to the other and back
/// (<see cref="DynamoDbWriter.HandsCallerBack"/>) without dropping to zero, so a fake-clock test does not move the
/// clock while the worker reads or checkpoints.
/// </remarks>
internal sealed class CheckpointedWriter : IAsyncDisposable
{
    private readonly IDynamoDbWriterFactory _factory;
    private readonly DynamoDbWriterOptions _writerOptions;
    private readonly RunState _run;
    private readonly WorkTracker _tracker;
    private IDynamoDbWriter? _current;

    public CheckpointedWriter(IDynamoDbWriterFactory factory, RunState run, IDeadLetterSink deadLetters, WorkTracker tracker)
    {
        _factory = factory;
        _run = run;
        _tracker = tracker;
        _writerOptions = run.Options.Writer.Clone();
        _writerOptions.DeadLetterSink = deadLetters;
        _writerOptions.DeadLetterUri = null;
        _writerOptions.MaxBatchesInFlight = run.WriterBatchesInFlight;
        run.Attach(this);
    }

    public WriteProgress? CurrentProgress() => _current?.GetProgress();

    public async ValueTask WriteAsync(ItemRecord record, string source, CancellationToken cancellationToken)
    {
        if (_current is null)
        {
            try
            {
                _current = await _factory.CreateAsync(_run.Options.TableName, _writerOptions, cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonServiceException e) when (e is ResourceNotFoundException || e.ErrorCode == "AccessDeniedException")
            {
                // The table was there at the start: it was deleted, or access revoked, meanwhile. Retrying cannot fix it.
                throw new TableWriteException($"Writing to table '{_run.Options.TableName}' failed: {e.ErrorCode}: {e.Message}.", new WriteSummary { TableName = _run.Options.TableName }, e);
            }
            if (_current is DynamoDbWriter own)
            {
                own.HandsCallerBack = true; // and the worker goes on counted when the writer ends
                _tracker.Exit(); // the new writer counts the worker now
            }
        }
        await _current.WriteAsync(record, source, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Completes the current writer, if any: everything accepted so far is written or dead-lettered, and counted in the run.</summary>
    /// <remarks>On failure the writer stays current, for <see cref="DisposeAsync"/> to dispose.</remarks>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_current is null) return;
        var writer = _current;
        var summary = await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        _run.Retire(this, summary);
        await writer.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Forgets the current writer; the run calls it under its lock with the writer's summary added, so progress never counts both.</summary>
    internal void ClearCurrent() => _current = null;

    public async ValueTask DisposeAsync()
    {
        _run.Detach(this);
        if (_current is not null)
        {
            var writer = _current;
            _current = null;
            await writer.DisposeAsync().ConfigureAwait(false);
        }
    }
}
