namespace DynamoDb.Connector.Capacity;

/// <summary>
/// Counts the flows (writer callers, batches in flight, budget refreshes) that are doing work rather than waiting
/// for the clock or for each other. A test on a fake clock advances time only when <see cref="WhenIdleAsync"/>
/// says every flow waits, so pacing is tested without sleeps and without racing the code under test.
/// </summary>
/// <remarks>
/// A flow leaves the count when it starts to wait (after arranging its way back in) and is counted again
/// synchronously by whatever ends the wait (a timer callback, a batch completing), so the count never reads zero
/// while a woken flow has yet to run.
/// Costs one interlocked operation per wait; nothing else in production.
/// </remarks>
internal sealed class WorkTracker
{
    private readonly object _lock = new();
    private int _busy;
    private TaskCompletionSource? _idle;

    /// <summary>Flows doing work now.</summary>
    public int Busy => Volatile.Read(ref _busy);

    /// <summary>A flow starts working.</summary>
    public void Enter() => Interlocked.Increment(ref _busy);

    /// <summary>A flow stops working (ends, or waits).</summary>
    public void Exit()
    {
        if (Interlocked.Decrement(ref _busy) == 0 && Volatile.Read(ref _idle) is not null)
        {
            TaskCompletionSource? idle;
            lock (_lock)
            {
                idle = _busy == 0 ? _idle : null;
                if (idle is not null) _idle = null;
            }
            idle?.TrySetResult();
        }
    }

    /// <summary>
    /// Marks the current flow as waiting on <paramref name="wait"/> until it completes. The task must not force its
    /// continuations to run asynchronously, so that the flow is counted again the moment it is woken.
    /// </summary>
    public Task WaitAsync(Task wait)
    {
        if (wait.IsCompleted) return wait;
        // The way back in is registered before the flow leaves: leaving first would open a window in which the count
        // reads zero while the wait may already be over (granted by another flow, or by a clock moved meanwhile), and
        // a test clock would run on while the woken flow is not yet counted.
        wait.ContinueWith(static (_, state) => ((WorkTracker)state!).Enter(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        Exit();
        return wait;
    }

    /// <inheritdoc cref="WaitAsync(Task)"/>
    public Task<T> WaitAsync<T>(Task<T> wait)
    {
        WaitAsync((Task)wait);
        return wait;
    }

    /// <summary>Waits, on the tracker, for <paramref name="delay"/> on <paramref name="timeProvider"/>'s clock.</summary>
    public Task DelayAsync(TimeSpan delay, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        if (delay <= TimeSpan.Zero) return Task.CompletedTask;
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled(cancellationToken);
        // Not Task.Delay: its task runs continuations asynchronously, so the flow would be counted again too late.
        var done = new TaskCompletionSource();
        // The timer starts while the flow is still counted, so the delay runs from now, not from wherever a test
        // clock got to once the flow stopped counting.
        var timer = timeProvider.CreateTimer(static state => ((TaskCompletionSource)state!).TrySetResult(), done, delay, Timeout.InfiniteTimeSpan);
        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.Register(() => done.TrySetCanceled(cancellationToken));
            done.Task.ContinueWith((_, _) => registration.Dispose(), null, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        done.Task.ContinueWith(static (_, state) => ((ITimer)state!).Dispose(), timer, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return WaitAsync(done.Task);
    }

    /// <summary>
    /// Starts <paramref name="count"/> flows, each on a thread-pool thread and counted from before it starts, and
    /// returns their tasks and a task that completes when all have ended (failing as <see cref="Task.WhenAll(Task[])"/>).
    /// The caller stops counting while it waits; the last flow to end hands its count to the caller instead of leaving,
    /// so the count never reads zero between the last flow ending and the caller resuming.
    /// </summary>
    public Task RunAllAsync(int count, Func<Task> flow, out Task[] flows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        int running = count;
        flows = new Task[count];
        for (int i = 0; i < count; i++)
        {
            Enter();
            flows[i] = RunOneAsync();
        }
        var all = Task.WhenAll(flows);
        Exit();
        return all;

        async Task RunOneAsync()
        {
            try
            {
                await Task.Yield();
                await flow().ConfigureAwait(false);
            }
            finally
            {
                if (Interlocked.Decrement(ref running) > 0) Exit();
            }
        }
    }

    /// <summary>Completes when no flow is working.</summary>
    public Task WhenIdleAsync()
    {
        TaskCompletionSource idle;
        lock (_lock)
        {
            if (Volatile.Read(ref _busy) == 0) return Task.CompletedTask;
            idle = _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        // The last flow may have stopped between the check above and publishing the signal, without seeing it.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _busy) == 0)
        {
            lock (_lock)
            {
                if (_idle == idle) _idle = null;
            }
            idle.TrySetResult();
        }
        return idle.Task;
    }
}
