using System.Reflection;
using DynamoDb.Connector.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace DynamoDb.Connector.Cli.Telemetry;

/// <summary>
/// Sends the connector's metrics and spans over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, and does nothing
/// otherwise (no exporter, no listener, so no span is even created). The exporter reads the standard variables itself
/// (<c>OTEL_EXPORTER_OTLP_HEADERS</c>, <c>_TIMEOUT</c>, <c>_PROTOCOL</c>; <c>OTEL_SERVICE_NAME</c>,
/// <c>OTEL_RESOURCE_ATTRIBUTES</c>); only the protocol's default differs: http/protobuf, which every collector takes.
/// Disposing flushes both signals, so a run of a second still sends what it recorded.
/// </summary>
internal sealed class OtlpExport : IDisposable
{
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ProtocolVariable = "OTEL_EXPORTER_OTLP_PROTOCOL";
    public const string ServiceNameVariable = "OTEL_SERVICE_NAME";

    /// <summary>The service name when <c>OTEL_SERVICE_NAME</c> gives none.</summary>
    public const string DefaultServiceName = "dynamodb-connector";

    private const int FlushMilliseconds = 10_000;

    private readonly TracerProvider _tracer;
    private readonly MeterProvider _meter;

    private OtlpExport(TracerProvider tracer, MeterProvider meter)
    {
        _tracer = tracer;
        _meter = meter;
    }

    /// <summary>
    /// Starts the export when the endpoint variable is set (<paramref name="export"/> null when not); false with the
    /// reason when the variables are wrong (the run does not start: telemetry asked for and silently lost helps no one).
    /// </summary>
    public static bool TryStart(out OtlpExport? export, out string? problem)
    {
        export = null;
        problem = null;
        string? endpoint = Environment.GetEnvironmentVariable(EndpointVariable);
        if (string.IsNullOrWhiteSpace(endpoint)) return true;
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            problem = $"{EndpointVariable} is '{endpoint}', not an http:// or https:// URL (e.g. http://localhost:4318).";
            return false;
        }
        string? protocol = Environment.GetEnvironmentVariable(ProtocolVariable);
        if (!string.IsNullOrWhiteSpace(protocol) && protocol is not ("grpc" or "http/protobuf"))
        {
            problem = $"{ProtocolVariable} is '{protocol}'; give http/protobuf (the default) or grpc.";
            return false;
        }
        void Configure(OtlpExporterOptions options)
        {
            if (string.IsNullOrWhiteSpace(protocol)) options.Protocol = OtlpExportProtocol.HttpProtobuf;
        }
        string version = typeof(OtlpExport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "";
        void Resource(ResourceBuilder resource)
        {
            // The default resource already reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES; name the tool only when they do not.
            if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(ServiceNameVariable))) resource.AddService(DefaultServiceName, serviceVersion: version);
        }
        var tracer = Sdk.CreateTracerProviderBuilder().ConfigureResource(Resource)
            .AddSource(ConnectorTelemetry.ActivitySourceName).AddOtlpExporter(Configure).Build();
        var meter = Sdk.CreateMeterProviderBuilder().ConfigureResource(Resource)
            .AddMeter(ConnectorTelemetry.MeterName).AddOtlpExporter(Configure).Build();
        export = new OtlpExport(tracer, meter);
        return true;
    }

    public void Dispose()
    {
        _tracer.ForceFlush(FlushMilliseconds);
        _meter.ForceFlush(FlushMilliseconds);
        _tracer.Dispose();
        _meter.Dispose();
    }
}
