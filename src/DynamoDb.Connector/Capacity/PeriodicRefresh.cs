namespace DynamoDb.Connector.Capacity;

/// <summary>
/// Runs a refresh (a DescribeTable) every interval on the <see cref="TimeProvider"/>, never two at once, counted as
/// work in flight by the <see cref="WorkTracker"/> so fake-clock tests wait for it; disposing cancels a refresh
/// under way. Shared by the read and write budgets.
/// </summary>
internal sealed class PeriodicRefresh : IDisposable
{
    private readonly Func<CancellationToken, Task> _refresh;
    private readonly WorkTracker _tracker;
    private readonly CancellationTokenSource _disposing = new();
    private readonly ITimer _timer;
    private int _refreshing;

    public PeriodicRefresh(TimeProvider timeProvider, TimeSpan interval, WorkTracker tracker, Func<CancellationToken, Task> refresh)
    {
        _refresh = refresh;
        _tracker = tracker;
        _timer = timeProvider.CreateTimer(static state => ((PeriodicRefresh)state!).OnTimer(), this, interval, interval);
    }

    public void Dispose()
    {
        _timer.Dispose();
        _disposing.Cancel();
        _disposing.Dispose();
    }

    private void OnTimer()
    {
        if (Interlocked.Exchange(ref _refreshing, 1) == 1) return;
        _tracker.Enter();
        _ = RunAsync();
    }

    private async Task RunAsync()
    {
        try
        {
            await _refresh(_disposing.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Disposed while describing the table.
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
            _tracker.Exit();
        }
    }
}
