using DynamoDb.Connector.Cli.Report;
using DynamoDb.Connector.Telemetry;
using Microsoft.Extensions.Time.Testing;

namespace DynamoDb.Connector.IntegrationTests.Telemetry;

/// <summary>The report's recorder on a fake clock: the run's instruments summed per second, other tables left out.</summary>
public sealed class RunRecorderTests
{
    [Fact]
    public void Recorder_SumsTheTablesInstrumentsPerSecond_WithTheBudget_AndDeadLettersByReason_IgnoringOtherTables()
    {
        string table = $"recorded-{Guid.NewGuid():N}";
        var time = new FakeTimeProvider();
        using var metrics = new ConnectorMetrics();
        var tag = new KeyValuePair<string, object?>("table", table);
        var other = new KeyValuePair<string, object?>("table", "another-table");
        using var budget = metrics.WriteAllotted.Track(new object(), table, () => 50);
        using var recorder = new RunRecorder(table, time);

        metrics.WriteUnitsConsumed.Add(10, tag, new("resource", "table"));
        metrics.WriteUnitsConsumed.Add(7, tag, new("resource", "by-customer")); // an index's units: not the table's budget
        metrics.WriteUnitsConsumed.Add(100, other, new("resource", "table"));
        metrics.ThrottledRequests.Add(1, tag, new("reason", "capacity"));
        metrics.ItemsWritten.Add(25, tag, new("operation", "put"));
        time.Advance(TimeSpan.FromSeconds(2));
        metrics.WriteUnitsConsumed.Add(20, tag, new("resource", "table"));
        metrics.Retries.Add(2, tag);
        metrics.ItemsDeadLettered.Add(1, tag, new("cause", "rejected"));
        metrics.ItemsDeadLettered.Add(3, other, new("cause", "rejected"));
        metrics.ImportBadLines.Add(2, tag);
        time.Advance(TimeSpan.FromSeconds(0.5));

        var recording = recorder.Finish();

        Assert.Equal(3, recording.Seconds.Count); // seconds 0, 1 (nothing measured) and 2
        Assert.Equal([10.0, 0, 20], recording.Seconds.Select(s => s.Consumed));
        Assert.Equal([1L, 0, 0], recording.Seconds.Select(s => s.Throttled));
        Assert.Equal([0L, 0, 2], recording.Seconds.Select(s => s.Retries));
        Assert.Equal([25L, 0, 0], recording.Seconds.Select(s => s.Items));
        Assert.All(recording.Seconds, s => Assert.Equal(50, s.Allotted));
        Assert.Equal([new ReasonCount("unreadable line", 2), new ReasonCount("rejected by DynamoDB", 1)], recording.DeadLetters);
    }
}
