using DynamoDb.Connector.Cli;
using Microsoft.Extensions.Time.Testing;

namespace DynamoDb.Connector.IntegrationTests.Cli;

/// <summary>The non-terminal progress display: what CI logs and redirected stderr see. No servers needed.</summary>
public sealed class ProgressDisplayTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly StringWriter _stderr = new();
    private readonly TaskCompletionSource<int> _job = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IProgress<ProgressLine>? _progress;

    private Task<int> Start(string title = "export t") =>
        ProgressDisplay.RunPlainAsync(_stderr, title, progress => { _progress = progress; return _job.Task; }, _time, CancellationToken.None);

    private string[] Lines => _stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [Fact]
    public async Task RunPlainAsync_JobEndingBeforeTenSeconds_WritesNothing()
    {
        var run = Start();
        _progress!.Report(new ProgressLine(5, 10, "5 items"));
        _time.Advance(TimeSpan.FromSeconds(9.9));
        _job.SetResult(42);

        Assert.Equal(42, await run);
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("", _stderr.ToString());
    }

    [Fact]
    public async Task RunPlainAsync_EveryTenSeconds_WritesTheLatestReportWithPercentAndElapsed()
    {
        var run = Start();
        _progress!.Report(new ProgressLine(10, 1000, "first"));
        _progress.Report(new ProgressLine(250, 1000, "12,345 items · 812 RCU/s"));
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(["export t: 25.0% · 12,345 items · 812 RCU/s (elapsed 00:00:10)"], Lines);

        _progress.Report(new ProgressLine(500, 1000, "later"));
        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.Single(Lines);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("export t: 50.0% · later (elapsed 00:00:20)", Lines[^1]);

        _job.SetResult(1);
        await run;
    }

    [Fact]
    public async Task RunPlainAsync_AfterTheJobEnds_WritesNoMoreLines()
    {
        var run = Start();
        _progress!.Report(new ProgressLine(1, 2, "half"));
        _time.Advance(TimeSpan.FromSeconds(10));
        _job.SetResult(1);
        await run;

        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Single(Lines);
    }

    [Fact]
    public async Task RunPlainAsync_WhenTheJobFails_RethrowsAndStopsWriting()
    {
        var run = Start();
        _job.SetException(new InvalidOperationException("boom"));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => run);
        Assert.Equal("boom", error.Message);
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("", _stderr.ToString());
    }

    [Fact]
    public async Task RunPlainAsync_BeforeAnyReport_SaysItIsStarting()
    {
        var run = Start("import s3://b/p");
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(["import s3://b/p: starting (elapsed 00:00:10)"], Lines);
        _job.SetResult(0);
        await run;
    }

    [Fact]
    public void FormatPlain_WithoutTotal_ShowsTheStatusOnly()
    {
        Assert.Equal("export t: 7 queries (elapsed 01:02:03)", ProgressDisplay.FormatPlain("export t", new ProgressLine(7, null, "7 queries"), new TimeSpan(1, 2, 3)));
    }

    [Fact]
    public void FormatPlain_ValuePastAnApproximateTotal_ShowsAtMostOneHundredPercent()
    {
        Assert.Equal("export t: 100.0% · more than counted (elapsed 00:00:10)", ProgressDisplay.FormatPlain("export t", new ProgressLine(1200, 1000, "more than counted"), TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task RunAsync_OnAWriterThatIsNotTheTerminal_UsesThePlainDisplay()
    {
        // A StringWriter is never the terminal: no escape codes, and nothing for a job this short.
        int result = await ProgressDisplay.RunAsync(_stderr, "export t", progress => { progress.Report(new ProgressLine(1, 1, "done")); return Task.FromResult(7); }, CancellationToken.None);

        Assert.Equal(7, result);
        Assert.Equal("", _stderr.ToString());
        Assert.False(ProgressDisplay.IsTerminal(_stderr));
    }
}
