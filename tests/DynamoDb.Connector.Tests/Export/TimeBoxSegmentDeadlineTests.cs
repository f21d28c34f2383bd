using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Export;

namespace DynamoDb.Connector.Tests.Export;

/// <summary>
/// The hard deadline of a time-boxed export segment (<see cref="ExportSegmentOptions.TimeBudget"/>), on the fake clock:
/// a run reads at least one page, so a table that throttles that page until its retries run out would hold the run far
/// past its budget (a Lambda invocation past its deadline is killed). At the budget less 2 s the run gives up what it
/// has not committed and returns its last recorded position; the continuation exports every item once.
/// </summary>
public sealed class TimeBoxSegmentDeadlineTests : IDisposable
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(10);
    private readonly ExportHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static ExportSegmentOptions Options() => new()
    {
        Throughput = new ReadThroughputOptions { ReadUnitsPerSecond = 10 },
        TimeBudget = Budget,
    };

    private Task<T> Run<T>(Func<Task<T>> call) => _h.RunCountedAsync(call);

    [Fact]
    public async Task ARunWhoseFirstPageTheTableKeepsThrottling_ReturnsWithinItsBudget_AtItsLastRecordedPosition_AndTheChainExportsEveryItemOnce()
    {
        var table = _h.Table(100, size: 4000);
        var plan = await Run(() => _h.Job.PlanSegmentsAsync(_h.Options(o => { o.TotalSegments = 1; o.ItemsPerFile = 30; }), _h.PlanDirectory));
        var segment = plan.Segments[0];

        // The table takes almost nothing: every page is throttled, and retried with backoff.
        table.AdmitReadUnitsPerSecond = 0.01;
        var startedAt = _h.Time.GetUtcNow();
        var stalled = await Run(() => _h.Job.RunSegmentAsync(segment, Options()));
        var took = _h.Time.GetUtcNow() - startedAt;

        Assert.True(took <= Budget, $"the run took {took}, past its budget of {Budget}");
        Assert.False(stalled.Done);
        Assert.Equal(0, stalled.ItemsWritten);
        Assert.Equal(0, stalled.FilesCommitted);
        Assert.Equal(0, stalled.Continuation!.From?.Pages ?? 0);
        Assert.Contains("\"itemsAbandoned\":0", stalled.ToJson(), StringComparison.Ordinal);

        // The table recovers: the continuation goes on from there to the end.
        table.AdmitReadUnitsPerSecond = null;
        var next = ExportSegmentDocument.Parse(stalled.Continuation.ToJson());
        for (int runs = 0; ; runs++)
        {
            Assert.True(runs < 50, "the continuations do not end");
            var summary = await Run(() => _h.Job.RunSegmentAsync(next, Options()));
            if (summary.Done) break;
            next = ExportSegmentDocument.Parse(summary.Continuation!.ToJson());
        }
        var finish = await Run(() => _h.Job.FinishSegmentsAsync(_h.PlanDirectory));
        var items = await ExportHarness.ReadBackAsync(finish.ManifestUri!);
        Assert.Equal(100, items.Count);
        Assert.Equal(100, items.Select(i => i["pk"].S).Distinct().Count());
    }
}
