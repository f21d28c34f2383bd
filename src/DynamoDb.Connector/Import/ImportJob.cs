using System.Runtime.ExceptionServices;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Checkpoints;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Storage;
using DynamoDb.Connector.Telemetry;
using DynamoDb.Connector.Writing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DynamoDb.Connector.Import;

/// <summary>
/// Loads files into an existing table at the allotted rate: plans splits, runs them on concurrent workers that share
/// the table's write budget, streams every file (memory stays bounded whatever its size), sets bad lines and
/// unwritable items aside, and records progress so a rerun resumes where a failed or killed run stopped.
/// Registered by <c>services.AddDynamoDbConnector()</c>.
/// </summary>
/// <remarks>
/// Resume is at least once for writes and exactly once for dead letters: a checkpoint records, per split, the last line
/// whose items are known to be written or set aside. A rerun skips finished splits and restarts a half-done one after
/// that line, so the items written since the last checkpoint are written again: harmless for puts and deletes, which
/// are idempotent (a put-if-absent replay finds its own item and skips it).
/// </remarks>
public sealed class ImportJob
{
    private readonly ImportInputFormat _inputFormat;
    private readonly IDynamoDbWriterFactory _writers;
    private readonly ObjectStores _stores;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConnectorMetrics _metrics;

    /// <summary>Creates the job over <paramref name="writers"/> (for the table) and <paramref name="stores"/> (for the files, checkpoints and dead letters).</summary>
    public ImportJob(IDynamoDbWriterFactory writers, IEnumerable<IObjectStore> stores, TimeProvider timeProvider, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(writers);
        ArgumentNullException.ThrowIfNull(stores);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _stores = new ObjectStores(stores);
        _inputFormat = new ImportInputFormat(_stores, loggerFactory?.CreateLogger<ImportInputFormat>());
        _writers = writers;
        _time = timeProvider;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<ImportJob>();
        // The writers' tracker: a fake-clock test advances time only when the workers and their writers all wait.
        Tracker = writers is DynamoDbWriterFactory factory ? factory.Tracker : new WorkTracker();
        // One meter: the writers' when they are ours, else one of the job's own (named the same).
        _metrics = writers is DynamoDbWriterFactory withMetrics ? withMetrics.Metrics : new ConnectorMetrics();
    }

    /// <summary>Counts the job's busy flows (with its writers' ones), for tests on a fake clock.</summary>
    internal WorkTracker Tracker { get; }

