#region usings
using System.Collections.Concurrent;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Checkpoints;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.Writing;
using Microsoft.Extensions.Logging;
#endregion

namespace ImportPipelineSample;

/// <summary>
/// Source -> splits -> reader -> transform -> writer -> flush -> checkpoint, out of the connector's public pieces:
/// <see cref="ImportInputFormat"/> plans and reads, <see cref="IDynamoDbWriter"/> writes at the table's budget, and an
/// <see cref="ICheckpointStore"/> keeps each split's position, stored only after a flush, so a rerun resumes after
/// the last item known to be written.
/// </summary>
internal sealed class ImportPipeline(ImportInputFormat input, IDynamoDbWriterFactory writers, ICheckpointStore checkpoints, ILogger<ImportPipeline> logger)
{
    private const string PlanDocument = "plan";

    public async Task<PipelineResult> RunAsync(PipelineSettings settings, CancellationToken cancellationToken)
    {
        #region plan
        var source = new ImportSourceOptions { Source = settings.Source, TargetSplitBytes = settings.SplitBytes };
        ImportPlan plan = await input.PlanAsync(source, cancellationToken);
        ImportReadOptions read = ImportReadOptions.For(plan, source);
        // Splits that may hold one key twice run one after another, in input order, so a later write of a key wins.
        int workers = plan.Ordering switch
        {
            ImportOrdering.Concurrent => Math.Min(settings.Workers, Math.Max(1, plan.Splits.Count)),
            ImportOrdering.InputOrder => 1,
            _ => throw new NotSupportedException($"{plan.Source}: {plan.OrderingReason}; ImportJob applies those, this sample does not."),
        };
        #endregion
        logger.LogInformation("{Source}: {Splits} splits, {Ordering} ({Reason}), {Workers} workers.", plan.Source, plan.Splits.Count, plan.Ordering, plan.OrderingReason, workers);
        await CheckSamePlanAsync(plan, cancellationToken);

        var run = new RunCounters(settings.MaxItems);
        var splits = new ConcurrentQueue<ImportSplit>(plan.Splits);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => WorkAsync(splits, read, settings, run, cancellationToken)));
        return run.Result(plan.Splits.Count);
    }

    /// <summary>One worker: one writer for the whole run (it keeps the table's budget and what its pacing learned), split after split.</summary>
    private async Task WorkAsync(ConcurrentQueue<ImportSplit> splits, ImportReadOptions read, PipelineSettings settings, RunCounters run, CancellationToken cancellationToken)
    {
        #region writer
        await using IDynamoDbWriter writer = await writers.CreateAsync(settings.Table, new DynamoDbWriterOptions
        {
            Throughput = { WritePercent = settings.WritePercent }, // of the table's capacity, shared by its writers
            DeadLetterUri = settings.DeadLetters,                  // items DynamoDB refuses, as re-importable JSON lines
        }, cancellationToken);
        while (!run.Stopped && splits.TryDequeue(out var split))
        {
            await ImportSplitAsync(split, writer, read, settings, run, cancellationToken);
        }
        WriteSummary summary = await writer.CompleteAsync(cancellationToken);
        #endregion
        run.Completed(summary);
    }

    private async Task ImportSplitAsync(ImportSplit split, IDynamoDbWriter writer, ImportReadOptions read, PipelineSettings settings, RunCounters run, CancellationToken cancellationToken)
    {
        string name = $"splits/{split.Index:D6}";
        ImportPosition? stored = await ReadPositionAsync(name, cancellationToken);
        if (stored is { } done && done.File >= split.Files.Count)
        {
            run.SplitDone(alreadyDone: true);
            return;
        }
        if (stored is { } resumed) logger.LogInformation("Split {Split} resumes at file {File}, line {Line}.", split.Index, resumed.File, resumed.Line);

        #region read-transform-write-checkpoint
        await using ImportSplitReader reader = await input.OpenAsync(split, read, stored, cancellationToken);
        ImportPosition position = stored ?? ImportPosition.Start;
        int sinceCheckpoint = 0;
        await foreach (ImportRecord record in reader.ReadAsync(cancellationToken))
        {
            if (record.IsBad)
            {
                // A line that is not an item: say where and why, and go on.
                logger.LogWarning("Skipped {Source}:{Line}: {Reason}", record.Source, record.Line, record.Error.Reason);
                run.BadRecord();
            }
            else
            {
                if (!run.TryTakeItem()) break; // --MaxItems reached: checkpoint what was given, stop
                await writer.WriteAsync(Transform(record.Record), record.Source, cancellationToken);
            }
            position = record.Next;
            if (++sinceCheckpoint == settings.CheckpointEvery)
            {
                await CheckpointAsync(writer, name, position, run, cancellationToken);
                sinceCheckpoint = 0;
            }
        }
        if (reader.IsComplete) position = reader.Position; // past the last file: the split is done
        await CheckpointAsync(writer, name, position, run, cancellationToken);
        #endregion
        if (reader.IsComplete) run.SplitDone(alreadyDone: false);
    }

    #region checkpoint
    /// <summary>A checkpoint: flush (everything given so far is written or dead-lettered), then store the position after it.</summary>
    private async Task CheckpointAsync(IDynamoDbWriter writer, string name, ImportPosition position, RunCounters run, CancellationToken cancellationToken)
    {
        WriteFlush flush = await writer.FlushAsync(cancellationToken);
        await checkpoints.WriteAsync(name, JsonSerializer.Serialize(position), cancellationToken);
        run.Flushed(flush);
        // Without a DeadLetterUri the writer keeps its dead letters in memory: the log is where they last.
        foreach (var dead in flush.DeadLetters) logger.LogWarning("Not written: {Source}:{Line}: {Reason}", dead.Source, dead.Line, dead.Reason);
    }
    #endregion

    #region transform
    /// <summary>The pipeline's own step: here, each item gets the attribute <c>pipeline</c> naming who imported it.</summary>
    private static ItemRecord Transform(ItemRecord record)
    {
        var item = new Dictionary<string, AttributeValue>(record.Item) { ["pipeline"] = new AttributeValue { S = "import-pipeline-sample" } };
        return new ItemRecord(item, record.Line, record.Operation);
    }
    #endregion

    private async Task<ImportPosition?> ReadPositionAsync(string name, CancellationToken cancellationToken)
    {
        string? json = await checkpoints.ReadAsync(name, cancellationToken);
        return json is null ? null : JsonSerializer.Deserialize<ImportPosition>(json);
    }

    /// <summary>Stored positions are positions in one plan: a source that changed since would resume at wrong lines, so it is refused.</summary>
    private async Task CheckSamePlanAsync(ImportPlan plan, CancellationToken cancellationToken)
    {
        string fingerprint = plan.Fingerprint();
        string? stored = await checkpoints.ReadAsync(PlanDocument, cancellationToken);
        if (stored is null) await checkpoints.WriteAsync(PlanDocument, JsonSerializer.Serialize(fingerprint), cancellationToken);
        else if (JsonSerializer.Deserialize<string>(stored) != fingerprint)
        {
            throw new InvalidOperationException(
                $"The checkpoints in {checkpoints.Location} belong to another plan of {plan.Source} (its files changed since): " +
                "resuming would start at the wrong lines; give another --Checkpoints table to import it again.");
        }
    }
}
