using System.Diagnostics;
using System.Diagnostics.Metrics;
using DynamoDb.Connector.Telemetry;

namespace DynamoDb.Connector.Cli.Report;

/// <summary>
/// Records one run's own telemetry for its report: listens to the connector's instruments and split spans (those of
/// the run's table only: tests run several jobs in one process) and sums them per second of the run.
/// </summary>
internal sealed class RunRecorder : IDisposable
{
    // The instruments the report shows; the per-item ones (items read) are left alone, so the listener costs a call per batch.
    private static readonly HashSet<string> Instruments =
    [
        InstrumentNames.WriteUnitsConsumed, InstrumentNames.ReadUnitsConsumed, InstrumentNames.WriteAllotted, InstrumentNames.ReadAllotted, InstrumentNames.ThrottledRequests, InstrumentNames.ReadThrottledRequests,
        InstrumentNames.Retries, InstrumentNames.ItemsWritten, InstrumentNames.ItemsExported, InstrumentNames.ItemsDeadLettered, InstrumentNames.ImportBadLines,
    ];

    private readonly string _table;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly MeterListener _meters = new();
    private readonly ActivityListener _spans;
    private readonly ITimer _sampler;
    private readonly object _lock = new();
    private readonly List<SecondSample> _seconds = [];
    private readonly Dictionary<int, SplitSample> _splits = [];
    private readonly Dictionary<string, long> _deadLetters = new(StringComparer.Ordinal);

    public RunRecorder(string table, TimeProvider? time = null)
    {
        _table = table;
        _time = time ?? TimeProvider.System;
        _started = _time.GetTimestamp();
        StartedAt = _time.GetUtcNow();
        _meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == ConnectorTelemetry.MeterName && Instruments.Contains(instrument.Name)) listener.EnableMeasurementEvents(instrument);
        };
        _meters.SetMeasurementEventCallback<long>((i, value, tags, _) => OnMeasurement(i.Name, value, tags));
        _meters.SetMeasurementEventCallback<double>((i, value, tags, _) => OnMeasurement(i.Name, value, tags));
        _meters.Start();
        _spans = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ConnectorTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> o) =>
                o.Name is SpanNames.ImportSplit or SpanNames.ExportSplit ? ActivitySamplingResult.AllData : ActivitySamplingResult.None,
            ActivityStopped = OnSplitStopped,
        };
        ActivitySource.AddActivityListener(_spans);
        // The budget is a gauge: read it every second (and at each new second that brings a measurement).
        _sampler = _time.CreateTimer(_ => _meters.RecordObservableInstruments(), null, TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }

    /// <summary>When the recording began (the report's time axis starts here).</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>Stops listening and returns what was recorded, a bucket for every second of the run.</summary>
    public RunRecording Finish()
    {
        _meters.RecordObservableInstruments();
        Dispose();
        lock (_lock)
        {
            int last = Math.Max(_seconds.Count, (int)Math.Ceiling(_time.GetElapsedTime(_started).TotalSeconds));
            while (_seconds.Count < last) _seconds.Add(new SecondSample(_seconds.Count));
            // Seconds without a reading of the budget (none was in use) carry the one before.
            for (int s = 1; s < _seconds.Count; s++) _seconds[s].Allotted ??= _seconds[s - 1].Allotted;
            return new RunRecording(
                [.. _seconds],
                [.. _splits.Values.OrderBy(s => s.Split)],
                [.. _deadLetters.OrderByDescending(d => d.Value).Select(d => new ReasonCount(d.Key, d.Value))]);
        }
    }

    public void Dispose()
    {
        _sampler.Dispose();
        _meters.Dispose();
        _spans.Dispose();
    }

    private void OnMeasurement(string instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? table = null, resource = null, cause = null;
        foreach (var (key, tag) in tags)
        {
            if (key == "table") table = tag as string;
            else if (key == "resource") resource = tag as string;
            else if (key == "cause") cause = tag as string;
        }
        if (table != _table) return;
        bool newSecond;
        lock (_lock)
        {
            int before = _seconds.Count;
            var second = Current();
            newSecond = _seconds.Count > before;
            switch (instrument)
            {
                case InstrumentNames.WriteUnitsConsumed when resource is null or "table":
                case InstrumentNames.ReadUnitsConsumed:
                    second.Consumed += value;
                    break;
                case InstrumentNames.WriteAllotted:
                case InstrumentNames.ReadAllotted:
                    second.Allotted = Math.Max(second.Allotted ?? 0, value);
                    break;
                case InstrumentNames.ThrottledRequests:
                case InstrumentNames.ReadThrottledRequests:
                    second.Throttled += (long)value;
                    break;
                case InstrumentNames.Retries:
                    second.Retries += (long)value;
                    break;
                case InstrumentNames.ItemsWritten:
                case InstrumentNames.ItemsExported:
                    second.Items += (long)value;
                    break;
                case InstrumentNames.ItemsDeadLettered:
                    Count(cause == "rejected" ? "rejected by DynamoDB" : "invalid item", (long)value);
                    break;
                case InstrumentNames.ImportBadLines:
                    Count("unreadable line", (long)value);
                    break;
            }
        }
        if (newSecond && instrument is not (InstrumentNames.WriteAllotted or InstrumentNames.ReadAllotted)) _meters.RecordObservableInstruments();
    }

    private void Count(string reason, long value) => _deadLetters[reason] = _deadLetters.GetValueOrDefault(reason) + value;

    // The bucket of this second of the run, with the seconds before it (none may have had a measurement).
    private SecondSample Current()
    {
        int index = (int)_time.GetElapsedTime(_started).TotalSeconds;
        while (_seconds.Count <= index) _seconds.Add(new SecondSample(_seconds.Count));
        return _seconds[index];
    }

    private void OnSplitStopped(Activity span)
    {
        if (span.GetTagItem("table") as string != _table || span.GetTagItem(SpanNames.SplitTag) is not int split) return;
        long items = span.GetTagItem(SpanNames.ItemsReadTag) as long? ?? span.GetTagItem(SpanNames.ItemsExportedTag) as long? ?? 0;
        bool finished = span.GetTagItem(SpanNames.ItemsReadTag) is not null || span.GetTagItem(SpanNames.ItemsExportedTag) is not null;
        lock (_lock)
        {
            _splits[split] = new SplitSample(split, items, Math.Round(span.Duration.TotalSeconds, 3), finished);
        }
    }
}

/// <summary>What a <see cref="RunRecorder"/> saw: per second, per split, and the dead letters by reason.</summary>
internal sealed record RunRecording(IReadOnlyList<SecondSample> Seconds, IReadOnlyList<SplitSample> Splits, IReadOnlyList<ReasonCount> DeadLetters);

/// <summary>One second of the run: units consumed and allotted, requests throttled and retried, items moved.</summary>
internal sealed class SecondSample(int second)
{
    public int Second { get; } = second;

    public double Consumed { get; set; }

    public double? Allotted { get; set; }

    public long Throttled { get; set; }

    public long Retries { get; set; }

    public long Items { get; set; }
}

/// <summary>One split: the items it read (import) or exported (export), how long it took, and whether it ran to its end.</summary>
internal sealed record SplitSample(int Split, long Items, double Seconds, bool Finished);

/// <summary>Dead letters of one reason.</summary>
internal sealed record ReasonCount(string Reason, long Count);
