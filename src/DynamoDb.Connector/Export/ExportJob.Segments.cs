using System.Globalization;
using DynamoDb.Connector.FanOut;
using DynamoDb.Connector.Reading;
using DynamoDb.Connector.Storage;
using DynamoDb.Connector.Telemetry;

namespace DynamoDb.Connector.Export;

// An export fanned out over processes (containers, Lambda invocations driven by a Step Functions Distributed Map):
// plan into segment documents, run each segment time-boxed until done (its continuation goes on where it stopped),
// finish by writing the manifest. The same checkpoint, run and output as RunAsync, one segment at a time.
public sealed partial class ExportJob
{
    /// <summary>The name of segment <paramref name="index"/>'s document in a plan folder: <c>segment-0003.json</c>.</summary>
    public static string SegmentFileName(int index) => string.Create(CultureInfo.InvariantCulture, $"segment-{index:D4}.json");

    /// <summary>
    /// Plans a fanned-out export: describes the table, plans its segments (or Queries), records the export in its
    /// checkpoint (<see cref="ExportOptions.CheckpointUri"/>, by default <c>&lt;destination&gt;/_checkpoint/</c>) and
    /// writes one <c>segment-NNNN.json</c> per segment and an <c>items.json</c> for a Distributed Map into
    /// <paramref name="planUri"/>. Planned again with the same options, it keeps the export it planned (segments go on
    /// where they stopped).
    /// </summary>
    /// <param name="options">What to export and where; <see cref="ExportOptions.CheckpointStore"/> cannot be used (every segment finds the checkpoint by its uri).</param>
    /// <param name="planUri">The folder (local or <c>s3://</c>) the segment documents and <c>items.json</c> go into.</param>
    /// <param name="cancellationToken">Cancels the planning.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid.</exception>
    /// <exception cref="Import.TableDoesNotExistException">The table does not exist (or this identity cannot see it).</exception>
    /// <exception cref="InvalidOperationException">The destination holds a complete export (<see cref="ExportDestinationCompleteException"/>; set <see cref="ExportOptions.Overwrite"/>), or the checkpoint belongs to a different export.</exception>
    public async Task<ExportSegmentPlan> PlanSegmentsAsync(ExportOptions options, string planUri, CancellationToken cancellationToken = default)
    {
        options = Validated(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(planUri);
        if (options.CheckpointStore is not null)
        {
            throw new ArgumentException("A fanned-out export keeps its checkpoint in a folder every segment can reach: set CheckpointUri (or leave it null), not CheckpointStore.", nameof(options));
        }
        string checkpointUri = CheckpointUriOf(options);
        var checkpoint = CheckpointAt(checkpointUri, ownsRoot: options.CheckpointUri is null);
        using var input = await _tables.OpenAsync(options.ToInput(), cancellationToken).ConfigureAwait(false);
        var existing = await checkpoint.LoadJobAsync(cancellationToken).ConfigureAwait(false);
        var fresh = input.Plan(options.TotalSegments is null ? existing?.Plan.TotalSegments : null);
        if (existing is not null && Incompatibility(existing, fresh, options) is { } why)
        {
            throw new InvalidOperationException(
                $"The checkpoint at {checkpoint.RootUri} belongs to a different export ({why}). Plan with the same options to go on with it, or delete the checkpoint (or choose another CheckpointUri) to plan a new export.");
        }
        var job = existing ?? NewJob(fresh, options, exportId: null, input);
        var output = OpenOutput(job);
        if (await output.IsCompleteAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!options.Overwrite) throw new ExportDestinationCompleteException(options.Destination, output.ManifestUri);
            await output.DeleteManifestAsync(cancellationToken).ConfigureAwait(false);
            if (existing is not null) await checkpoint.DeleteAsync(cancellationToken).ConfigureAwait(false);
            existing = null;
            job = NewJob(fresh, options, job.ExportId, input);
            output = OpenOutput(job);
        }
        if (existing is null)
        {
            await checkpoint.WriteJobAsync(job, cancellationToken).ConfigureAwait(false);
            await output.WriteStartedAsync(cancellationToken).ConfigureAwait(false);
        }

        string folder = PlanFolder(planUri);
        var segments = new List<ExportSegmentDocument>(job.Plan.SplitCount);
        var uris = new List<string>(job.Plan.SplitCount);
        foreach (var split in job.Plan.Splits)
        {
            var segment = SegmentOf(job, checkpointUri, split);
            string uri = ObjectUri.Combine(folder, SegmentFileName(split.Id));
            await _stores.WriteTextAsync(uri, segment.ToJson(), cancellationToken).ConfigureAwait(false);
            segments.Add(segment);
            uris.Add(uri);
        }
        // items.json last, so a listed segment always exists.
        string itemsUri = DistributedMapItems.ItemsUri(folder);
        await _stores.WriteTextAsync(itemsUri, DistributedMapItems.ForExport(uris), cancellationToken).ConfigureAwait(false);
        Log.ExportSegmentsPlanned(_logger, job.Plan.TableName, segments.Count, folder, checkpoint.RootUri);
        return new ExportSegmentPlan(job.Plan, segments, uris, itemsUri, existing is not null);
    }