    /// <summary>Plans the import (see <see cref="ImportInputFormat"/>) and runs every split.</summary>
    /// <exception cref="ArgumentException">
    /// The options are invalid (the message lists every problem), or a <see cref="ImportJobOptions.ShuffleWindow"/> is set
    /// for an incremental export, whose changes to one key must be applied in order.
    /// </exception>
    /// <exception cref="InvalidOperationException">The table does not exist, the checkpoint belongs to another import, or <see cref="ImportSourceOptions.Verify"/> is set for a source without a manifest.</exception>
    /// <exception cref="InvalidDataException"><see cref="ImportSourceOptions.Verify"/> is set and a file differs from its manifest (nothing is written).</exception>
    /// <exception cref="TableWriteException">Writing failed in a way retries cannot fix (access denied, the table deleted meanwhile).</exception>
    public async Task<ImportResult> RunAsync(ImportJobOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Tracker.Enter();
        try
        {
            // The table first: a wrong name fails at once, not after a listing or a verification that read every file.
            await EnsureTableAsync(options, cancellationToken).ConfigureAwait(false);
            var plan = await _inputFormat.PlanAsync(options.Source, cancellationToken).ConfigureAwait(false);
            Log.ImportPlanned(_logger, plan.Source, plan.Kind.ToString(), plan.Format.ToName(), plan.FormatReason, plan.FileCount, plan.Splits.Count, plan.TotalBytes);
            return await RunSplitsAsync(plan, plan.Fingerprint(), options, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Tracker.Exit();
        }
    }

    /// <summary>
    /// Runs one split planned elsewhere (see <see cref="ImportPlan.SplitToJson"/>): how another process (a Lambda
    /// invocation, a container) takes its part of a fanned-out import. <see cref="ImportJobOptions.Source"/> gives only
    /// the CSV schema, if any: the split says what to read. Several processes running at once each take their share of
    /// the table's budget with <see cref="Capacity.WriteThroughputOptions.ProcessShare"/>, since none sees the others.
    /// Checkpoints of splits of one plan may share a location.
    /// </summary>
    /// <inheritdoc cref="RunAsync(ImportJobOptions, CancellationToken)"/>
    public Task<ImportResult> RunSplitAsync(SplitDocument split, ImportJobOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(options);
        var own = options.ForSource(split.Source, split.Format);
        own.Validate();
        var plan = new ImportPlan(split.Source, ImportSourceKind.Listing, split.Format, "from the split", [split.Split], null);
        return EnsureTableThenRunAsync(plan, split.PlanFingerprint, split.SplitCount, own, cancellationToken);
    }

    private async Task<ImportResult> EnsureTableThenRunAsync(ImportPlan plan, string fingerprint, int planSplits, ImportJobOptions options, CancellationToken cancellationToken)
    {
        Tracker.Enter();
        try
        {
            await EnsureTableAsync(options, cancellationToken).ConfigureAwait(false);
            return await RunSplitsAsync(plan, fingerprint, options, cancellationToken, planSplits).ConfigureAwait(false);
        }
        finally
        {
            Tracker.Exit();
        }
    }

    private async Task<ImportResult> RunSplitsAsync(ImportPlan plan, string fingerprint, ImportJobOptions options, CancellationToken cancellationToken, int? planSplits = null)
    {
        long started = _time.GetTimestamp();
        if (options.ShuffleWindow > 0 && plan.Format == ItemFileFormat.DynamoDbJsonIncremental)
        {
            // Shuffling could move a delete before the put it follows (or the reverse) and change the table's end state.
            throw new ArgumentException($"{plan.Source} is an incremental export ({plan.FormatReason}): its changes to one key must be applied in order, so it cannot be shuffled. Import it with a shuffle window of 0.", nameof(options));
        }
        var checkpoints = options.CheckpointUri is { } checkpointUri ? new CheckpointStore(_stores.For(checkpointUri), checkpointUri) : null;
        // One whole import per checkpoint at a time; the splits of a fanned-out plan (RunSplitAsync) share theirs.
        await using var lease = checkpoints is not null && planSplits is null
            ? await JobLease.AcquireAsync(_stores, checkpoints.RootUri, JobLease.ImportLeaseName, $"import of {plan.Source} into {options.TableName}", _time, _logger, Tracker, cancellationToken).ConfigureAwait(false)
            : null;
        if (checkpoints is not null)
        {
            await CheckPlanAsync(checkpoints, fingerprint, plan.Source, planSplits ?? plan.Splits.Count, cancellationToken).ConfigureAwait(false);
        }
        string? deadLetters = options.DeadLetterUri ?? (options.CheckpointUri is { } c ? ObjectUri.Combine(ObjectUri.AsDirectory(c), "dead-letters/") : null);
        var run = new RunState(plan, options, checkpoints, deadLetters, fingerprint, _metrics);

        int workers = Math.Clamp(options.Workers ?? ImportJobOptions.DefaultWorkers, 1, Math.Max(1, plan.Splits.Count));
        // The workers share the batches in flight: items in flight are what the import holds in memory, so it stays
        // bounded by MaxBatchesInFlight x 25 items whatever the input size and the number of workers.
        run.WriterBatchesInFlight = Math.Max(1, (options.Writer.MaxBatchesInFlight + workers - 1) / workers);
        Log.ImportStarted(_logger, options.TableName, plan.Splits.Count, workers, options.CheckpointUri ?? "(none)");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reporting = ReportProgressAsync(run, started, stop.Token);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        int next = -1;
        var all = Tracker.RunAllAsync(workers, RunWorkerAsync, out var tasks);
        try
        {
            await all.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The first worker's own error, not the cancellation it caused in the others.
            var error = tasks.Select(t => t.Exception?.InnerException).FirstOrDefault(e => e is not null and not OperationCanceledException) ?? ex;
            ExceptionDispatchInfo.Throw(error);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await reporting.ConfigureAwait(false);
        }

        // Each worker takes the next split until none is left or one of them failed.
        async Task RunWorkerAsync()
        {
            try
            {
                int index;
                while ((index = Interlocked.Increment(ref next)) < plan.Splits.Count)
                {
                    failed.Token.ThrowIfCancellationRequested();
                    await RunOneSplitAsync(plan.Splits[index], run, failed.Token).ConfigureAwait(false);
                }
            }
            catch
            {
                await failed.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }
        var result = run.ToResult(_time.GetElapsedTime(started));
        options.Progress?.Report(run.Progress(result.Elapsed, remaining: TimeSpan.Zero));
        Log.ImportCompleted(_logger, options.TableName, result.ItemsRead, result.ItemsWritten, result.ItemsDeleted, result.ItemsDeadLettered, result.BadLines,
            result.ItemsFiltered, result.ConsumedCapacityUnits, result.Elapsed, result.ThrottledRequests, result.Retries);
        if (result.ItemsDeadLettered > 0)
        {
            if (result.DeadLetterUri is { } uri) Log.ImportDeadLettered(_logger, options.TableName, result.ItemsDeadLettered, uri);
            else Log.ImportDeadLettersNotKept(_logger, options.TableName, result.ItemsDeadLettered, result.DeadLetterSamples.FirstOrDefault()?.Reason ?? "");
        }
        return result;
    }

    /// <summary>Describes the table before reading anything, so a wrong name fails at once and clearly.</summary>
    private async Task EnsureTableAsync(ImportJobOptions options, CancellationToken cancellationToken)
    {
        try
        {
            await _writers.GetBudgetAsync(options.TableName, options.Writer.Throughput, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException e)
        {
            throw new InvalidOperationException($"Table '{options.TableName}' does not exist: create it first (the CLI can, with --create-table --key).", e);
        }
    }

    private async Task RunOneSplitAsync(ImportSplit split, RunState run, CancellationToken cancellationToken)
    {
        string checkpointName = $"splits/{split.Index:D6}";
        var resume = run.Checkpoints is null ? null : await run.Checkpoints.ReadAsync<SplitCheckpoint>(checkpointName, cancellationToken).ConfigureAwait(false);
        // Dead letters an earlier run committed are in the folder too: the result points there even if this run adds none.
        if (resume?.DeadLetterChunks > 0 && run.DeadLetterFolder is not null) run.DeadLettersCommitted = true;
        if (resume?.Done == true)
        {
            run.SplitSkipped(split);
            return;
        }
        if (resume is not null)
        {
            Log.SplitResumed(_logger, split.Index, resume.FileIndex + 1, split.Files.Count, resume.Line);
            // The files the checkpoint shows as done are not read again: count their bytes, so progress reaches the total.
            run.AddBytesSkipped(split.Files.Take(resume.FileIndex).Sum(f => f.End - f.Start));
        }

        var chunks = run.DeadLetterFolder is { } folder
            ? new SplitDeadLetters(_stores, folder, run.Fingerprint, split.Index, resume?.DeadLetterChunks ?? 0, run.Samples)
            : null;
        IDeadLetterSink deadLetters = chunks is null ? run.Samples : chunks;
        var writer = new CheckpointedWriter(_writers, run, deadLetters, Tracker);
        await using (chunks)
        await using (writer.ConfigureAwait(false))
        {
            if (chunks is not null) await chunks.DiscardUnrecordedAsync(cancellationToken).ConfigureAwait(false);
            var shuffle = run.Options.ShuffleWindow > 0 ? new ShuffleBuffer<(ItemRecord Record, string Source)>(run.Options.ShuffleWindow, new Random(split.Index)) : null;
            var badLines = new List<RecordError>();
            var readerOptions = new ItemReaderOptions { BadRecords = BadRecordHandling.Skip, OnBadRecord = badLines.Add, Csv = run.Options.Source.Csv };
            long itemsRead = 0;

            // Everything up to the given line is written or set aside, and only then does the checkpoint say so.
            async Task CheckpointAsync(int fileIndex, long line, bool done)
            {
                if (shuffle is not null)
                {
                    foreach (var (record, source) in shuffle.Drain()) await writer.WriteAsync(record, source, cancellationToken).ConfigureAwait(false);
                }
                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (chunks is not null)
                {
                    await chunks.CommitAsync(cancellationToken).ConfigureAwait(false);
                    if (chunks.HasCommitted) run.DeadLettersCommitted = true;
                }
                if (run.Checkpoints is not null)
                {
                    await run.Checkpoints.WriteAsync(checkpointName, new SplitCheckpoint(run.Fingerprint, fileIndex, line, done, chunks?.NextChunk ?? 0), cancellationToken).ConfigureAwait(false);
                }
            }

            long lastCheckpoint = _time.GetTimestamp();
            for (int f = resume?.FileIndex ?? 0; f < split.Files.Count; f++)
            {
                var file = split.Files[f];
                long skipThrough = f == resume?.FileIndex ? resume.Line : 0;
                var reader = await SplitFileReader.OpenAsync(_stores, file, run.Plan.Format, readerOptions, run.AddBytesRead, cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is { } record)
                    {
                        await SetAsideAsync(badLines, skipThrough, run, deadLetters, cancellationToken).ConfigureAwait(false);
                        if (record.Line <= skipThrough) continue; // written before the last checkpoint
                        run.ItemRead();
                        itemsRead++;
                        foreach (var output in Transform(run, record))
                        {
                            if (shuffle is null)
                            {
                                await writer.WriteAsync(output, file.DisplayName, cancellationToken).ConfigureAwait(false);
                            }
                            else if (shuffle.Add((output, file.DisplayName), out var released))
                            {
                                await writer.WriteAsync(released.Record, released.Source, cancellationToken).ConfigureAwait(false);
                            }
                        }
                        if (_time.GetElapsedTime(lastCheckpoint) >= run.Options.CheckpointInterval)
                        {
                            await CheckpointAsync(f, reader.LinesRead, done: false).ConfigureAwait(false);
                            lastCheckpoint = _time.GetTimestamp();
                        }
                    }
                    await SetAsideAsync(badLines, skipThrough, run, deadLetters, cancellationToken).ConfigureAwait(false);
                }
                // Between files only when one is due: a checkpoint completes the writer, a round trip with nothing in
                // flight, which at every end of a small file halved the speed (ImportWorkersBenchmarks, 1 worker).
                bool last = f == split.Files.Count - 1;
                if (last || _time.GetElapsedTime(lastCheckpoint) >= run.Options.CheckpointInterval)
                {
                    await CheckpointAsync(last ? f : f + 1, 0, done: last).ConfigureAwait(false);
                    lastCheckpoint = _time.GetTimestamp();
                }
            }
            if (split.Files.Count == 0) await CheckpointAsync(0, 0, done: true).ConfigureAwait(false);
            run.SplitDone();
            Log.SplitFinished(_logger, split.Index, split.Files.Count, itemsRead);
        }
    }

    private static IEnumerable<ItemRecord> Transform(RunState run, ItemRecord record)
    {
        if (run.Options.Transform is not { } transform) return [record];
        // Called once per record: a transform may have side effects, and an iterator would run twice if enumerated twice.
        var produced = transform(record);
        var outputs = produced as IReadOnlyCollection<ItemRecord> ?? [.. produced ?? []];
        if (outputs.Count == 0) run.ItemFiltered();
        return outputs;
    }

    private async Task SetAsideAsync(List<RecordError> badLines, long skipThrough, RunState run, IDeadLetterSink deadLetters, CancellationToken cancellationToken)
    {
        if (badLines.Count == 0) return;
        foreach (var error in badLines)
        {
            if (error.Line <= skipThrough) continue; // set aside before the last checkpoint
            run.BadLine();
            Log.BadLineSetAside(_logger, error.Source, error.Line, error.Reason);
            await deadLetters.WriteAsync(DeadLetter.ForBadLine(error), cancellationToken).ConfigureAwait(false);
        }
        badLines.Clear();
    }

    private static async Task CheckPlanAsync(CheckpointStore checkpoints, string fingerprint, string source, int splits, CancellationToken cancellationToken)
    {
        var existing = await checkpoints.ReadAsync<PlanCheckpoint>("plan", cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            await checkpoints.WriteAsync("plan", new PlanCheckpoint(fingerprint, source, splits), cancellationToken).ConfigureAwait(false);
        }
        else if (existing.Fingerprint != fingerprint)
        {
            throw new InvalidOperationException(
                $"The checkpoint at {checkpoints.RootUri} belongs to another import (of {existing.Source}, {existing.Splits} splits): the files or options changed since. Use a new checkpoint location, or delete this one to start over.");
        }
    }

    private async Task ReportProgressAsync(RunState run, long started, CancellationToken cancellationToken)
    {
        if (run.Options.Progress is null && !_logger.IsEnabled(LogLevel.Information)) return;
        using var timer = new PeriodicTimer(ImportJobOptions.ProgressInterval, _time);
        var lastLog = _time.GetTimestamp();
        var rate = new RateWindow();
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var elapsed = _time.GetElapsedTime(started);
                // One reading of the bytes for the rate, the time left and the report, so they agree.
                var progress = run.Progress(elapsed, remaining: null);
                double bytesPerSecond = rate.Update(progress.BytesRead, elapsed.TotalSeconds);
                long left = progress.TotalBytes - progress.BytesRead;
                TimeSpan? remaining = bytesPerSecond > 0 && left >= 0 ? TimeSpan.FromSeconds(left / bytesPerSecond) : null;
                progress = progress with { Remaining = remaining };
                run.Options.Progress?.Report(progress);
                if (_time.GetElapsedTime(lastLog) >= TimeSpan.FromSeconds(10))
                {
                    Log.ImportProgress(_logger, run.Options.TableName, progress.ItemsRead, progress.ItemsWritten, progress.ItemsDeadLettered, progress.BytesRead, progress.TotalBytes,
                        progress.SplitsDone, progress.SplitsTotal, progress.WriteUnitsPerSecond, remaining?.ToString(@"hh\:mm\:ss", System.Globalization.CultureInfo.InvariantCulture) ?? "unknown time");
                    lastLog = _time.GetTimestamp();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The job is over.
        }
    }

    /// <summary>Bytes per second over the last ten samples or so, for the time left: recent, so it follows throttling and budget changes.</summary>
    private sealed class RateWindow
    {
        private readonly Queue<(double Seconds, long Bytes)> _samples = new();

        public double Update(long bytes, double seconds)
        {
            _samples.Enqueue((seconds, bytes));
            while (_samples.Count > 11) _samples.Dequeue();
            var (firstSeconds, firstBytes) = _samples.Peek();
            return seconds > firstSeconds ? (bytes - firstBytes) / (seconds - firstSeconds) : 0;
        }
    }
}
