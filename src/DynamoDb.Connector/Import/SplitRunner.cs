using DynamoDb.Connector.Checkpoints;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Telemetry;
using DynamoDb.Connector.Writing;
using Microsoft.Extensions.Logging;

namespace DynamoDb.Connector.Import;

/// <summary>
/// Runs one split of an import: resumes at its checkpoint's position, reads its records with the public reader
/// (<see cref="ImportInputFormat.OpenAsync"/>), sets bad records aside, passes the rest through the shuffle window and
/// the transform to the writer, checkpoints when due (flush, then store the position), and on a stop request (Ctrl-C)
/// stops reading, writes what it handed over and checkpoints there, so a rerun redoes nothing.
/// </summary>
/// <remarks>
/// Two tokens: <c>stop</c> ends the reading (a cancellation by the caller); <c>failed</c> ends everything (a failed
/// worker, or the caller's cancellation once <see cref="ImportJobOptions.StopGracePeriod"/> has passed). What was read
/// before a stop is still written and checkpointed under <c>failed</c> alone. A time box's hard deadline
/// (<see cref="TimeBox.Deadline"/>) ends the writing too: the split gives up what the writer has not acknowledged and
/// hands on the last position it stored (see <see cref="RunState.SplitAbandoned"/>).
/// </remarks>
internal sealed class SplitRunner(ImportInputFormat input, TimeProvider time, ILogger logger)
{
    /// <summary>
    /// Runs <paramref name="split"/> through the worker's <paramref name="writer"/>, whose dead letters go to
    /// <paramref name="deadLetterSwitch"/>; returns false when it stopped before its end (checkpointed where it stopped).
    /// </summary>
    public async Task<bool> RunAsync(ImportSplit split, RunState run, IDynamoDbWriter writer, SwitchableDeadLetters deadLetterSwitch, CancellationToken stop, CancellationToken failed)
    {
        // Waits on the writer end at a failure or at the hard deadline; storing a position ends only at a failure, so
        // that what a flush acknowledged is recorded (the deadline leaves the fixed margin for it).
        var deadline = run.TimeBox?.Deadline ?? CancellationToken.None;
        using var writing = CancellationTokenSource.CreateLinkedTokenSource(failed, deadline);
        var abort = writing.Token;
        using var span = ConnectorActivities.StartImportSplit(run.Options.TableName, split);
        string checkpointName = $"splits/{split.Index:D6}";
        var resume = run.Checkpoints is null ? null : await run.Checkpoints.ReadAsync<SplitCheckpoint>(checkpointName, abort).ConfigureAwait(false);
        // A continuation and the checkpoint agree, unless a run went further after the continuation was made (an
        // invocation retried with an older one): the one further along stands, with its dead-letter chunk count.
        if (run.Document?.From is { } continued && resume is not { Done: true } && (resume is null || !resume.Position.IsAtOrAfter(continued)))
        {
            resume = new SplitCheckpoint(run.Fingerprint, continued.File, continued.Line, continued.File >= split.Files.Count, run.Document.DeadLetterChunks, continued.Offset);
        }
        // Dead letters an earlier run committed are in the folder too: the result points there even if this run adds none.
        if (resume?.DeadLetterChunks > 0 && run.DeadLetterFolder is not null) run.DeadLettersCommitted = true;
        var readOptions = ImportReadOptions.For(run.Plan, run.Options.Source);
        if (resume?.Done == true)
        {
            // An incremental export's later splits need the timestamps of this one's changes: read them again, writing nothing.
            if (run.Timestamps is not null) await RederiveTimestampsAsync(split, readOptions, null, run.Timestamps, abort).ConfigureAwait(false);
            run.SplitSkipped(split);
            return true;
        }
        var from = resume?.Position;
        if (from is { } position)
        {
            Log.SplitResumed(logger, split.Index, position.File + 1, split.Files.Count, position.Line);
            if (run.Timestamps is not null) await RederiveTimestampsAsync(split, readOptions, position, run.Timestamps, abort).ConfigureAwait(false);
        }

        var chunks = run.DeadLetterFolder is { } folder
            ? new SplitDeadLetters(input.Stores, folder, run.Fingerprint, split.Index, resume?.DeadLetterChunks ?? 0, run.Samples)
            : null;
        IDeadLetterSink deadLetters = chunks is null ? run.Samples : chunks;
        // The writer is flushed at the end of the split before: nothing of that one is left to set aside.
        deadLetterSwitch.Current = deadLetters;
        await using (chunks)
        {
            if (chunks is not null) await chunks.DiscardUnrecordedAsync(abort).ConfigureAwait(false);
            var keys = run.Keys;
            var shuffle = run.Options.ShuffleWindow > 0
                ? new ShuffleBuffer<(ItemRecord Record, string Source)>(run.Options.ShuffleWindow, new Random(split.Index), keys is null ? null : r => KeyOf(r.Record, keys))
                : null;

            // The last position whose items are all acknowledged, as stored: where a run abandoned at its deadline goes on.
            var stored = new StoredPosition(from ?? ImportPosition.Start, resume?.DeadLetterChunks ?? 0, 0, 0);

            // Everything up to the given position is written or set aside, and only then does the checkpoint say so.
            async Task CheckpointAsync(ImportSplitReader reader, ImportPosition position, bool done)
            {
                if (shuffle is not null)
                {
                    foreach (var (record, source) in shuffle.Drain()) await writer.WriteAsync(record, source, abort).ConfigureAwait(false);
                }
                run.Flushed(writer, await writer.FlushAsync(abort).ConfigureAwait(false));
                if (chunks is not null)
                {
                    await chunks.CommitAsync(failed).ConfigureAwait(false);
                    if (chunks.HasCommitted) run.DeadLettersCommitted = true;
                }
                run.ReaderCheckpointed(reader);
                if (run.Checkpoints is not null)
                {
                    await run.Checkpoints.WriteAsync(checkpointName, SplitCheckpoint.At(run.Fingerprint, split, position, done, chunks?.NextChunk ?? 0), failed).ConfigureAwait(false);
                }
                stored = new StoredPosition(position, chunks?.NextChunk ?? 0, reader.RecordsRead, reader.BadRecords);
            }

            var reader = await input.OpenAsync(split, readOptions, from, abort).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                run.Attach(reader);
                try
                {
                    long lastCheckpoint = time.GetTimestamp();
                    var checkpointInterval = run.TimeBox?.CheckpointInterval(run.Options.CheckpointInterval) ?? run.Options.CheckpointInterval;
                    // Counts what this split hands the writer, which a stop must flush.
                    var watch = run.TimeBox?.Watch(writer);
                    try
                    {
                        await foreach (var read in reader.ReadAsync(stop).ConfigureAwait(false))
                        {
                            int items = 0;
                            if (read.IsBad)
                            {
                                Log.BadLineSetAside(logger, read.Error.Source, read.Error.Line, read.Error.Reason);
                                await deadLetters.WriteAsync(DeadLetter.ForBadLine(read.Error), abort).ConfigureAwait(false);
                            }
                            else if (run.Timestamps?.TryApply(read.Record) == false) run.ItemSuperseded();
                            else items = await WriteAsync(read.Record, read.Source, run, writer, shuffle, abort).ConfigureAwait(false);
                            watch?.Handed(items);
                            if (stop.IsCancellationRequested) break;
                            if (time.GetElapsedTime(lastCheckpoint) >= checkpointInterval)
                            {
                                await CheckpointAsync(reader, read.Next, done: false).ConfigureAwait(false);
                                lastCheckpoint = time.GetTimestamp();
                            }
                        }
                    }
                    catch (OperationCanceledException) when (stop.IsCancellationRequested && !abort.IsCancellationRequested)
                    {
                        // Stopped inside a read: the lines it read past the last record are read again by the rerun.
                    }
                    if (!reader.IsComplete)
                    {
                        await CheckpointAsync(reader, reader.Position, done: false).ConfigureAwait(false);
                        run.SplitStopped(reader.Position, chunks?.NextChunk ?? 0);
                        Log.SplitStopped(logger, split.Index, reader.Position.File + 1, split.Files.Count, reader.Position.Line);
                        return false;
                    }
                    await CheckpointAsync(reader, reader.Position, done: true).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested && !failed.IsCancellationRequested)
                {
                    // The hard deadline, in a wait on the writer: what it holds is given up (not counted), its dead
                    // letters too (their lines come after the stored position, set aside again by the next run).
                    deadLetterSwitch.Current = DiscardedDeadLetters.Instance;
                    run.SplitAbandoned(reader, stored.Position, stored.DeadLetterChunks, stored.Records, stored.BadRecords);
                    Log.SplitAbandoned(logger, split.Index, reader.RecordsRead - stored.Records, stored.Position.File + 1, split.Files.Count, stored.Position.Line);
                    return false;
                }
                finally
                {
                    run.Detach(reader);
                }
                run.SplitDone();
                Log.SplitFinished(logger, split.Index, split.Files.Count, reader.RecordsRead);
                ConnectorActivities.ImportSplitFinished(span, reader.RecordsRead);
                return true;
            }
        }
    }

    /// <summary>A position stored (or resumed from), with the dead-letter chunk then and what the reader had read by then.</summary>
    private readonly record struct StoredPosition(ImportPosition Position, int DeadLetterChunks, long Records, long BadRecords);

    /// <summary>Hands what <paramref name="record"/> becomes to the writer (or the shuffle window); returns how many items that is.</summary>
    private static async ValueTask<int> WriteAsync(ItemRecord record, string source, RunState run, IDynamoDbWriter writer, ShuffleBuffer<(ItemRecord Record, string Source)>? shuffle, CancellationToken cancellationToken)
    {
        var outputs = Transform(run, record);
        foreach (var output in outputs)
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
        return outputs.Count;
    }

    /// <summary>The key of a record, or null when it has no valid key (the writer sets it aside).</summary>
    private static ItemKey? KeyOf(ItemRecord record, Formats.Items.KeySchema keys) =>
        Formats.Items.ItemRules.ValidateKeys(record.Item, keys, requireOnlyKeys: false) is null ? ItemKey.Of(record.Item, keys) : null;

    private static IReadOnlyCollection<ItemRecord> Transform(RunState run, ItemRecord record)
    {
        if (run.Options.Transform is not { } transform) return [record];
        // Called once per record: a transform may have side effects, and an iterator would run twice if enumerated twice.
        var produced = transform(record);
        var outputs = produced as IReadOnlyCollection<ItemRecord> ?? [.. produced ?? []];
        if (outputs.Count == 0) run.ItemFiltered();
        return outputs;
    }

    /// <summary>
    /// Reads the records before <paramref name="until"/> (all of them when null) for their timestamps alone: the map a
    /// resumed run starts from (bad lines were set aside by the run that read them).
    /// </summary>
    private async Task RederiveTimestampsAsync(ImportSplit split, ImportReadOptions options, ImportPosition? until, WriteTimestamps timestamps, CancellationToken cancellationToken)
    {
        if (until is { File: 0, Line: 0 }) return;
        var reader = await input.OpenAsync(split, options, null, cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            await foreach (var read in reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (until is { } end && !end.IsAtOrAfter(read.Next)) break;
                if (!read.IsBad) timestamps.TryApply(read.Record);
            }
        }
    }
}
