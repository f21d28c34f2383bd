using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Checkpoints;
using DynamoDb.Connector.Storage;
using DynamoDb.Connector.Telemetry;
using DynamoDb.Connector.Writing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DynamoDb.Connector.Export;

/// <summary>
/// Exports a DynamoDB table (an index, or the part a key condition selects) to files in S3 or on a local disk, at the
/// read rate it is allotted and never faster: parallel Scan segments (or Queries) read by several workers sharing one
/// read budget, paced in read capacity units; items written as data-pipeline or ddb-json lines into part files
/// rotated every <see cref="ExportOptions.ItemsPerFile"/> items, each committed atomically; and the manifest written
/// last, so a manifest exists only for a complete export. Progress is checkpointed at every committed part file, so
/// an interrupted export (cancelled, failed, killed) resumes where it stopped when run again with the same options,
/// without duplicates. Registered by <c>services.AddDynamoDbConnector(...)</c>; uses the <see cref="IAmazonDynamoDB"/>
/// and object stores from DI.
/// </summary>
public sealed class ExportJob : IDisposable
{
    private readonly IAmazonDynamoDB _client;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConnectorMetrics _metrics;
    private readonly bool _ownsMetrics;
    private readonly ObjectStores _stores;
    private readonly Func<double> _random;

    /// <summary>Creates the job over the clients and stores registered in DI.</summary>
    /// <param name="client">The DynamoDB client.</param>
    /// <param name="timeProvider">The clock (pacing, backoff, progress).</param>
    /// <param name="stores">The object stores (S3, local files) the destination and checkpoint are written to.</param>
    /// <param name="loggerFactory">Logging; none when null.</param>
    /// <param name="meterFactory">Metrics; a meter of its own when null.</param>
    public ExportJob(IAmazonDynamoDB client, TimeProvider timeProvider, IEnumerable<IObjectStore> stores, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
        : this(client, timeProvider, stores, loggerFactory ?? NullLoggerFactory.Instance, new ConnectorMetrics(meterFactory), Random.Shared.NextDouble)
    {
        _ownsMetrics = true;
    }

    /// <summary>For tests: given metrics and a given random source for the backoff jitter.</summary>
    internal ExportJob(IAmazonDynamoDB client, TimeProvider timeProvider, IEnumerable<IObjectStore> stores, ILoggerFactory loggerFactory, ConnectorMetrics metrics, Func<double> random)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(stores);
        _client = client;
        _time = timeProvider;
        _logger = loggerFactory.CreateLogger("DynamoDb.Connector.Export");
        _metrics = metrics;
        _stores = new ObjectStores(stores);
        _random = random;
        LoggerFactory = loggerFactory;
    }

    /// <summary>Counts the export's busy flows (workers, budget refreshes), for tests on a fake clock.</summary>
    internal WorkTracker Tracker { get; } = new();

    private ILoggerFactory LoggerFactory { get; }

    /// <summary>
    /// Plans the export without reading any item: describes the table, computes the read budget and the splits
    /// (segments or Queries). A resumed export keeps the plan it started with; this shows what a fresh one would do.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid (the message lists every problem) or do not fit the table.</exception>
    public async Task<ExportPlan> PlanAsync(ExportOptions options, CancellationToken cancellationToken = default)
    {
        options = Validated(options);
        var table = await DescribeAsync(options.TableName, cancellationToken).ConfigureAwait(false);
        var (_, _, global) = ExportPlanner.KeysOf(table, options.IndexName);
        var budget = ReadBudget.Compute(table, global ? options.IndexName : null, options.Throughput);
        return ExportPlanner.Plan(options, table, budget.ReadUnitsPerSecond);
    }

