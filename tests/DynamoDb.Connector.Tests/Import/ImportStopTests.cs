using DynamoDb.Connector.Import;

namespace DynamoDb.Connector.Tests.Import;

/// <summary>
/// A cancelled import (Ctrl-C) on a slow table: reading stops at once, what was read is written for at most the grace
/// period, and the checkpoint says exactly what was written. On the fake clock, where the table's budget paces writes.
/// </summary>
public sealed class ImportStopTests
{
    /// <summary>2,000 items of 1 WCU at 10 WCU/s, cancelled when the 400th is read; what is in flight then takes about 12 s.</summary>
    private static (ImportJobOptions Options, Func<DateTimeOffset?> CancelledAt) Slow(ImportHarness h, CancellationTokenSource cancel, TimeSpan grace)
    {
        h.WriteFile("a.json", ImportHarness.LinesOf(0, 2000));
        DateTimeOffset? cancelledAt = null;
        int read = 0;
        var options = h.Options(h.Input, o =>
        {
            o.Writer.Throughput.WriteUnitsPerSecond = 10;
            o.Writer.MaxBatchesInFlight = 4;
            o.CheckpointInterval = TimeSpan.FromHours(1);
            o.StopGracePeriod = grace;
            o.Transform = record =>
            {
                if (Interlocked.Increment(ref read) == 400)
                {
                    cancelledAt = h.Writers.Time.GetUtcNow();
                    cancel.Cancel();
                }
                return [record];
            };
        });
        return (options, () => cancelledAt);
    }

    /// <summary>How long after <paramref name="cancelled"/> the last write was sent.</summary>
    private static TimeSpan WritesAfter(ImportHarness h, DateTimeOffset cancelled) =>
        h.Dynamo.Requests.Where(r => r.Operation == "BatchWriteItem").Select(r => r.At).DefaultIfEmpty(cancelled).Max() - cancelled;

    [Fact]
    public async Task Cancel_WritesEverythingReadWithinTheGracePeriod_AndCheckpointsThere()
    {
        using var h = new ImportHarness();
        using var cancel = new CancellationTokenSource();
        var (options, cancelledAt) = Slow(h, cancel, TimeSpan.FromMinutes(1));

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.RunAsync(options, cancel.Token));

        Assert.Contains("rerun with the same checkpoint", error.Message, StringComparison.Ordinal);

        // It wrote what was in flight, at the table's pace (the time of the last write: the clock after it says little,
        // as nothing waits on it once the run is over).
        var writing = WritesAfter(h, cancelledAt()!.Value);
        Assert.InRange(writing.TotalSeconds, 5, 30);
        Assert.Equal(new Checkpoint(0, 400, false, 0), h.CheckpointOf(0));
        Assert.Equal(Enumerable.Range(1, 400).Select(l => ImportHarness.Key(0, l)), h.Table.Items.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Cancel_WhenTheWritesInFlightOutlastTheGracePeriod_GivesUpAfterIt_KeepingTheLastCheckpoint()
    {
        using var h = new ImportHarness();
        using var cancel = new CancellationTokenSource();
        var (options, cancelledAt) = Slow(h, cancel, TimeSpan.FromSeconds(3));

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.RunAsync(options, cancel.Token));

        Assert.Contains("did not end within 00:00:03", error.Message, StringComparison.Ordinal);

        var writing = WritesAfter(h, cancelledAt()!.Value);
        Assert.InRange(writing.TotalSeconds, 1, 3.1); // it went on writing, and stopped with the grace period, not with the table
        Assert.True(h.Table.Items.Count < 400, $"{h.Table.Items.Count} written");
        Assert.Null(h.CheckpointOf(0)); // no checkpoint claims what was not written
    }
}
