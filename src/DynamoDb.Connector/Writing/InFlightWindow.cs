using DynamoDb.Connector.Capacity;

namespace DynamoDb.Connector.Writing;

/// <summary>
/// The batches in flight: at most <c>maxInFlight</c> at once (the caller waits for a slot), in key order across
/// batches (a batch holding a key of an earlier batch still in flight waits for that batch), and a drain the caller
/// waits on to flush or complete. The caller's waits are counted on the <see cref="WorkTracker"/> so that a fake clock
/// runs only while every flow waits. Thread-safe.
/// </summary>
internal sealed class InFlightWindow(int maxInFlight, WorkTracker tracker, Func<bool> failed, CancellationToken stop, object owner)
{
    private readonly object _lock = new();
    private readonly Dictionary<ItemKey, BatchFlow> _keysInFlight = [];
    private int _inFlight;
    private TaskCompletionSource? _slotFreed;
    private TaskCompletionSource? _drained;

    /// <summary>Reserves a slot if one is free now.</summary>
    public bool TryReserveSlot()
    {
        lock (_lock)
        {
            if (_inFlight >= maxInFlight) return false;
            _inFlight++;
            return true;
        }
    }

    /// <summary>Reserves a slot for a batch, waiting for one if need be; false when the writer failed meanwhile (no slot is reserved).</summary>
    /// <exception cref="ObjectDisposedException">The writer was disposed.</exception>
    public async ValueTask<bool> WaitForSlotAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TaskCompletionSource freed;
            lock (_lock)
            {
                if (failed()) return false;
                ObjectDisposedException.ThrowIf(stop.IsCancellationRequested, owner);
                if (_inFlight < maxInFlight)
                {
                    _inFlight++;
                    return true;
                }
                freed = _slotFreed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            await WaitAsync(freed, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until no batch is in flight.</summary>
    public async ValueTask WaitForDrainAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource drained;
        lock (_lock)
        {
            if (_inFlight == 0) return;
            if (_drained is null || _drained.Task.IsCompleted) _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            drained = _drained;
        }
        await WaitAsync(drained, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A batch goes out in a reserved slot: it depends on the batches in flight that hold one of its keys, and
    /// becomes the latest write of each of its keys.
    /// </summary>
    public BatchFlow Open(List<WriteEntry> entries)
    {
        var flow = new BatchFlow(entries);
        lock (_lock)
        {
            foreach (var entry in flow.Entries)
            {
                if (_keysInFlight.TryGetValue(entry.Key, out var earlier) && (flow.Dependencies is null || !flow.Dependencies.Contains(earlier)))
                {
                    (flow.Dependencies ??= []).Add(earlier);
                }
                _keysInFlight[entry.Key] = flow;
            }
        }
        tracker.Enter();
        return flow;
    }

    /// <summary>Waits for the earlier batches holding one of <paramref name="flow"/>'s keys.</summary>
    public async Task WaitForEarlierAsync(BatchFlow flow)
    {
        foreach (var earlier in flow.Dependencies ?? [])
        {
            await tracker.WaitAsync(earlier.Done.Task).ConfigureAwait(false);
        }
    }

    /// <summary>The batch is done: frees its slot and keys, and wakes the caller if it waits for either.</summary>
    public void Close(BatchFlow flow)
    {
        TaskCompletionSource? freed, drained = null;
        lock (_lock)
        {
            foreach (var entry in flow.Entries)
            {
                if (_keysInFlight.TryGetValue(entry.Key, out var latest) && latest == flow) _keysInFlight.Remove(entry.Key);
            }
            _inFlight--;
            freed = _slotFreed;
            _slotFreed = null;
            if (_inFlight == 0)
            {
                drained = _drained;
                _drained = null;
            }
        }
        // Wake the waiters (they are counted again synchronously) before this flow stops counting.
        flow.Done.TrySetResult();
        Wake(freed);
        Wake(drained);
        tracker.Exit();
    }

    /// <summary>
    /// The caller waits for a batch to end. Whoever ends the wait counts the caller back first (<see cref="Wake"/>),
    /// and the caller's code resumes on the thread pool, never inside a batch.
    /// </summary>
    private async Task WaitAsync(TaskCompletionSource signal, CancellationToken cancellationToken)
    {
        tracker.Exit();
        using (cancellationToken.Register(() => Wake(signal, cancellationToken)))
        {
            await signal.Task.ConfigureAwait(false);
        }
    }

    private void Wake(TaskCompletionSource? signal, CancellationToken cancelled = default)
    {
        if (signal is null) return;
        tracker.Enter();
        bool woke = cancelled.IsCancellationRequested ? signal.TrySetCanceled(cancelled) : signal.TrySetResult();
        if (!woke) tracker.Exit();
    }
}
