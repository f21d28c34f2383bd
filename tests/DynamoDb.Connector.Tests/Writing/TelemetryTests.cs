using System.Diagnostics.Metrics;
using DynamoDb.Connector.Telemetry;
using DynamoDb.Connector.Tests.Infrastructure;
using DynamoDb.Connector.Writing;
using Microsoft.Extensions.Logging;

namespace DynamoDb.Connector.Tests.Writing;

public sealed class TelemetryTests
{
    [Fact]
    public async Task Writer_ReportsItsWorkThroughTheConnectorMeter()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { MaxBatchesInFlight = 1 });
        var table = h.Table();
        table.WriteCapacityUnits = 100;
        h.Dynamo.Enqueue(Fault.Unprocessed(3), Fault.Server());
        var measurements = new List<(string Name, double Value, string? Table)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == h.Metrics.Meter) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Record(i, value, tags));
        listener.SetMeasurementEventCallback<double>((i, value, tags, _) => Record(i, value, tags));
        listener.Start();
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await h.WriteAllAsync(writer, [.. Enumerable.Range(0, 30).Select(i => Items.Sized($"k{i:D2}", 1500)), new() { ["nokey"] = new() { S = "x" } }]);

        double Sum(string name) => measurements.Where(m => m.Name == name).Sum(m => m.Value);
        Assert.Equal(ConnectorTelemetry.MeterName, h.Metrics.Meter.Name);
        Assert.All(measurements, m => Assert.Equal("items", m.Table));
        Assert.Equal(30, Sum("dynamodb.connector.items.written"));
        Assert.Equal(60, Sum("dynamodb.connector.write.capacity_units"));
        Assert.Equal(summary.ConsumedWriteUnits, Sum("dynamodb.connector.write.capacity_units"));
        Assert.Equal(1, Sum("dynamodb.connector.write.throttled_requests"));
        Assert.Equal(2, Sum("dynamodb.connector.write.retries"));
        Assert.Equal(1, Sum("dynamodb.connector.items.dead_lettered"));
        Assert.Contains(measurements, m => m.Name == "dynamodb.connector.write.permit_wait" && m.Value > 0);

        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? tableTag = null;
            foreach (var tag in tags) if (tag.Key == "table") tableTag = (string?)tag.Value;
            lock (measurements) measurements.Add((instrument.Name, value, tableTag));
        }
    }

    [Fact]
    public async Task Writer_LogsProgressOnTheClock_AndReportsItToTheHost_ButNothingPerItem()
    {
        var reports = new List<WriteProgress>();
        using var h = new WriterHarness(new DynamoDbWriterOptions { ProgressInterval = TimeSpan.FromSeconds(10), Progress = new SyncProgress(reports) });
        h.Table().WriteCapacityUnits = 200; // 100 WCU/s: 3,000 items take 30 s
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await h.WriteAllAsync(writer, Enumerable.Range(0, 3000).Select(i => Items.Of($"k{i:D4}")));

        var progress = h.Logs.Entries.Where(e => e.Id.Id == 101).ToList();
        Assert.InRange(progress.Count, 2, 3);
        Assert.Contains("writes/s", progress[0].Message, StringComparison.Ordinal);
        Assert.Contains("100 WCU/s", progress[0].Message, StringComparison.Ordinal);
        Assert.InRange(reports.Count, 3, 4); // every interval, and once at the end
        Assert.Equal(3000, reports[^1].ItemsWritten);
        Assert.InRange(reports[0].WriteUnitsPerSecond, 95, 100.5);
        Assert.Single(h.Logs.Entries, e => e.Id.Id == 102);
        Assert.True(h.Logs.Entries.Count(e => e.Level >= LogLevel.Information) < 10);
        Assert.Equal(3000, summary.ItemsWritten);
    }

    private sealed class SyncProgress(List<WriteProgress> reports) : IProgress<WriteProgress>
    {
        public void Report(WriteProgress value)
        {
            lock (reports) reports.Add(value);
        }
    }
}
