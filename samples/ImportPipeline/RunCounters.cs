using DynamoDb.Connector.Writing;

namespace ImportPipelineSample;

/// <summary>What the pipeline did, counted across its workers.</summary>
internal sealed record PipelineResult(int Splits, int SplitsDone, int SplitsAlreadyDone, long ItemsWritten, long ItemsDeadLettered, long BadRecords, long Checkpoints, double WriteUnits, long ThrottledRequests, bool StoppedAtMaxItems)
{
    public override string ToString() =>
        $"splits: {Splits} ({SplitsDone} done in this run, {SplitsAlreadyDone} already done)\n" +
        $"items written: {ItemsWritten}\n" +
        $"dead-lettered: {ItemsDeadLettered}\n" +
        $"bad records: {BadRecords}\n" +
        $"checkpoints: {Checkpoints}\n" +
        $"write units: {WriteUnits:0.#} WCU, {ThrottledRequests} throttled requests\n" +
        (StoppedAtMaxItems ? "stopped at --MaxItems: run it again to go on\n" : "complete\n");
}

/// <summary>The counters the workers share (thread-safe), and the --MaxItems allowance.</summary>
internal sealed class RunCounters(long? maxItems)
{
    private readonly Lock _lock = new();
    private long _taken, _written, _deadLettered, _bad, _checkpoints, _throttled;
    private double _writeUnits;
    private int _splitsDone, _splitsAlreadyDone;
    private volatile bool _stopped;

    public bool Stopped => _stopped;

    /// <summary>Takes one item of the allowance; false (and the run stops) once it is used up.</summary>
    public bool TryTakeItem()
    {
        if (maxItems is { } max && Interlocked.Increment(ref _taken) > max)
        {
            _stopped = true;
            return false;
        }
        return true;
    }

    public void BadRecord() => Interlocked.Increment(ref _bad);

    /// <summary>A checkpoint's flush: what was acknowledged since the previous one.</summary>
    public void Flushed(WriteFlush flush)
    {
        lock (_lock)
        {
            _written += flush.ItemsWritten + flush.ItemsDeleted;
            _deadLettered += flush.ItemsDeadLettered;
            _checkpoints++;
        }
    }

    /// <summary>A writer's end: its capacity and throttling over the whole run (its items were counted by the flushes).</summary>
    public void Completed(WriteSummary summary)
    {
        lock (_lock)
        {
            _writeUnits += summary.ConsumedWriteUnits;
            _throttled += summary.ThrottledRequests;
        }
    }

    public void SplitDone(bool alreadyDone)
    {
        if (alreadyDone) Interlocked.Increment(ref _splitsAlreadyDone);
        else Interlocked.Increment(ref _splitsDone);
    }

    public PipelineResult Result(int splits)
    {
        lock (_lock)
        {
            return new(splits, _splitsDone, _splitsAlreadyDone, _written, _deadLettered, Interlocked.Read(ref _bad), _checkpoints, _writeUnits, _throttled, _stopped);
        }
    }
}