    /// <summary>
    /// Runs one segment of a fanned-out export (or its continuation) from where its checkpoint record says it got:
    /// writes its items into part files, commits them and records the segment's position, until the segment is done
    /// or <see cref="ExportSegmentOptions.TimeBudget"/> is spent. A part written again after a run died before
    /// recording it replaces the earlier one (parts are named by segment and number), so no item is exported twice.
    /// A segment that is done (or whose export is finished) writes nothing and says done.
    /// </summary>
    /// <param name="segment">A segment document from <see cref="PlanSegmentsAsync"/>, or a continuation.</param>
    /// <param name="options">How fast and how long; defaults when null.</param>
    /// <param name="cancellationToken">Stops the run; what was committed stays recorded.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid.</exception>
    /// <exception cref="InvalidOperationException">The checkpoint is not of this segment's plan, or is missing while the continuation says the segment had started.</exception>
    /// <exception cref="ExportException">Reading or writing failed for good (after retries); run the segment again to go on.</exception>
    /// <exception cref="Writing.DynamoDbUnavailableException">DynamoDB could not be reached; run the segment again to go on.</exception>
    public async Task<ExportSegmentRunSummary> RunSegmentAsync(ExportSegmentDocument segment, ExportSegmentOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(segment);
        options ??= new ExportSegmentOptions();
        options.Validate();
        long startedAt = _time.GetTimestamp();
        Tracker.Enter();
        try
        {
            var checkpoint = CheckpointAt(segment.CheckpointUri, ownsRoot: false);
            var job = await JobOfAsync(checkpoint, segment, cancellationToken).ConfigureAwait(false);
            if (job is null) return Finished(0, 0, null, startedAt); // the export was finished: nothing left to do
            int id = segment.Segment.Id;
            var record = await checkpoint.LoadSplitAsync(id, cancellationToken).ConfigureAwait(false);
            if (record is null && segment.From is { Pages: > 0 } from)
            {
                throw new InvalidOperationException($"Segment {id} of the export of {segment.TableName} has no record in {checkpoint.RootUri}, yet the continuation is {from.Pages} pages in: the parts it committed are unknown. Plan the export again.");
            }
            if (record is not null && segment.From is { } given && given.Pages > record.Position.Pages)
            {
                throw new InvalidOperationException($"The continuation of segment {id} is {given.Pages} pages in, but its record in {checkpoint.RootUri} only {record.Position.Pages}: the checkpoint is not the one this continuation recorded into.");
            }
            if (record?.Position.Done == true) return Finished(0, 0, null, startedAt);

            var runOptions = new ExportOptions
            {
                TableName = job.Plan.TableName,
                Destination = job.Destination,
                ItemsPerFile = job.ItemsPerFile,
                Throughput = options.Throughput,
                Retry = options.Retry,
                TimeBudget = options.TimeBudget,
            };
            using var span = ConnectorActivities.StartExport(job.Plan.TableName, job.Plan.IndexName);
            using var input = await _tables.OpenAsync(InputOf(job.Plan, options), cancellationToken).ConfigureAwait(false);
            var state = new ExportCheckpointState(job, record is null ? [] : new() { [id] = record });
            using var run = new ExportRun(runOptions, job, state, checkpoint, input, OpenOutput(job), null, startedAt, _time, _logger, _metrics, [id]);
            // The hard deadline: the budget less the time to return. There the part being written is given up (never
            // visible; a commit under way ends first) and the segment goes on from its last recorded position.
            using var deadline = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
            if (options.TimeBudget is { } budget) deadline.CancelAfter(TimeSpan.FromTicks(Math.Max(0, (HardDeadline(budget) - _time.GetElapsedTime(startedAt)).Ticks)));
            using var runUntil = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            ExportSplitRecord after;
            long abandoned = 0;
            try
            {
                await RunWorkersAsync(run, 1, span, runUntil.Token).ConfigureAwait(false);
                after = run.Records.GetValueOrDefault(id) ?? state.RecordOf(id);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // The last record stored (a commit records it at once), read back: what this run committed.
                after = await checkpoint.LoadSplitAsync(id, cancellationToken).ConfigureAwait(false) ?? state.RecordOf(id);
                abandoned = input.Counters.ItemsReturned - (after.Position.ItemsReturned - (record?.Position.ItemsReturned ?? 0));
                Log.ExportSegmentAbandoned(_logger, job.Plan.TableName, id, abandoned);
            }
            int files = after.Files.Count - (record?.Files.Count ?? 0);
            var summary = new ExportSegmentRunSummary
            {
                Done = after.Position.Done,
                Continuation = after.Position.Done ? null : segment with { From = after.Position },
                ItemsRead = input.Counters.ItemsScanned,
                ItemsWritten = input.Counters.ItemsReturned - abandoned,
                ItemsAbandoned = abandoned,
                FilesCommitted = files,
                ConsumedCapacityUnits = input.Counters.ConsumedCapacityUnits,
                ElapsedSeconds = _time.GetElapsedTime(startedAt).TotalSeconds,
            };
            Log.ExportSegmentRan(_logger, job.Plan.TableName, id, summary.ItemsWritten, files, summary.Done);
            return summary;
        }
        finally
        {
            Tracker.Exit();
        }
    }

