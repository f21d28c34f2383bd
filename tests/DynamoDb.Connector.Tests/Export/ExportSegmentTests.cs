using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Export;

namespace DynamoDb.Connector.Tests.Export;

/// <summary>A fanned-out export over the fake table on a fake clock: segments time-boxed, continued, finished.</summary>
public sealed class ExportSegmentTests : IDisposable
{
    private readonly ExportHarness _h = new();

    public void Dispose() => _h.Dispose();

    // 4 KB items cost 0.5 RCU each (eventually consistent): at 10 RCU/s a segment of 50 reads in about 2.5 s.
    private ExportSegmentOptions Slow(double seconds) => new()
    {
        Throughput = new ReadThroughputOptions { ReadUnitsPerSecond = 10 },
        TimeBudget = TimeSpan.FromSeconds(seconds),
    };

    private Task<T> Run<T>(Func<Task<T>> call) => _h.RunCountedAsync(call);

    private Task<ExportSegmentPlan> PlanAsync(int segments, int itemsPerFile = 1000) =>
        Run(() => _h.Job.PlanSegmentsAsync(_h.Options(o => { o.TotalSegments = segments; o.ItemsPerFile = itemsPerFile; }), _h.PlanDirectory));

    private async Task<(ExportSegmentRunSummary Last, int Runs)> RunToDoneAsync(ExportSegmentDocument segment, ExportSegmentOptions options)
    {
        int runs = 0;
        while (true)
        {
            var summary = await Run(() => _h.Job.RunSegmentAsync(segment, options));
            runs++;
            if (summary.Done) return (summary, runs);
            Assert.True(runs < 100, "a continuation gets further every run");
            segment = ExportSegmentDocument.Parse(summary.Continuation!.ToJson());
        }
    }

    [Fact]
    public async Task Segments_TimeBoxed_ContinueUntilDone_AndTheFinishedExportHoldsEveryItemOnce()
    {
        _h.Table(100, size: 4000);
        var plan = await PlanAsync(2, itemsPerFile: 20);

        Assert.Equal(2, plan.Segments.Count);
        Assert.True(File.Exists(Path.Combine(_h.PlanDirectory, "segment-0001.json")));
        Assert.Contains("\"exportSegmentUri\"", await File.ReadAllTextAsync(plan.ItemsUri));
        foreach (var segment in plan.Segments)
        {
            var (_, runs) = await RunToDoneAsync(segment, Slow(1));
            Assert.True(runs >= 2, $"segment {segment.Segment.Id} continued at least once (ran {runs} times)");
        }
        var finish = await Run(() => _h.Job.FinishSegmentsAsync(_h.PlanDirectory));

        Assert.True(finish.Done);
        Assert.Equal(100, finish.ItemsWritten);
        var items = await ExportHarness.ReadBackAsync(finish.ManifestUri!);
        Assert.Equal(100, items.Count);
        Assert.Equal(100, items.Select(i => i["pk"].S).Distinct().Count());
        Assert.False(Directory.Exists(_h.Destination + "_checkpoint"), "the finish deletes the checkpoint");
    }

    [Fact]
    public async Task RunSegment_StopsBeforeItsTimeBudget_EvenWhileAPageWaitsForReadUnits_AndHandsOnItsPosition()
    {
        _h.Table(100, size: 4000);
        var plan = await PlanAsync(1);

        // Pages cost a bucket (1 s of budget) each: the third waits until 2 s, past the stop point (1.5 s less the
        // margin), and is given up rather than read late.
        var summary = await Run(() => _h.Job.RunSegmentAsync(plan.Segments[0], Slow(1.5)));

        Assert.False(summary.Done);
        Assert.InRange(summary.ElapsedSeconds, 0.5, 1.5);
        Assert.InRange(summary.ItemsWritten, 1, 99);
        Assert.Equal(summary.ItemsWritten, summary.Continuation!.From!.ItemsReturned);
        Assert.Equal(1, summary.FilesCommitted); // what the part writer held is committed at the stop
        Assert.InRange(summary.Continuation.ToJson().Length, 100, 4096);
    }

    [Fact]
    public async Task Finish_BeforeEverySegmentIsDone_RefusesNamingThem_AndWritesNoManifest()
    {
        _h.Table(60, size: 4000);
        var plan = await PlanAsync(3);
        await RunToDoneAsync(plan.Segments[1], Slow(600));

        var refused = await Assert.ThrowsAsync<ExportSegmentsUnfinishedException>(() => Run(() => _h.Job.FinishSegmentsAsync(_h.PlanDirectory)));

        Assert.Equal([0, 2], refused.UnfinishedSegments);
        Assert.Contains("segments 0, 2", refused.Message);
        Assert.False(File.Exists(_h.Destination + "manifest"));
    }

