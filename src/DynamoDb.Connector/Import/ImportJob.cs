using System.Runtime.ExceptionServices;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Checkpoints;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Storage;
using DynamoDb.Connector.Telemetry;
using DynamoDb.Connector.Writing;
using System.Diagnostics.Metrics;
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
/// <para>Replays and conditional modes: a replayed write is a new request, so its condition is evaluated against the
/// table as the first write left it. <see cref="WriteMode.PutIfAbsent"/>: the replay finds the item it wrote and is
/// not applied; the table is right, but the run counts it in <see cref="ImportResult.ItemsSkippedByCondition"/>, not
/// <see cref="ImportResult.ItemsWritten"/> (and an item another writer put in between is kept, as it would have been).
/// <see cref="WriteMode.PutIf"/>: a condition the first write made false (a version check, <c>#v &lt; :v</c>) skips
/// the replay the same way; one that still holds (<c>attribute_exists(pk)</c>, a condition on attributes the put does
/// not change) applies the put again, which leaves the same item unless another writer changed it in between, whose
/// change the replay then overwrites. A time-boxed run (<see cref="ImportJobOptions.TimeBudget"/>) normally replays
/// nothing: it flushes before it stores its position; a crash or a kill inside the budget does, and so does a run that
/// reached its hard deadline with items unacknowledged (<see cref="ImportResult.ItemsAbandoned"/>): the next run writes
/// them again.</para>
/// <para>Order: the table ends as if the input were applied in order. The plan says how its splits run
/// (<see cref="ImportPlan.Ordering"/>): concurrently for an export of one table, which holds each key once; one after
/// another in input order otherwise, through one writer, which keeps the writes of one key in order; an incremental
/// export's changes by their timestamps (see <see cref="ImportOrdering"/>).</para>
/// <para>Before writing, the first records are checked against the table's key schema: data keyed for another table is
/// refused (<see cref="KeySchemaMismatchException"/>) instead of being set aside item by item.</para>
/// <para>Cancellation (Ctrl-C): reading stops at once, what was read is written and checkpointed (within
/// <see cref="ImportJobOptions.StopGracePeriod"/>), then <see cref="OperationCanceledException"/> is thrown: a rerun
/// with the same checkpoint redoes nothing.</para>
/// </remarks>
public sealed class ImportJob
{
    private readonly ImportInputFormat _inputFormat;
    private readonly IDynamoDbWriterFactory _writers;
    private readonly ObjectStores _stores;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConnectorMetrics _metrics;

