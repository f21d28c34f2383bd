using System.Diagnostics;
using DynamoDb.Connector.Telemetry;

namespace DynamoDb.Connector.Tests.Telemetry;

/// <summary>
/// Collects the connector's spans as they end. The source is static and tests run in parallel, so others' spans arrive
/// too (and go on arriving): a test picks its own by their tags, from a snapshot.
/// </summary>
internal sealed class SpanCollector : IDisposable
{
    private readonly List<Activity> _spans = [];
    private readonly ActivityListener _listener;

    public SpanCollector(Func<Activity, bool>? keep = null)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == ConnectorTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = a =>
            {
                if (keep?.Invoke(a) != false) lock (_spans) _spans.Add(a);
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The spans ended so far.</summary>
    public List<Activity> Spans
    {
        get { lock (_spans) return [.. _spans]; }
    }

    public void Dispose() => _listener.Dispose();
}