    [Fact]
    public async Task RunSegment_OfADoneSegment_WritesNothing_AndSaysDone()
    {
        _h.Table(40, size: 4000);
        var plan = await PlanAsync(2);
        await RunToDoneAsync(plan.Segments[0], Slow(600));
        var files = Directory.GetFiles(_h.Destination).Order().ToList();
        int scans = _h.Dynamo.Requests.Count(r => r.Operation == "Scan");

        var again = await Run(() => _h.Job.RunSegmentAsync(plan.Segments[0], Slow(600)));

        Assert.True(again.Done);
        Assert.Null(again.Continuation);
        Assert.Equal(0, again.ItemsWritten);
        Assert.Equal(files, Directory.GetFiles(_h.Destination).Order().ToList());
        Assert.Equal(scans, _h.Dynamo.Requests.Count(r => r.Operation == "Scan"));
    }

    [Fact]
    public async Task RunSegment_AfterARunDiedBeforeRecordingItsPart_ReplacesThatPart_SoNoItemIsExportedTwice()
    {
        _h.Table(100, size: 4000);
        var plan = await PlanAsync(1);
        string record = Path.Combine(_h.Destination, "_checkpoint", "splits", "000000.json");
        var first = await Run(() => _h.Job.RunSegmentAsync(plan.Segments[0], Slow(2)));
        string afterFirst = await File.ReadAllTextAsync(record);
        var second = await Run(() => _h.Job.RunSegmentAsync(first.Continuation!, Slow(2)));
        Assert.False(second.Done);
        int parts = Directory.GetFiles(_h.Destination).Length;
        // The second run died after committing its part but before recording it: its record is the first run's.
        await File.WriteAllTextAsync(record, afterFirst);

        await RunToDoneAsync(first.Continuation!, Slow(600));
        Assert.Equal(parts, Directory.GetFiles(_h.Destination).Length); // the part written again replaced the unrecorded one
        var finish = await Run(() => _h.Job.FinishSegmentsAsync(_h.PlanDirectory));

        Assert.Equal(100, finish.ItemsWritten);
        var items = await ExportHarness.ReadBackAsync(finish.ManifestUri!);
        Assert.Equal(100, items.Select(i => i["pk"].S).Distinct().Count());
        Assert.Equal(100, items.Count);
    }

    [Fact]
    public async Task PlanSegments_Again_KeepsThePlannedExport_AndItsFingerprint()
    {
        _h.Table(10);
        var first = await PlanAsync(2);
        var again = await PlanAsync(2);

        Assert.False(first.Resumed);
        Assert.True(again.Resumed);
        Assert.Equal(first.Segments[0].PlanFingerprint, again.Segments[0].PlanFingerprint);
    }

    [Fact]
    public async Task RunSegment_OfAnotherPlansCheckpoint_IsRefused()
    {
        _h.Table(10);
        var plan = await PlanAsync(2);
        var stranger = plan.Segments[0] with { PlanFingerprint = "0123456789abcdef0123456789abcdef" };

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => Run(() => _h.Job.RunSegmentAsync(stranger)));

        Assert.Contains("another export plan", refused.Message);
    }

    [Fact]
    public void SegmentDocument_RoundTrips_AndRefusesAPositionOfAnotherSegment()
    {
        var document = new ExportSegmentDocument("t", null, "s3://b/out/", ExportLayout.Emr, DynamoDb.Connector.Formats.Lines.ItemFileFormat.DataPipeline, DynamoDb.Connector.Formats.Compression.CompressionKind.None,
            null, "s3://b/out/_checkpoint/", "f", new ExportSplit(3, 3, 8, null), 8, DynamoDb.Connector.Reading.TableSplitPosition.Start(3).Next(new() { ["pk"] = new() { S = "k" } }, 5, 5));

        var back = ExportSegmentDocument.Parse(document.ToJson());
        Assert.Equal(document.Segment, back.Segment);
        Assert.Equal("k", back.From!.LastEvaluatedKey!["pk"].S);
        var wrong = document.ToJson().Replace("\"id\":3,\"pages\"", "\"id\":4,\"pages\"", StringComparison.Ordinal);
        Assert.Contains("segment 4", Assert.Throws<FormatException>(() => ExportSegmentDocument.Parse(wrong)).Message);
    }
}