    /// <summary>Finishes the fanned-out export planned into <paramref name="planUri"/> (see <see cref="FinishSegmentsAsync(ExportSegmentDocument, CancellationToken)"/>).</summary>
    /// <inheritdoc cref="FinishSegmentsAsync(ExportSegmentDocument, CancellationToken)" path="/exception"/>
    public async Task<ExportSegmentRunSummary> FinishSegmentsAsync(string planUri, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(planUri);
        string first = ObjectUri.Combine(PlanFolder(planUri), SegmentFileName(0));
        return await FinishSegmentsAsync(await ExportSegmentDocument.ReadAsync(_stores, first, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Finishes a fanned-out export once every segment is done: deletes what no record lists (parts of runs that died
    /// before recording them), writes the manifest (EMR or native layout) listing every recorded part, and deletes
    /// the checkpoint. Finishing an export already finished says done again.
    /// </summary>
    /// <param name="anySegment">Any segment document of the export (it names the checkpoint).</param>
    /// <param name="cancellationToken">Cancels the finish (nothing is lost; finish again).</param>
    /// <exception cref="ExportSegmentsUnfinishedException">Segments are not done; nothing was written.</exception>
    /// <exception cref="InvalidOperationException">The checkpoint is missing or of another plan.</exception>
    public async Task<ExportSegmentRunSummary> FinishSegmentsAsync(ExportSegmentDocument anySegment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(anySegment);
        long startedAt = _time.GetTimestamp();
        var checkpoint = CheckpointAt(anySegment.CheckpointUri, ownsRoot: ObjectUri.AsDirectory(anySegment.CheckpointUri) == ObjectUri.Combine(anySegment.Destination, "_checkpoint/"));
        if (await JobOfAsync(checkpoint, anySegment, cancellationToken).ConfigureAwait(false) is null)
        {
            var done = OpenOutput(anySegment);
            return Finished(0, 0, done.ManifestUri, startedAt);
        }
        var state = await checkpoint.LoadAsync(cancellationToken).ConfigureAwait(false);
        var job = state.Job!;
        var unfinished = Enumerable.Range(0, job.Plan.SplitCount).Where(split => !state.PositionOf(split).Done).ToList();
        if (unfinished.Count > 0) throw new ExportSegmentsUnfinishedException(job.Plan.TableName, unfinished, job.Plan.SplitCount);
        var output = OpenOutput(job);
        int orphans = await output.CleanAsync(state.Files, cancellationToken).ConfigureAwait(false);
        if (orphans > 0) Log.ExportOrphansDeleted(_logger, job.Plan.TableName, orphans, output.DataDirectory);
        var files = await output.WriteManifestAsync(cancellationToken).ConfigureAwait(false);
        await checkpoint.DeleteAsync(cancellationToken).ConfigureAwait(false);
        long items = files.Sum(f => f.ItemCount);
        Log.ExportCompleted(_logger, job.Plan.TableName, items, files.Count, files.Sum(f => f.Bytes), 0, _time.GetElapsedTime(startedAt), 0, output.ManifestUri);
        return Finished(items, files.Count, output.ManifestUri, startedAt);
    }

    /// <summary>
    /// When a segment run with <paramref name="budget"/> gives up what it has not committed: the budget less 2 s to
    /// record and return, and at most a twentieth of it, half the margin the run stops reading at (a tenth), so that
    /// the commit at the stop comes first.
    /// </summary>
    internal static TimeSpan HardDeadline(TimeSpan budget) => budget - (TimeSpan.FromSeconds(2) < budget / 20 ? TimeSpan.FromSeconds(2) : budget / 20);

    // The plan folder as a directory uri (a relative local folder made absolute, as items.json lists absolute uris).
    private static string PlanFolder(string planUri) => ObjectUri.AsDirectory(ObjectUri.Parent(DistributedMapItems.ItemsUri(ObjectUri.Normalize(planUri))));

    private ExportSegmentRunSummary Finished(long items, int files, string? manifestUri, long startedAt) => new()
    {
        Done = true,
        ItemsWritten = items,
        FilesCommitted = files,
        ManifestUri = manifestUri,
        ElapsedSeconds = _time.GetElapsedTime(startedAt).TotalSeconds,
    };

    /// <summary>The job document of the segment's export; null when the export is finished (its manifest is there and its checkpoint gone).</summary>
    private async Task<ExportCheckpointJob?> JobOfAsync(ExportCheckpoint checkpoint, ExportSegmentDocument segment, CancellationToken cancellationToken)
    {
        var job = await checkpoint.LoadJobAsync(cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            if (await OpenOutput(segment).IsCompleteAsync(cancellationToken).ConfigureAwait(false)) return null;
            throw new InvalidOperationException($"No export is planned at {checkpoint.RootUri} (its job document is missing) and {segment.Destination} holds no complete export: plan the export (plan-export) first.");
        }
        if (job.Version != ExportCheckpointJob.CurrentVersion || job.Fingerprint != segment.PlanFingerprint)
        {
            throw new InvalidOperationException($"The checkpoint at {checkpoint.RootUri} belongs to another export plan (fingerprint {job.Fingerprint}, not {segment.PlanFingerprint}): use the segment documents of the plan that wrote it, or plan again.");
        }
        return job;
    }

    private static ExportSegmentDocument SegmentOf(ExportCheckpointJob job, string checkpointUri, ExportSplit split) => new(
        job.Plan.TableName, job.Plan.IndexName, job.Destination, job.Layout, job.Format, job.Compression, job.ExportId,
        ObjectUri.AsDirectory(checkpointUri), job.Fingerprint, split, job.Plan.SplitCount);

    // The output a segment document names, for an export whose job document is gone (to see whether it is complete).
    private ExportOutput OpenOutput(ExportSegmentDocument segment) => _outputs.Open(new ExportOutputOptions
    {
        Destination = segment.Destination,
        Layout = segment.Layout,
        Format = segment.Format,
        Compression = segment.Compression,
        ExportId = segment.ExportId,
    });

    // What a segment reads, as the stored plan says, at the run's pace.
    private static TableInputOptions InputOf(ExportPlan plan, ExportSegmentOptions options) => new()
    {
        TableName = plan.TableName,
        IndexName = plan.IndexName,
        ConsistentRead = plan.ConsistentRead,
        FilterExpression = plan.FilterExpression,
        ProjectionExpression = plan.ProjectionExpression,
        ExpressionAttributeNames = plan.ExpressionAttributeNames?.ToDictionary(StringComparer.Ordinal),
        ExpressionAttributeValues = plan.ExpressionAttributeValues?.ToDictionary(StringComparer.Ordinal),
        TotalSegments = plan.TotalSegments,
        Throughput = options.Throughput,
        Retry = options.Retry,
    };
}