    /// <summary>
    /// Runs the export to completion and returns what it wrote. With a checkpoint from an interrupted run of the same
    /// export, resumes it. On failure or cancellation no manifest is written and the checkpoint keeps what was
    /// committed; run again to continue.
    /// </summary>
    /// <param name="options">What to export, where, and how fast; validated first.</param>
    /// <param name="progress">Receives a snapshot every <see cref="ExportOptions.ProgressInterval"/> and one at the end.</param>
    /// <param name="cancellationToken">Stops the export; what was committed stays recorded for a resume.</param>
    /// <exception cref="ArgumentException">The options are invalid (the message lists every problem) or do not fit the table.</exception>
    /// <exception cref="InvalidOperationException">The destination already holds a complete export (set <see cref="ExportOptions.Overwrite"/>), or the checkpoint belongs to a different export.</exception>
    /// <exception cref="ExportException">Reading or writing failed for good (after retries); the export can be resumed.</exception>
    /// <exception cref="DynamoDbUnavailableException">DynamoDB could not be reached, or kept failing past the retry limits; the export can be resumed.</exception>
    public async Task<ExportResult> RunAsync(ExportOptions options, IProgress<ExportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options = Validated(options);
        long startedAt = _time.GetTimestamp();
        Tracker.Enter();
        try
        {
            return await RunCoreAsync(options, progress, startedAt, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Tracker.Exit();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsMetrics) _metrics.Dispose();
    }

    private static ExportOptions Validated(ExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options = options.Clone();
        if (options.Validate() is { Count: > 0 } problems)
        {
            throw new ArgumentException($"Invalid export options: {string.Join(" ", problems)}", nameof(options));
        }
        options.Destination = ExportManifestOutputFormat.AbsoluteDestination(options.Destination);
        return options;
    }

    private async Task<TableDescription> DescribeAsync(string tableName, CancellationToken cancellationToken)
    {
        try
        {
            // An unreachable endpoint is said as such (DynamoDbUnavailableException), not as a raw socket error.
            return await TableCapacity.DescribeAsync(_client, tableName, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException e)
        {
            throw new ArgumentException($"Table '{tableName}' does not exist (or this identity cannot see it): {e.Message}", e);
        }
    }

    private async Task<ExportResult> RunCoreAsync(ExportOptions options, IProgress<ExportProgress>? progress, long startedAt, CancellationToken cancellationToken)
    {
        using var span = ConnectorActivities.StartExport(options.TableName, options.IndexName);
        var table = await DescribeAsync(options.TableName, cancellationToken).ConfigureAwait(false);
        var (_, _, global) = ExportPlanner.KeysOf(table, options.IndexName);
        // One export per destination at a time: two would write parts into one folder and one manifest over the other's.
        await using var lease = await JobLease.AcquireAsync(_stores, options.Destination, JobLease.ExportLeaseName, $"export of {options.TableName}", _time, _logger, Tracker, cancellationToken).ConfigureAwait(false);
        string checkpointUri = options.CheckpointUri is { } explicitUri ? ObjectUri.AsDirectory(explicitUri) : ObjectUri.Combine(options.Destination, "_checkpoint/");
        var checkpoint = new ExportCheckpoint(new CheckpointStore(_stores.For(checkpointUri), checkpointUri.TrimEnd('/')), ownsRoot: options.CheckpointUri is null);
        var state = await checkpoint.LoadAsync(cancellationToken).ConfigureAwait(false);

        using var budget = new TableReadBudget(_client, table, global ? options.IndexName : null, options.Throughput, _time, _logger, Tracker);
        using var allotted = _metrics.ReadAllotted.Track(budget, budget.TableName, () => budget.Current.ReadUnitsPerSecond);
        var fresh = ExportPlanner.Plan(state.Job?.Plan.TotalSegments is { } segments && options.TotalSegments is null && options.KeyConditionExpression is null
            ? WithSegments(options, segments) : options, table, budget.Current.ReadUnitsPerSecond);
        ExportCheckpointJob job;
        if (state.Job is { } started)
        {
            if (Incompatibility(started, fresh, options) is { } why)
            {
                throw new InvalidOperationException(
                    $"The checkpoint at {checkpoint.RootUri} belongs to a different export ({why}). Use the same options to resume it, or delete the checkpoint (or choose another CheckpointUri) to start a new export.");
            }
            job = started;
        }
        else
        {
            job = new ExportCheckpointJob
            {
                Plan = fresh,
                Destination = options.Destination,
                Layout = options.Layout,
                Format = options.EffectiveFormat,
                Compression = options.EffectiveCompression,
                ExportId = options.Layout == ExportLayout.Native ? ExportManifestOutputFormat.NewExportId(_time.GetUtcNow()) : null,
                StartTime = _time.GetUtcNow(),
            };
        }
        var output = new ExportManifestOutputFormat(_stores.For(options.Destination), options.Destination, job.Layout, job.Format, job.Compression, job.ExportId);
        if (await output.IsCompleteAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!options.Overwrite)
            {
                throw new ExportDestinationCompleteException(options.Destination, output.ManifestUri);
            }
            // The manifest goes first, so that at no time does a manifest list files being replaced.
            await output.DeleteManifestAsync(cancellationToken).ConfigureAwait(false);
            if (state.Job is not null)
            {
                await checkpoint.DeleteAsync(cancellationToken).ConfigureAwait(false);
                state = new ExportCheckpointState(null, []);
                job = new ExportCheckpointJob { Plan = fresh, Destination = job.Destination, Layout = job.Layout, Format = job.Format, Compression = job.Compression, ExportId = job.ExportId, StartTime = _time.GetUtcNow() };
            }
        }
        bool resumed = state.Job is not null;
        if (!resumed)
        {
            await checkpoint.WriteJobAsync(job, cancellationToken).ConfigureAwait(false);
        }
        int orphans = await output.CleanAsync(state.Files, cancellationToken).ConfigureAwait(false);
        await output.WriteStartedAsync(cancellationToken).ConfigureAwait(false);

        var plan = job.Plan;
        var run = new Run(this, options, plan, state, checkpoint, output, budget, table, progress, startedAt);
        int workers = Math.Max(1, Math.Min(options.MaxWorkers, run.Pending.Count));
        if (resumed) Log.ExportResumed(_logger, plan.TableName, state.Files.Count, state.Files.Sum(f => f.ItemCount), run.SplitsDone, plan.SplitCount, orphans, state.UnreadableRecords);
        else if (orphans > 0) Log.ExportOrphansDeleted(_logger, plan.TableName, orphans, output.DataDirectory);
        Log.ExportStarted(_logger, plan.TableName, plan.IndexName is null ? "" : $"(index {plan.IndexName}) ", plan.IsQuery ? "Query" : "Scan", plan.SplitCount, workers, budget.Current.ReadUnitsPerSecond, plan.Basis, output.ManifestUri);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var progressTimer = _time.CreateTimer(static state => ((Run)state!).ReportProgress(), run, options.ProgressInterval, options.ProgressInterval);
        var all = Tracker.RunAllAsync(workers, () => RunWorkerAsync(run, stop), out var tasks);
        try
        {
            await all.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await progressTimer.DisposeAsync().ConfigureAwait(false);
            var error = tasks.Select(t => t.Exception?.InnerException).FirstOrDefault(e => e is not null and not OperationCanceledException) ?? ex;
            ConnectorActivities.Failed(span, error);
            if (error is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                Log.ExportStopped(_logger, plan.TableName, run.Snapshot().ItemsExported, checkpoint.RootUri);
                throw new OperationCanceledException($"The export of {plan.TableName} was cancelled; {run.Snapshot().FilesCommitted} part files are committed and recorded in {checkpoint.RootUri}. Run it again to resume.", error, cancellationToken);
            }
            Log.ExportFailed(_logger, plan.TableName, error.Message, checkpoint.RootUri, error);
            string resume = $"What was committed is recorded in {checkpoint.RootUri}; run the export again to resume.";
            if (error is DynamoDbUnavailableException unavailable)
            {
                throw new DynamoDbUnavailableException($"{unavailable.Message} {resume}", unavailable.Endpoint, unavailable.LastError, null, unavailable.InnerException);
            }
            throw error is ExportException
                ? new ExportException($"{error.Message} {resume}", error.InnerException)
                : new ExportException($"The export of {plan.TableName} failed: {error.Message} {resume}", error);
        }

        await progressTimer.DisposeAsync().ConfigureAwait(false);
        var files = run.Files();
        await output.WriteManifestAsync(files, new NativeExportContext(table.TableArn, table.TableId, job.StartTime, _time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        await checkpoint.DeleteAsync(cancellationToken).ConfigureAwait(false);
        var snapshot = run.Snapshot(final: true);
        progress?.Report(snapshot);
        var result = new ExportResult
        {
            TableName = plan.TableName,
            IndexName = plan.IndexName,
            ItemsExported = files.Sum(f => f.ItemCount),
            Files = files.Count,
            Bytes = files.Sum(f => f.Bytes),
            ManifestUri = output.ManifestUri,
            DataFiles = files.OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => new ExportedFile(f.Url, f.ItemCount, f.Bytes, f.Sha256)).ToList(),
            ConsumedCapacityUnits = run.ConsumedUnits,
            ThrottledRequests = run.Throttled,
            ItemsScanned = run.ScannedThisRun,
            ItemsFromEarlierRuns = state.Files.Sum(f => f.ItemCount),
            Resumed = resumed,
            Splits = plan.SplitCount,
            Elapsed = _time.GetElapsedTime(startedAt),
        };
        ConnectorActivities.ExportFinished(span, result);
        Log.ExportCompleted(_logger, plan.TableName, result.ItemsExported, result.Files, result.Bytes, result.ConsumedCapacityUnits, result.Elapsed, result.ThrottledRequests, result.ManifestUri);
        return result;
    }

    private static ExportOptions WithSegments(ExportOptions options, int segments)
    {
        var copy = options.Clone();
        copy.TotalSegments = segments;
        return copy;
    }

    // Why a checkpoint cannot serve these options, or null when it can.
    private static string? Incompatibility(ExportCheckpointJob job, ExportPlan plan, ExportOptions options)
    {
        if (job.Version != ExportCheckpointJob.CurrentVersion) return $"checkpoint version {job.Version}";
        if (job.Destination != options.Destination) return $"destination {job.Destination}";
        if (job.Layout != options.Layout) return $"layout {job.Layout.ToName()}";
        if (job.Format != options.EffectiveFormat) return $"format {Formats.Lines.ItemFileFormatNames.ToName(job.Format)}";
        if (job.Compression != options.EffectiveCompression) return $"compression {Formats.Compression.CompressionKindNames.ToName(job.Compression)}";
        if (!job.Plan.ReadsSameAs(plan))
        {
            return job.Plan.TotalSegments != plan.TotalSegments
                ? $"{job.Plan.TotalSegments} segments, not {plan.TotalSegments}"
                : $"it reads {job.Plan.TableName}{(job.Plan.IndexName is null ? "" : "/" + job.Plan.IndexName)} with other expressions or splits";
        }
        return null;
    }

    private async Task RunWorkerAsync(Run run, CancellationTokenSource stop)
    {
        PartFile? part = null;
        var positions = new Dictionary<int, SplitPosition>();
        var token = stop.Token;
        try
        {
            while (run.Pending.TryDequeue(out int split))
            {
                using var span = ConnectorActivities.StartExportSplit(run.Plan.TableName, split);
                var position = run.State.PositionOf(split);
                var request = run.Plan.CreateRequest(split);
                while (!position.Done)
                {
                    token.ThrowIfCancellationRequested();
                    int room = run.Options.ItemsPerFile - (int)(part?.ItemCount ?? 0);
                    var page = await ReadPageAsync(run, request, position.LastEvaluatedKey, room, token).ConfigureAwait(false);
                    if (page.Items is { Count: > 0 } items)
                    {
                        part ??= await run.Output.CreatePartAsync(token).ConfigureAwait(false);
                        foreach (var item in items)
                        {
                            await part.WriteAsync(item, token).ConfigureAwait(false);
                        }
                    }
                    position = position.Next(page.LastEvaluatedKey, page.Scanned, page.Items?.Count ?? 0);
                    positions[split] = position;
                    run.OnPage(page.Scanned, page.Items?.Count ?? 0, page.Units);
                    if (part is not null && part.ItemCount >= run.Options.ItemsPerFile)
                    {
                        await CommitAsync(run, part, positions).ConfigureAwait(false);
                        part = null;
                    }
                }
                run.OnSplitDone();
                ConnectorActivities.ExportSplitFinished(span, position.ItemsExported, position.ItemsScanned);
                if (part is null && positions.Count > 0)
                {
                    // Nothing left to write for what this worker read: record the splits' ends without a file.
                    await RecordAsync(run, null, positions).ConfigureAwait(false);
                }
            }
            if (part is not null)
            {
                await CommitAsync(run, part, positions).ConfigureAwait(false);
                part = null;
            }
            else if (positions.Count > 0)
            {
                await RecordAsync(run, null, positions).ConfigureAwait(false);
            }
        }
        catch
        {
            stop.Cancel(); // one worker failing stops the others: the export resumes from the checkpoint
            throw;
        }
        finally
        {
            if (part is not null) await part.DisposeAsync().ConfigureAwait(false); // aborts: nothing becomes visible
        }
    }

    // A commit and its record are not cancellable: cancelling stops the reading, and a file being committed finishes
    // and is recorded (both are short), so a cancelled export leaves no half-written object nor an unrecorded file.
    private async Task CommitAsync(Run run, PartFile part, Dictionary<int, SplitPosition> positions)
    {
        PartFileInfo file;
        await using (part.ConfigureAwait(false))
        {
            file = await part.CommitAsync(run.Output.RecordsETags, CancellationToken.None).ConfigureAwait(false);
        }
        await RecordAsync(run, file, positions).ConfigureAwait(false);
        run.OnFileCommitted(file);
        Log.PartCommitted(_logger, run.Plan.TableName, file.Url, file.ItemCount, file.Bytes);
    }

    private static async Task RecordAsync(Run run, PartFileInfo? file, Dictionary<int, SplitPosition> positions)
    {
        await run.Checkpoint.RecordAsync(new ExportCheckpointPart { File = file, Splits = [.. positions.Values] }, CancellationToken.None).ConfigureAwait(false);
        positions.Clear();
    }

    private async Task<Page> ReadPageAsync(Run run, AmazonDynamoDBRequest request, Dictionary<string, AttributeValue>? startKey, int room, CancellationToken cancellationToken)
    {
        using var span = ConnectorActivities.StartReadPage(run.Plan.TableName, request);
        var retry = run.Options.Retry;
        int failures = 0;
        long firstAttempt = _time.GetTimestamp();
        while (true)
        {
            int limit = run.Pacer.PageLimit(room);
            int permits = run.Pacer.PermitsFor(limit);
            await run.Pacer.AcquireAsync(permits, cancellationToken).ConfigureAwait(false);
            using var attempt = new AttemptDeadline(retry.AttemptTimeout, _time, cancellationToken);
            try
            {
                if (request is ScanRequest scan)
                {
                    scan.Limit = limit;
                    scan.ExclusiveStartKey = startKey;
                    var response = await _client.ScanAsync(scan, attempt.Token).ConfigureAwait(false);
                    int scanned = response.ScannedCount ?? response.Items?.Count ?? 0;
                    ConnectorActivities.PageRead(span, response.Items?.Count ?? 0, scanned);
                    return new Page(response.Items, response.LastEvaluatedKey, scanned, run.Pacer.Settle(permits, response.ConsumedCapacity, scanned, response.Items));
                }
                var query = (QueryRequest)request;
                query.Limit = limit;
                query.ExclusiveStartKey = startKey;
                var answer = await _client.QueryAsync(query, attempt.Token).ConfigureAwait(false);
                int evaluated = answer.ScannedCount ?? answer.Items?.Count ?? 0;
                ConnectorActivities.PageRead(span, answer.Items?.Count ?? 0, evaluated);
                return new Page(answer.Items, answer.LastEvaluatedKey, evaluated, run.Pacer.Settle(permits, answer.ConsumedCapacity, evaluated, answer.Items));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                var error = attempt.Classify(ex, cancellationToken);
                switch (error.Kind)
                {
                    case WriteErrorKind.Throttled:
                        // Not refunded, though DynamoDB charges nothing: the table had no room for these units, so the
                        // time they stand for passes before the retry, on top of the backoff.
                        run.Pacer.OnThrottled(error.HotKeyRange);
                        run.OnThrottled(error.Reason);
                        break;
                    case WriteErrorKind.Transient:
                        break; // it may have been charged: the permits stay spent
                    case WriteErrorKind.Cancelled:
                        run.Pacer.Refund(permits);
                        throw;
                    default:
                        run.Pacer.Refund(permits);
                        throw new ExportException($"DynamoDB refused to read {run.Plan.TableName}: {error.Reason}", ex);
                }
                failures++;
                bool outOfAttempts = retry.MaxAttempts is { } max && failures >= max;
                bool outOfTime = retry.MaxRetryTime is { } window && _time.GetElapsedTime(firstAttempt) >= window;
                if (outOfAttempts || outOfTime)
                {
                    // Only retryable errors get here: the service's trouble, said as DynamoDbUnavailableException.
                    throw DynamoDbUnavailableException.For(_client,
                        $"reading {run.Plan.TableName} failed {failures} times in a row ({(outOfAttempts ? "attempts" : "retry time")} exhausted)", error.Reason, ex);
                }
                var delay = retry.DelayBefore(failures, _random());
                Log.ReadRetrying(_logger, run.Plan.TableName, error.Reason, failures, delay);
                await Tracker.DelayAsync(delay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private readonly record struct Page(List<Dictionary<string, AttributeValue>>? Items, Dictionary<string, AttributeValue>? LastEvaluatedKey, int Scanned, double Units);

    /// <summary>One run of an export: its plan, shared state and counters.</summary>
    private sealed class Run
    {
        private readonly ExportJob _job;
        private readonly IProgress<ExportProgress>? _progress;
        private readonly long _startedAt;
        private readonly KeyValuePair<string, object?> _tableTag;
        private readonly object _lock = new();
        private readonly List<PartFileInfo> _files;
        private readonly long _earlierItems, _earlierScanned, _earlierBytes;
        private readonly int _earlierFiles;
        private long _written, _scanned, _throttled, _newFiles, _newBytes;
        private double _units;
        private int _splitsDone;
        private long _lastReportAt;
        private double _lastReportUnits;

        public Run(ExportJob job, ExportOptions options, ExportPlan plan, ExportCheckpointState state, ExportCheckpoint checkpoint, ExportManifestOutputFormat output,
            TableReadBudget budget, TableDescription table, IProgress<ExportProgress>? progress, long startedAt)
        {
            _job = job;
            Options = options;
            Plan = plan;
            State = state;
            Checkpoint = checkpoint;
            Output = output;
            Budget = budget;
            _progress = progress;
            _startedAt = _lastReportAt = startedAt;
            _tableTag = new("table", plan.TableName);
            _files = [.. state.Files];
            _earlierFiles = state.Files.Count;
            _earlierBytes = state.Files.Sum(f => f.Bytes);
            _earlierItems = state.Files.Sum(f => f.ItemCount);
            _earlierScanned = state.Positions.Values.Sum(p => p.ItemsScanned);
            var (items, bytes) = ExportPlanner.StatisticsOf(table, plan.IndexName);
            Pacer = new ExportReadPacer(budget, plan.ConsistentRead, items > 0 && bytes > 0 ? (double)bytes / items : null, plan.ProjectionExpression is not null);
            for (int split = 0; split < plan.SplitCount; split++)
            {
                if (state.PositionOf(split).Done) _splitsDone++;
                else Pending.Enqueue(split);
            }
        }

        public ExportOptions Options { get; }

        public ExportPlan Plan { get; }

        public ExportCheckpointState State { get; }

        public ExportCheckpoint Checkpoint { get; }

        public ExportManifestOutputFormat Output { get; }

        public TableReadBudget Budget { get; }

        public ExportReadPacer Pacer { get; }

        public ConcurrentQueue<int> Pending { get; } = new();

        public int SplitsDone => Volatile.Read(ref _splitsDone);

        public double ConsumedUnits
        {
            get { lock (_lock) return _units; }
        }

        public long Throttled => Interlocked.Read(ref _throttled);

        public long ScannedThisRun => Interlocked.Read(ref _scanned);

        public void OnPage(int scanned, int written, double units)
        {
            Interlocked.Add(ref _scanned, scanned);
            Interlocked.Add(ref _written, written);
            lock (_lock) _units += units;
            _job._metrics.ItemsExported.Add(written, _tableTag);
            _job._metrics.ReadUnitsConsumed.Add(units, _tableTag);
        }

        public void OnThrottled(string reason)
        {
            Interlocked.Increment(ref _throttled);
            _job._metrics.ReadThrottledRequests.Add(1, _tableTag, new("reason", reason.Split(':')[0]));
        }

        public void OnSplitDone() => Interlocked.Increment(ref _splitsDone);

        public void OnFileCommitted(PartFileInfo file)
        {
            lock (_lock) _files.Add(file);
            Interlocked.Increment(ref _newFiles);
            Interlocked.Add(ref _newBytes, file.Bytes);
            _job._metrics.ExportFilesCommitted.Add(1, _tableTag);
            _job._metrics.ExportBytesWritten.Add(file.Bytes, _tableTag);
        }

        public List<PartFileInfo> Files()
        {
            lock (_lock) return [.. _files];
        }

        /// <summary>Progress now; the rate is over the last report's interval, or for the <paramref name="final"/> report over the whole run (a last, short interval would overstate it).</summary>
        public ExportProgress Snapshot(bool final = false)
        {
            long now = _job._time.GetTimestamp();
            double units, rate;
            lock (_lock)
            {
                units = _units;
                double seconds = _job._time.GetElapsedTime(final ? _startedAt : _lastReportAt, now).TotalSeconds;
                rate = seconds > 0 ? (units - (final ? 0 : _lastReportUnits)) / seconds : 0;
            }
            return new ExportProgress
            {
                ItemsExported = _earlierItems + Interlocked.Read(ref _written),
                ItemsScanned = _earlierScanned + Interlocked.Read(ref _scanned),
                FilesCommitted = _earlierFiles + (int)Interlocked.Read(ref _newFiles),
                BytesCommitted = _earlierBytes + Interlocked.Read(ref _newBytes),
                ConsumedCapacityUnits = units,
                ReadUnitsPerSecond = rate,
                BudgetReadUnitsPerSecond = Budget.PacingRate,
                ThrottledRequests = Throttled,
                TableItemCount = Plan.IsQuery ? null : Plan.TableItemCount,
                SplitsCompleted = SplitsDone,
                Splits = Plan.SplitCount,
                Elapsed = _job._time.GetElapsedTime(_startedAt, now),
            };
        }

        public void ReportProgress()
        {
            var snapshot = Snapshot();
            lock (_lock)
            {
                _lastReportAt = _job._time.GetTimestamp();
                _lastReportUnits = snapshot.ConsumedCapacityUnits;
            }
            _progress?.Report(snapshot);
            Log.ExportProgressed(_job._logger, Plan.TableName, snapshot.ItemsExported, snapshot.ItemsScanned, snapshot.Fraction * 100, snapshot.ReadUnitsPerSecond, snapshot.BudgetReadUnitsPerSecond, snapshot.FilesCommitted);
        }
    }
}

/// <summary>An export failed for good: DynamoDB refused the reads, retries ran out, or a file could not be written. What was committed stays recorded; run the export again to resume.</summary>
public sealed class ExportException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ExportException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