    /// <summary>
    /// Creates the job: <paramref name="inputFormat"/> plans and reads the files (its object stores also hold the
    /// checkpoints and dead letters), <paramref name="writers"/> write the table; the job's instruments go on the
    /// connector's meter from <paramref name="meterFactory"/> when given.
    /// </summary>
    public ImportJob(ImportInputFormat inputFormat, IDynamoDbWriterFactory writers, TimeProvider timeProvider, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
        : this(inputFormat, writers, timeProvider, loggerFactory, new ConnectorMetrics(meterFactory), new WorkTracker())
    {
    }

    /// <summary>For tests: the metrics and the fake clock's tracker the writers use too.</summary>
    internal ImportJob(ImportInputFormat inputFormat, IDynamoDbWriterFactory writers, TimeProvider timeProvider, ILoggerFactory? loggerFactory, ConnectorMetrics metrics, WorkTracker tracker)
    {
        ArgumentNullException.ThrowIfNull(inputFormat);
        ArgumentNullException.ThrowIfNull(writers);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _stores = inputFormat.Stores;
        _inputFormat = inputFormat;
        _writers = writers;
        _time = timeProvider;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<ImportJob>();
        // A fake-clock test gives the writers' tracker: it advances time only when the workers and their writers all wait.
        Tracker = tracker;
        _metrics = metrics;
    }

    /// <summary>Counts the job's busy flows (with its writers' ones), for tests on a fake clock.</summary>
    internal WorkTracker Tracker { get; }

    /// <summary>
    /// For tests driving several jobs on one fake clock: a split run ends still counted in <see cref="Tracker"/>, for
    /// its caller to leave once it has counted itself elsewhere, so the clock never sees everyone idle in between.
    /// </summary>
    internal bool HandsCallerBack { get; set; }

    /// <summary>Plans the import (see <see cref="ImportInputFormat"/>) and runs every split.</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (its <c>Failures</c> list every problem).</exception>
    /// <exception cref="ArgumentException">
    /// A <see cref="ImportJobOptions.ShuffleWindow"/> is set for an incremental export, whose changes to one key must be
    /// applied in order; or (<see cref="RunAsync"/>) a <see cref="ImportJobOptions.TimeBudget"/> is set without a
    /// checkpoint to go on from.
    /// </exception>
    /// <exception cref="TableDoesNotExistException">The table does not exist (nothing is read).</exception>
    /// <exception cref="KeySchemaMismatchException">Most of the first records cannot match the table's key schema (nothing is written).</exception>
    /// <exception cref="InvalidOperationException">The checkpoint belongs to another import, or <see cref="ImportSourceOptions.Verify"/> is set for a source without a manifest.</exception>
    /// <exception cref="InvalidDataException"><see cref="ImportSourceOptions.Verify"/> is set and a file differs from its manifest (nothing is written).</exception>
    /// <exception cref="TableWriteException">Writing failed in a way retries cannot fix (access denied, the table deleted meanwhile).</exception>
    /// <exception cref="OperationCanceledException">
    /// <paramref name="cancellationToken"/> was cancelled: reading stopped, what was read was written (within
    /// <see cref="ImportJobOptions.StopGracePeriod"/>) and checkpointed, so a rerun with the same checkpoint goes on from there.
    /// </exception>
    public async Task<ImportResult> RunAsync(ImportJobOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.TimeBudget is not null && options.CheckpointUri is null && options.CheckpointStore is null)
        {
            throw new ArgumentException("A time-boxed import (TimeBudget) needs a checkpoint (CheckpointUri or CheckpointStore) for a rerun to go on from where it stopped; or run its splits with RunSplitAsync, whose result carries the continuation.", nameof(options));
        }
        long started = _time.GetTimestamp();
        Tracker.Enter();
        try
        {
            // The table first: a wrong name fails at once, not after a listing or a verification that read every file.
            var keys = await EnsureTableAsync(options, cancellationToken).ConfigureAwait(false);
            var plan = await _inputFormat.PlanAsync(options.Source, cancellationToken).ConfigureAwait(false);
            Log.ImportPlanned(_logger, plan.Source, plan.Kind.ToString(), plan.Format.ToName(), plan.FormatReason, plan.FileCount, plan.Splits.Count, plan.TotalBytes);
            return await RunSplitsAsync(plan, plan.Fingerprint(), keys, options, started, null, cancellationToken).ConfigureAwait(false);
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
    /// Checkpoints of splits of one plan may share a location. A plan whose <see cref="ImportPlan.Ordering"/> is
    /// <see cref="ImportOrdering.InputOrder"/> must run its splits one after another, in index order (a map state with a
    /// concurrency of 1); the splits of an incremental export are refused, since only one process seeing all of them
    /// can apply their changes by timestamp.
    /// <para>With <see cref="ImportJobOptions.TimeBudget"/> (a Lambda invocation's 15 minutes), the run stops before
    /// the budget ends and returns <see cref="ImportResult.Done"/> false with <see cref="ImportResult.Continuation"/>:
    /// run that next (with the same options) and it goes on where this one stopped, until a result is done. A
    /// continuation of a split already finished (by its checkpoint, or one at the split's end) runs nothing and is
    /// done. Dead letters are committed at each flush, and the continuation carries how many chunks were, so none is
    /// lost or set aside twice across runs.</para>
    /// </summary>
    /// <inheritdoc cref="RunAsync(ImportJobOptions, CancellationToken)"/>
    public Task<ImportResult> RunSplitAsync(SplitDocument split, ImportJobOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(options);
        var own = options.ForSource(split.Source, split.Format);
        own.Validate();
        if (split.Format == ItemFileFormat.DynamoDbJsonIncremental && split.SplitCount > 1)
        {
            throw new ArgumentException($"{split.Source} is an incremental export of {split.SplitCount} splits: its changes to one key apply by their timestamps across all of them, which one split run alone cannot see. Import it in one process (dynamodb-connector import).", nameof(split));
        }
        // One split: its files in input order, or an incremental export's changes by their timestamps.
        var (ordering, reason) = ImportOrderingRules.Decide(ImportSourceKind.Listing, split.Format, null, keysUnique: false, splits: 1);
        var plan = new ImportPlan(split.Source, split.NativeExport ? ImportSourceKind.NativeExport : ImportSourceKind.Listing, split.Format, "from the split", [split.Split], null) { Ordering = ordering, OrderingReason = reason };
        return EnsureTableThenRunAsync(plan, split, own, cancellationToken);
    }

    private async Task<ImportResult> EnsureTableThenRunAsync(ImportPlan plan, SplitDocument document, ImportJobOptions options, CancellationToken cancellationToken)
    {
        long started = _time.GetTimestamp();
        Tracker.Enter();
        try
        {
            var keys = await EnsureTableAsync(options, cancellationToken).ConfigureAwait(false);
            return await RunSplitsAsync(plan, document.PlanFingerprint, keys, options, started, document, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (!HandsCallerBack) Tracker.Exit();
        }
    }

    /// <param name="plan">The plan to run (of the one split of <paramref name="document"/> when given).</param>
    /// <param name="fingerprint">The whole plan's fingerprint.</param>
    /// <param name="keys">The table's key schema, when the writers tell it.</param>
    /// <param name="options">The options.</param>
    /// <param name="budgetStart">When the call started: a time budget counts from there.</param>
    /// <param name="document">The split document <see cref="RunSplitAsync"/> runs (a split of a plan run elsewhere), else null.</param>
    /// <param name="cancellationToken">The caller's cancellation.</param>
    private async Task<ImportResult> RunSplitsAsync(ImportPlan plan, string fingerprint, KeySchema? keys, ImportJobOptions options, long budgetStart, SplitDocument? document, CancellationToken cancellationToken)
    {
        long started = _time.GetTimestamp();
        int? planSplits = document?.SplitCount;
        using var span = ConnectorActivities.StartImport(options.TableName, plan);
        if (options.ShuffleWindow > 0 && plan.Format == ItemFileFormat.DynamoDbJsonIncremental)
        {
            // Shuffling could move a delete before the put it follows (or the reverse) and change the table's end state.
            throw new ArgumentException($"{plan.Source} is an incremental export ({plan.FormatReason}): its changes to one key must be applied in order, so it cannot be shuffled. Import it with a shuffle window of 0.", nameof(options));
        }
        if (keys is null && (options.ShuffleWindow > 0 || plan.Ordering == ImportOrdering.ByWriteTimestamp))
        {
            throw new InvalidOperationException($"The writers do not say the key schema of table '{options.TableName}', which a shuffle window and an incremental export need to keep the writes of one key in order.");
        }
        // Only when the data is written as read: a transform may make the keys the table wants (it is called once per record).
        if (keys is not null && options.Transform is null)
        {
            await KeySchemaCheck.EnsureMatchesAsync(_stores, plan, options.TableName, keys, options.Source, cancellationToken).ConfigureAwait(false);
        }
        var checkpoints = options.CheckpointStore
            ?? (options.CheckpointUri is { } checkpointUri ? new CheckpointStore(_stores.For(checkpointUri), checkpointUri) : null);
        // One whole import per checkpoint at a time; the splits of a fanned-out plan (RunSplitAsync) share theirs.
        await using var lease = options.CheckpointUri is { } leaseFolder && planSplits is null
            ? await JobLease.AcquireAsync(_stores, leaseFolder.TrimEnd('/'), JobLease.ImportLeaseName, $"import of {plan.Source} into {options.TableName}", _time, _logger, Tracker, cancellationToken).ConfigureAwait(false)
            : null;
        if (checkpoints is not null)
        {
            await CheckPlanAsync(checkpoints, fingerprint, plan.Source, planSplits ?? plan.Splits.Count, cancellationToken).ConfigureAwait(false);
        }
        string? deadLetters = options.DeadLetterUri ?? (options.CheckpointUri is { } c ? ObjectUri.Combine(ObjectUri.AsDirectory(c), "dead-letters/") : null);
        var run = new RunState(plan, options, checkpoints, deadLetters, fingerprint, _metrics)
        {
            Keys = keys,
            Timestamps = plan.Ordering == ImportOrdering.ByWriteTimestamp ? new WriteTimestamps(keys!) : null,
            Document = document,
        };

        // Splits that may hold one key twice run one after another, through one writer, which keeps the writes of a key
        // in order (see ImportOrdering); only those of an export of one table (or keys said unique) run concurrently.
        int workers = plan.Ordering == ImportOrdering.Concurrent ? Math.Clamp(options.Workers ?? ImportJobOptions.DefaultWorkers, 1, Math.Max(1, plan.Splits.Count)) : 1;
        Log.ImportOrdering(_logger, plan.Source, plan.Ordering.ToString(), plan.OrderingReason);
        // The workers share the batches in flight: items in flight are what the import holds in memory, so it stays
        // bounded by MaxBatchesInFlight x 25 items whatever the input size and the number of workers.
        run.WriterBatchesInFlight = Math.Max(1, (options.Writer.MaxBatchesInFlight + workers - 1) / workers);
        using var timeBox = options.TimeBudget is { } budget ? new TimeBox(_time, budgetStart, budget, workers, (run.WriterBatchesInFlight + 1L) * options.Writer.BatchSize + options.ShuffleWindow) : null;
        run.TimeBox = timeBox;
        // Reading stops on the caller's cancellation or at the time box; only the caller's is an error.
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeBox?.Token ?? CancellationToken.None);
        Log.ImportStarted(_logger, options.TableName, plan.Splits.Count, workers, options.CheckpointUri ?? "(none)");
        using var stop = new CancellationTokenSource(); // not the caller's: progress goes on while a cancelled run writes what it read
        var reporting = ReportProgressAsync(run, started, stop.Token);
        // A cancellation stops the reading at once; the writing of what was read ends with a failed worker, or once the
        // grace period has passed.
        using var failed = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
        using var graceOnCancel = cancellationToken.Register(() =>
        {
            Log.ImportStopping(_logger, options.TableName, options.StopGracePeriod);
            failed.CancelAfter(options.StopGracePeriod);
        });
        var runner = new SplitRunner(_inputFormat, _time, _logger);
        int next = -1;
        var all = Tracker.RunAllAsync(workers, RunWorkerAsync, out var tasks);
        try
        {
            await all.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The first worker's own error, not the cancellation it caused in the others.
            var error = tasks.Select(t => t.Exception?.InnerException).FirstOrDefault(e => e is not null and not OperationCanceledException);
            ConnectorActivities.Failed(span, error ?? ex);
            if (error is null && cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException($"The import into table '{options.TableName}' was cancelled, and the writes in flight did not end within {options.StopGracePeriod}: they were abandoned{(checkpoints is null ? "" : $"; the last checkpoint in {checkpoints.Location} stands, so a rerun with it redoes at most one checkpoint interval")}.", ex, cancellationToken);
            }
            ExceptionDispatchInfo.Throw(error ?? ex);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await reporting.ConfigureAwait(false);
        }
        if (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException($"The import into table '{options.TableName}' was cancelled; what was read is written{(checkpoints is null ? "" : $" and checkpointed in {checkpoints.Location}: rerun with the same checkpoint to go on from there")}.", cancellationToken);
        }

        // Each worker takes the next split until none is left or one of them failed.
        async Task RunWorkerAsync()
        {
            try
            {
                // One writer for all the splits this worker runs: a checkpoint flushes it, never ends it.
                var worker = new ImportWorker(_writers, run, Tracker);
                await worker.RunAsync(async writer =>
                {
                    int index;
                    while (!stopReading.IsCancellationRequested && (index = Interlocked.Increment(ref next)) < plan.Splits.Count)
                    {
                        failed.Token.ThrowIfCancellationRequested();
                        if (!await runner.RunAsync(plan.Splits[index], run, writer, worker.DeadLetters, stopReading.Token, failed.Token).ConfigureAwait(false)) return;
                    }
                }, failed.Token).ConfigureAwait(false);
            }
            catch
            {
                await failed.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }
        var result = run.ToResult(_time.GetElapsedTime(started));
        if (!result.Done) Log.ImportTimeBoxed(_logger, options.TableName, options.TimeBudget ?? TimeSpan.Zero, result.SplitsRun + result.SplitsSkipped, plan.Splits.Count);
        ConnectorActivities.ImportFinished(span, result);
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

    /// <summary>Describes the table before reading anything, so a wrong name fails at once and clearly; returns its key schema when the writers tell it.</summary>
    private async Task<KeySchema?> EnsureTableAsync(ImportJobOptions options, CancellationToken cancellationToken)
    {
        try
        {
            return (await _writers.GetBudgetAsync(options.TableName, options.Writer.Throughput, cancellationToken).ConfigureAwait(false)).Keys;
        }
        catch (ResourceNotFoundException e)
        {
            throw new TableDoesNotExistException(options.TableName, e);
        }
    }

    private static async Task CheckPlanAsync(ICheckpointStore checkpoints, string fingerprint, string source, int splits, CancellationToken cancellationToken)
    {
        var existing = await checkpoints.ReadAsync<PlanCheckpoint>("plan", cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            await checkpoints.WriteAsync("plan", new PlanCheckpoint(fingerprint, source, splits), cancellationToken).ConfigureAwait(false);
        }
        else if (existing.Fingerprint != fingerprint)
        {
            throw new InvalidOperationException(
                $"The checkpoint at {checkpoints.Location} belongs to another import (of {existing.Source}, {existing.Splits} splits): the files or options changed since. Use a new checkpoint location, or delete this one to start over.");
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
