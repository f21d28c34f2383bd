using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Storage;
using DynamoDb.Connector.Telemetry;
using DynamoDb.Connector.Writing;
using Microsoft.Extensions.Logging;

namespace DynamoDb.Connector.Import;

/// <summary>
/// Runs one split of an import: resumes after its checkpoint, reads its files in order through one writer (with the
/// shuffle window and the transform), sets bad lines aside, checkpoints when due, and on a stop request (Ctrl-C)
/// stops reading, writes what it handed over and checkpoints there, so a rerun redoes nothing.
/// </summary>
/// <remarks>
/// Two tokens: <c>stop</c> ends the reading (a cancellation by the caller); <c>abort</c> ends everything (a failed
/// worker, or the caller's cancellation once <see cref="ImportJobOptions.StopGracePeriod"/> has passed). What was read
/// before a stop is still written and checkpointed under <c>abort</c> alone.
/// </remarks>
internal sealed class SplitRunner(ObjectStores stores, IDynamoDbWriterFactory writers, TimeProvider time, ILogger logger, WorkTracker tracker)
{
    /// <summary>Runs <paramref name="split"/>; returns false when it stopped before its end (checkpointed where it stopped).</summary>
    public async Task<bool> RunAsync(ImportSplit split, RunState run, CancellationToken stop, CancellationToken abort)
    {
        using var span = ConnectorActivities.StartImportSplit(run.Options.TableName, split);
        string checkpointName = $"splits/{split.Index:D6}";
        var resume = run.Checkpoints is null ? null : await run.Checkpoints.ReadAsync<SplitCheckpoint>(checkpointName, abort).ConfigureAwait(false);
        // Dead letters an earlier run committed are in the folder too: the result points there even if this run adds none.
        if (resume?.DeadLetterChunks > 0 && run.DeadLetterFolder is not null) run.DeadLettersCommitted = true;
        if (resume?.Done == true)
        {
            // An incremental export's later splits need the timestamps of this one's changes: read them again, writing nothing.
            if (run.Timestamps is not null) await RederiveTimestampsAsync(split, split.Files.Count, 0, run, abort).ConfigureAwait(false);
            run.SplitSkipped(split);
            return true;
        }
        if (resume is not null)
        {
            Log.SplitResumed(logger, split.Index, resume.FileIndex + 1, split.Files.Count, resume.Line);
            if (run.Timestamps is not null) await RederiveTimestampsAsync(split, resume.FileIndex, resume.Line, run, abort).ConfigureAwait(false);
            // The files the checkpoint shows as done are not read again: count their bytes, so progress reaches the total.
            run.AddBytesSkipped(split.Files.Take(resume.FileIndex).Sum(f => f.End - f.Start));
        }

        var chunks = run.DeadLetterFolder is { } folder
            ? new SplitDeadLetters(stores, folder, run.Fingerprint, split.Index, resume?.DeadLetterChunks ?? 0, run.Samples)
            : null;
        IDeadLetterSink deadLetters = chunks is null ? run.Samples : chunks;
        var writer = new CheckpointedWriter(writers, run, deadLetters, tracker);
        await using (chunks)
        await using (writer.ConfigureAwait(false))
        {
            if (chunks is not null) await chunks.DiscardUnrecordedAsync(abort).ConfigureAwait(false);
            var keys = run.Keys;
            var shuffle = run.Options.ShuffleWindow > 0
                ? new ShuffleBuffer<(ItemRecord Record, string Source)>(run.Options.ShuffleWindow, new Random(split.Index), keys is null ? null : r => KeyOf(r.Record, keys))
                : null;
            var badLines = new List<RecordError>();
            var readerOptions = new ItemReaderOptions { BadRecords = BadRecordHandling.Skip, OnBadRecord = badLines.Add, Csv = run.Options.Source.Csv };
            long itemsRead = 0;

            // Everything up to the given line is written or set aside, and only then does the checkpoint say so.
            async Task CheckpointAsync(int fileIndex, long line, bool done)
            {
                if (shuffle is not null)
                {
                    foreach (var (record, source) in shuffle.Drain()) await writer.WriteAsync(record, source, abort).ConfigureAwait(false);
                }
                await writer.FlushAsync(abort).ConfigureAwait(false);
                if (chunks is not null)
                {
                    await chunks.CommitAsync(abort).ConfigureAwait(false);
                    if (chunks.HasCommitted) run.DeadLettersCommitted = true;
                }
                if (run.Checkpoints is not null)
                {
                    await run.Checkpoints.WriteAsync(checkpointName, new SplitCheckpoint(run.Fingerprint, fileIndex, line, done, chunks?.NextChunk ?? 0), abort).ConfigureAwait(false);
                }
            }

            long lastCheckpoint = time.GetTimestamp();
            for (int f = resume?.FileIndex ?? 0; f < split.Files.Count; f++)
            {
                var file = split.Files[f];
                long skipThrough = f == resume?.FileIndex ? resume.Line : 0;
                long position = skipThrough; // lines handed to the writer (or set aside) so far
                if (!stop.IsCancellationRequested)
                {
                    var reader = await SplitFileReader.OpenAsync(stores, file, run.Plan.Format, readerOptions, run.AddBytesRead, abort).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        try
                        {
                            while (!stop.IsCancellationRequested && await reader.ReadAsync(stop).ConfigureAwait(false) is { } record)
                            {
                                await SetAsideAsync(badLines, skipThrough, run, deadLetters, abort).ConfigureAwait(false);
                                if (record.Line > skipThrough) // else written before the last checkpoint
                                {
                                    run.ItemRead();
                                    itemsRead++;
                                    if (run.Timestamps?.TryApply(record) == false) run.ItemSuperseded();
                                    else await WriteAsync(record, file.DisplayName, run, writer, shuffle, abort).ConfigureAwait(false);
                                }
                                position = Math.Max(position, reader.LinesRead);
                                if (time.GetElapsedTime(lastCheckpoint) >= run.Options.CheckpointInterval)
                                {
                                    await CheckpointAsync(f, position, done: false).ConfigureAwait(false);
                                    lastCheckpoint = time.GetTimestamp();
                                }
                            }
                        }
                        catch (OperationCanceledException) when (stop.IsCancellationRequested && !abort.IsCancellationRequested)
                        {
                            // Stopped inside a read: the lines it read past the last record are read again by the rerun.
                        }
                        if (stop.IsCancellationRequested) badLines.Clear();
                        else await SetAsideAsync(badLines, skipThrough, run, deadLetters, abort).ConfigureAwait(false);
                    }
                }
                if (stop.IsCancellationRequested)
                {
                    await CheckpointAsync(f, position, done: false).ConfigureAwait(false);
                    Log.SplitStopped(logger, split.Index, f + 1, split.Files.Count, position);
                    return false;
                }
                // Between files only when one is due: a checkpoint completes the writer, a round trip with nothing in
                // flight, which at every end of a small file halved the speed (ImportWorkersBenchmarks, 1 worker).
                bool last = f == split.Files.Count - 1;
                if (last || time.GetElapsedTime(lastCheckpoint) >= run.Options.CheckpointInterval)
                {
                    await CheckpointAsync(last ? f : f + 1, 0, done: last).ConfigureAwait(false);
                    lastCheckpoint = time.GetTimestamp();
                }
            }
            if (split.Files.Count == 0) await CheckpointAsync(0, 0, done: true).ConfigureAwait(false);
            run.SplitDone();
            Log.SplitFinished(logger, split.Index, split.Files.Count, itemsRead);
            ConnectorActivities.ImportSplitFinished(span, itemsRead);
            return true;
        }
    }

    private static async ValueTask WriteAsync(ItemRecord record, string source, RunState run, CheckpointedWriter writer, ShuffleBuffer<(ItemRecord Record, string Source)>? shuffle, CancellationToken cancellationToken)
    {
        foreach (var output in Transform(run, record))
        {
            if (shuffle is null)
            {
                await writer.WriteAsync(output, source, cancellationToken).ConfigureAwait(false);
            }
            else if (shuffle.Add((output, source), out var released))
            {
                await writer.WriteAsync(released.Record, released.Source, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The key of a record, or null when it has no valid key (the writer sets it aside).</summary>
    private static ItemKey? KeyOf(ItemRecord record, Formats.Items.KeySchema keys) =>
        Formats.Items.ItemRules.ValidateKeys(record.Item, keys, requireOnlyKeys: false) is null ? ItemKey.Of(record.Item, keys) : null;

    private static IEnumerable<ItemRecord> Transform(RunState run, ItemRecord record)
    {
        if (run.Options.Transform is not { } transform) return [record];
        // Called once per record: a transform may have side effects, and an iterator would run twice if enumerated twice.
        var produced = transform(record);
        var outputs = produced as IReadOnlyCollection<ItemRecord> ?? [.. produced ?? []];
        if (outputs.Count == 0) run.ItemFiltered();
        return outputs;
    }

    /// <summary>
    /// Reads the files before <paramref name="fileIndex"/>, and that file through <paramref name="line"/>, for their
    /// timestamps alone: the map a resumed run starts from (bad lines were set aside by the run that read them).
    /// </summary>
    private async Task RederiveTimestampsAsync(ImportSplit split, int fileIndex, long line, RunState run, CancellationToken cancellationToken)
    {
        var options = new ItemReaderOptions { BadRecords = BadRecordHandling.Skip, OnBadRecord = static _ => { }, Csv = run.Options.Source.Csv };
        for (int f = 0; f <= fileIndex && f < split.Files.Count; f++)
        {
            long through = f < fileIndex ? long.MaxValue : line;
            if (through == 0) break;
            var reader = await SplitFileReader.OpenAsync(stores, split.Files[f], run.Plan.Format, options, null, cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is { } record && record.Line <= through)
                {
                    run.Timestamps!.TryApply(record);
                }
            }
        }
    }

    private async Task SetAsideAsync(List<RecordError> badLines, long skipThrough, RunState run, IDeadLetterSink deadLetters, CancellationToken cancellationToken)
    {
        if (badLines.Count == 0) return;
        foreach (var error in badLines)
        {
            if (error.Line <= skipThrough) continue; // set aside before the last checkpoint
            run.BadLine();
            Log.BadLineSetAside(logger, error.Source, error.Line, error.Reason);
            await deadLetters.WriteAsync(DeadLetter.ForBadLine(error), cancellationToken).ConfigureAwait(false);
        }
        badLines.Clear();
    }
}
