using System.Diagnostics.Metrics;
using Amazon.DynamoDBv2;
using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Checkpoints;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.Reading;
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
/// without duplicates. A composition of the public pieces a host can use itself: <see cref="TableInputFormat"/>
/// (splits and paced pages) and <see cref="ExportManifestOutputFormat"/> (part files and the manifest). Registered by
/// <c>services.AddDynamoDbConnector(...)</c>; uses the <see cref="IAmazonDynamoDB"/> and object stores from DI.
/// </summary>
public sealed partial class ExportJob : IDisposable
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConnectorMetrics _metrics;
    private readonly bool _ownsMetrics;
    private readonly ObjectStores _stores;
    private readonly TableInputFormat _tables;
    private readonly ExportManifestOutputFormat _outputs;

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
        var storeList = stores.ToList();
        _time = timeProvider;
        _logger = loggerFactory.CreateLogger("DynamoDb.Connector.Export");
        _metrics = metrics;
        _stores = new ObjectStores(storeList);
        _tables = new TableInputFormat(client, timeProvider, loggerFactory, metrics, random, Tracker);
        _outputs = new ExportManifestOutputFormat(storeList, timeProvider);
    }

    /// <summary>Counts the export's busy flows (workers, budget refreshes), for tests on a fake clock.</summary>
    internal WorkTracker Tracker { get; } = new();

    /// <summary>
    /// Plans the export without reading any item: describes the table, computes the read budget and the splits
    /// (segments or Queries). A resumed export keeps the plan it started with; this shows what a fresh one would do.
    /// </summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (its <c>Failures</c> list every problem).</exception>
    /// <exception cref="ArgumentException">The options do not fit the table.</exception>
    /// <exception cref="TableDoesNotExistException">The table does not exist (or this identity cannot see it).</exception>
    /// <exception cref="DynamoDbUnavailableException">DynamoDB could not be reached.</exception>
    public async Task<ExportPlan> PlanAsync(ExportOptions options, CancellationToken cancellationToken = default)
    {
        options = Validated(options);
        return await _tables.PlanAsync(options.ToInput(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs the export to completion and returns what it wrote. With a checkpoint from an interrupted run of the same
    /// export, resumes it. On failure or cancellation no manifest is written and the checkpoint keeps what was
    /// committed; run again to continue.
    /// </summary>
    /// <param name="options">What to export, where, and how fast; validated first.</param>
    /// <param name="progress">Receives a snapshot every <see cref="ExportOptions.ProgressInterval"/> and one at the end.</param>
    /// <param name="cancellationToken">Stops the export; what was committed stays recorded for a resume.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (its <c>Failures</c> list every problem).</exception>
    /// <exception cref="ArgumentException">The options do not fit the table.</exception>
    /// <exception cref="TableDoesNotExistException">The table does not exist (or this identity cannot see it); nothing is written.</exception>
    /// <exception cref="InvalidOperationException">The destination already holds a complete export (<see cref="ExportDestinationCompleteException"/>; set <see cref="ExportOptions.Overwrite"/>), or the checkpoint belongs to a different export.</exception>
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
        _tables.Dispose();
        if (_ownsMetrics) _metrics.Dispose();
    }

    private static ExportOptions Validated(ExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options = options.Clone();
        options.Validate();
        options.Destination = ExportManifestOutputFormat.AbsoluteDestination(options.Destination);
        return options;
    }

    private async Task<ExportResult> RunCoreAsync(ExportOptions options, IProgress<ExportProgress>? progress, long startedAt, CancellationToken cancellationToken)
    {
        using var span = ConnectorActivities.StartExport(options.TableName, options.IndexName);
        // The table first: a wrong name fails at once, before anything is written to the destination.
        using var input = await _tables.OpenAsync(options.ToInput(), cancellationToken).ConfigureAwait(false);
        // One export per destination at a time: two would write parts into one folder and one manifest over the other's.
        await using var lease = await JobLease.AcquireAsync(_stores, options.Destination, JobLease.ExportLeaseName, $"export of {options.TableName}", _time, _logger, Tracker, cancellationToken).ConfigureAwait(false);
        var checkpoint = CheckpointOf(options);
        var state = await checkpoint.LoadAsync(cancellationToken).ConfigureAwait(false);

        // A resumed scan keeps the segments it started with, unless they were set.
        var fresh = input.Plan(options.TotalSegments is null ? state.Job?.Plan.TotalSegments : null, options.MaxWorkers);
        var job = state.Job ?? NewJob(fresh, options, exportId: null, input);
        if (state.Job is not null && Incompatibility(job, fresh, options) is { } why)
        {
            throw new InvalidOperationException(
                $"The checkpoint at {checkpoint.RootUri} belongs to a different export ({why}). Use the same options to resume it, or delete the checkpoint (or choose another CheckpointUri) to start a new export.");
        }
        var output = OpenOutput(job, options.Parquet);
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
                job = NewJob(fresh, options, job.ExportId, input);
                output = OpenOutput(job, options.Parquet);
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
        using var run = new ExportRun(options, job, state, checkpoint, input, output, progress, startedAt, _time, _logger, _metrics);
        int workers = Math.Max(1, Math.Min(options.MaxWorkers, run.Pending.Count));
        if (resumed) Log.ExportResumed(_logger, plan.TableName, state.Files.Count, state.Files.Sum(f => f.ItemCount), run.SplitsDone, plan.SplitCount, orphans, state.UnreadableRecords);
        else if (orphans > 0) Log.ExportOrphansDeleted(_logger, plan.TableName, orphans, output.DataDirectory);
        Log.ExportStarted(_logger, plan.TableName, plan.IndexName is null ? "" : $"(index {plan.IndexName}) ", plan.IsQuery ? "Query" : "Scan", plan.SplitCount, workers, input.BudgetReadUnitsPerSecond, plan.Basis, output.ManifestUri);

        await RunWorkersAsync(run, workers, span, cancellationToken).ConfigureAwait(false);

        var files = await output.WriteManifestAsync(cancellationToken).ConfigureAwait(false);
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
            DataFiles = files.Select(f => new ExportedFile(f.Url, f.ItemCount, f.Bytes, f.Sha256)).ToList(),
            ConsumedCapacityUnits = input.Counters.ConsumedCapacityUnits,
            ThrottledRequests = input.Counters.ThrottledRequests,
            ItemsScanned = input.Counters.ItemsScanned,
            ItemsFromEarlierRuns = state.Files.Sum(f => f.ItemCount),
            Resumed = resumed,
            Splits = plan.SplitCount,
            Elapsed = _time.GetElapsedTime(startedAt),
        };
        ConnectorActivities.ExportFinished(span, result);
        Log.ExportCompleted(_logger, plan.TableName, result.ItemsExported, result.Files, result.Bytes, result.ConsumedCapacityUnits, result.Elapsed, result.ThrottledRequests, result.ManifestUri);
        return result;
    }

    /// <summary>Runs the workers with progress reports; a failure or cancellation becomes the exception that says what is kept and how to resume.</summary>
    private async Task RunWorkersAsync(ExportRun run, int workers, System.Diagnostics.Activity? span, CancellationToken cancellationToken)
    {
        string table = run.Plan.TableName, kept = run.Checkpoint.RootUri;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var options = run.Options;
        var progressTimer = _time.CreateTimer(static state => ((ExportRun)state!).ReportProgress(), run, options.ProgressInterval, options.ProgressInterval);
        await using (progressTimer.ConfigureAwait(false))
        {
            var all = Tracker.RunAllAsync(workers, () => run.RunWorkerAsync(stop), out var tasks);
            try
            {
                await all.ConfigureAwait(false);
                return;
            }
            catch (Exception ex)
            {
                await progressTimer.DisposeAsync().ConfigureAwait(false);
                var error = tasks.Select(t => t.Exception?.InnerException).FirstOrDefault(e => e is not null and not OperationCanceledException) ?? ex;
                ConnectorActivities.Failed(span, error);
                if (error is OperationCanceledException && cancellationToken.IsCancellationRequested)
                {
                    Log.ExportStopped(_logger, table, run.Snapshot().ItemsExported, kept);
                    throw new OperationCanceledException($"The export of {table} was cancelled; {run.Snapshot().FilesCommitted} part files are committed and recorded in {kept}. Run it again to resume.", error, cancellationToken);
                }
                Log.ExportFailed(_logger, table, error.Message, kept, error);
                string resume = $"What was committed is recorded in {kept}; run the export again to resume.";
                if (error is DynamoDbUnavailableException unavailable)
                {
                    throw new DynamoDbUnavailableException($"{unavailable.Message} {resume}", unavailable.Endpoint, unavailable.LastError, null, unavailable.InnerException);
                }
                throw error is ExportException
                    ? new ExportException($"{error.Message} {resume}", error.InnerException)
                    : new ExportException($"The export of {table} failed: {error.Message} {resume}", error);
            }
        }
    }

    // The checkpoint the options say: a host's store, a folder, or the destination's _checkpoint/.
    private ExportCheckpoint CheckpointOf(ExportOptions options) =>
        options.CheckpointStore is { } hosts ? new ExportCheckpoint(hosts) : CheckpointAt(CheckpointUriOf(options), ownsRoot: options.CheckpointUri is null);

    private static string CheckpointUriOf(ExportOptions options) =>
        options.CheckpointUri is { } explicitUri ? ObjectUri.AsDirectory(explicitUri) : ObjectUri.Combine(options.Destination, "_checkpoint/");

    private ExportCheckpoint CheckpointAt(string uri, bool ownsRoot)
    {
        var folders = new CheckpointStore(_stores.For(uri), uri.TrimEnd('/'));
        return new ExportCheckpoint(folders, folders, ownsRoot);
    }

    private ExportCheckpointJob NewJob(ExportPlan plan, ExportOptions options, string? exportId, TableInput input) => new()
    {
        TableArn = input.Table.TableArn,
        TableId = input.Table.TableId,
        Fingerprint = ExportCheckpointJob.NewFingerprint(),
        ItemsPerFile = options.ItemsPerFile,
        Plan = plan,
        Destination = options.Destination,
        Layout = options.Layout,
        Format = options.EffectiveFormat,
        Compression = options.EffectiveCompression,
        ExportId = options.Layout == ExportLayout.Native ? exportId ?? ExportManifestOutputFormat.NewExportId(_time.GetUtcNow()) : null,
        StartTime = _time.GetUtcNow(),
    };

    // The output as the job document fixed it when the export started (a resumed export keeps its export id and start).
    private ExportOutput OpenOutput(ExportCheckpointJob job, Formats.Parquet.ParquetWriterOptions? parquet = null) => _outputs.Open(new ExportOutputOptions
    {
        Parquet = parquet,
        Destination = job.Destination,
        Layout = job.Layout,
        Format = job.Format,
        Compression = job.Compression,
        ExportId = job.ExportId,
        TableArn = job.TableArn,
        TableId = job.TableId,
        StartTime = job.StartTime,
    });

    // Why a checkpoint cannot serve these options, or null when it can.
    private static string? Incompatibility(ExportCheckpointJob job, ExportPlan plan, ExportOptions options)
    {
        if (job.Version != ExportCheckpointJob.CurrentVersion) return $"checkpoint version {job.Version}, written by another version of the connector";
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
}
