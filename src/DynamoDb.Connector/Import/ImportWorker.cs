using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Import;

/// <summary>
/// One worker of an import: one writer for the whole run (so the table's budget and what its pacing learned live as
/// long as the import writes), through which it runs split after split; completed once at the end.
/// </summary>
/// <remarks>
/// The worker's flow is counted in the <see cref="WorkTracker"/> by its writer while the writer is open (the writer
/// knows when its caller waits), so a fake-clock test does not move the clock while the worker reads or checkpoints.
/// </remarks>
internal sealed class ImportWorker
{
    private readonly IDynamoDbWriterFactory _writers;
    private readonly RunState _run;
    private readonly WorkTracker _tracker;

    public ImportWorker(IDynamoDbWriterFactory writers, RunState run, WorkTracker tracker)
    {
        _writers = writers;
        _run = run;
        _tracker = tracker;
    }

    /// <summary>Where the writer's dead letters go: the split being run's sink.</summary>
    public SwitchableDeadLetters DeadLetters { get; } = new();

    /// <summary>
    /// Creates the writer, runs <paramref name="runSplits"/> through it and completes it; at a time box's hard deadline
    /// it disposes it instead, abandoning what it holds.
    /// </summary>
    public async Task RunAsync(Func<IDynamoDbWriter, Task> runSplits, CancellationToken cancellationToken)
    {
        var options = _run.Options.Writer.Clone();
        options.DeadLetterSink = DeadLetters;
        options.DeadLetterUri = null;
        options.MaxBatchesInFlight = _run.WriterBatchesInFlight;
        IDynamoDbWriter writer;
        try
        {
            writer = await _writers.CreateAsync(_run.Options.TableName, options, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonServiceException e) when (e is ResourceNotFoundException || e.ErrorCode == "AccessDeniedException")
        {
            // The table was there at the start: it was deleted, or access revoked, meanwhile. Retrying cannot fix it.
            throw new TableWriteException($"Writing to table '{_run.Options.TableName}' failed: {e.ErrorCode}: {e.Message}.", new WriteSummary { TableName = _run.Options.TableName }, e);
        }
        _tracker.Exit(); // the writer counts this flow now, until it ends
        _run.Attach(writer);
        var deadline = _run.TimeBox?.Deadline ?? CancellationToken.None;
        using var completing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline);
        try
        {
            await runSplits(writer).ConfigureAwait(false);
            var summary = await writer.CompleteAsync(completing.Token).ConfigureAwait(false);
            _run.Completed(writer, summary);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The time box's hard deadline: what the writer still holds is abandoned by disposing it (cancelling its
            // requests); only what its flushes acknowledged is counted, and the position handed on is the last stored.
        }
        finally
        {
            _run.Detach(writer);
            // The flow counts itself again before the writer lets go of it, so that disposing (after the writer released
            // the caller) never looks idle to a clock driven by the tracker.
            _tracker.Enter();
            await writer.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>
/// Where a writer abandoned at a time box's hard deadline sends the letters of what it still settles: nowhere, since
/// their lines come after the position stored, and the next run sets them aside again.
/// </summary>
internal sealed class DiscardedDeadLetters : IDeadLetterSink
{
    public static DiscardedDeadLetters Instance { get; } = new();

    public ValueTask WriteAsync(DeadLetter letter, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask FlushAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}

/// <summary>A dead-letter sink that passes letters to the sink of the split being run, switched between splits once the writer is flushed.</summary>
internal sealed class SwitchableDeadLetters : IDeadLetterSink
{
    private IDeadLetterSink? _current;

    /// <summary>The sink letters go to now.</summary>
    public IDeadLetterSink Current
    {
        get => Volatile.Read(ref _current) ?? throw new InvalidOperationException("No split is running.");
        set => Volatile.Write(ref _current, value);
    }

    public ValueTask WriteAsync(DeadLetter letter, CancellationToken cancellationToken = default) => Current.WriteAsync(letter, cancellationToken);

    public ValueTask FlushAsync(CancellationToken cancellationToken = default) => Volatile.Read(ref _current)?.FlushAsync(cancellationToken) ?? ValueTask.CompletedTask;
}
