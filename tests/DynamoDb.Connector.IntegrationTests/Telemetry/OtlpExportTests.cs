using System.Text.Json;
using DynamoDb.Connector.IntegrationTests.Cli;
using DynamoDb.Connector.IntegrationTests.Infrastructure;

namespace DynamoDb.Connector.IntegrationTests.Telemetry;

/// <summary>
/// The real tool sends its metrics and spans over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set, flushed before it
/// exits, and sends nothing when it is not: checked with a local receiver, on an import into dynalite.
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed class OtlpExportTests(LocalServers servers) : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Import_WithTheOtlpEndpointSet_SendsItsSpansAndMetrics_BeforeItExits()
    {
        await using var receiver = new OtlpReceiver();
        string table = LocalServers.UniqueName("otlp");
        string service = LocalServers.UniqueName("otlp-service");

        var run = await ImportAsync(table, new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint,
            ["OTEL_SERVICE_NAME"] = service,
        });

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(40, JsonDocument.Parse(run.Stdout).RootElement.GetProperty("itemsWritten").GetInt64());
        string traces = receiver.BodiesOf("/v1/traces");
        string metrics = receiver.BodiesOf("/v1/metrics");
        Assert.True(traces.Length > 0, $"no POST to /v1/traces; paths: {string.Join(", ", receiver.Posts.Select(p => p.Path))}\n{run}");
        Assert.True(metrics.Length > 0, $"no POST to /v1/metrics; paths: {string.Join(", ", receiver.Posts.Select(p => p.Path))}\n{run}");
        foreach (string span in new[] { "dynamodb.connector.import", "dynamodb.connector.import.split", "dynamodb.connector.batch_write" })
        {
            Assert.Contains(span, traces, StringComparison.Ordinal);
        }
        foreach (string instrument in new[] { "dynamodb.connector.items.written", "dynamodb.connector.write.capacity_units", "dynamodb.connector.import.items_read" })
        {
            Assert.Contains(instrument, metrics, StringComparison.Ordinal);
        }
        Assert.Contains(table, traces, StringComparison.Ordinal); // the table tag
        Assert.Contains(service, traces, StringComparison.Ordinal); // OTEL_SERVICE_NAME
        Assert.Contains(service, metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("item-value-", traces, StringComparison.Ordinal); // no item data in spans
        Assert.DoesNotContain("S3RVER", traces + metrics, StringComparison.Ordinal); // no credentials
    }

    [Fact]
    public async Task Import_WithoutTheOtlpEndpoint_SendsNothing()
    {
        await using var receiver = new OtlpReceiver();
        string table = LocalServers.UniqueName("otlp-off");

        // Everything but the endpoint: the other variables alone turn nothing on.
        var run = await ImportAsync(table, new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "",
            ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = "",
            ["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"] = "",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = "nothing-to-send",
        });

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(receiver.Posts);
    }

    [Fact]
    public async Task Import_WithAnOtlpEndpointThatIsNotAUrl_IsAUsageError_BeforeAnythingRuns()
    {
        string table = LocalServers.UniqueName("otlp-bad");

        var run = await ImportAsync(table, new Dictionary<string, string> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "localhost:4318" });

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("OTEL_EXPORTER_OTLP_ENDPOINT is 'localhost:4318'", run.Stderr, StringComparison.Ordinal);
    }

    private async Task<CliRunner.Run> ImportAsync(string table, IReadOnlyDictionary<string, string> environment)
    {
        string file = _temp.Combine($"{table}.json");
        await File.WriteAllLinesAsync(file, Enumerable.Range(0, 40).Select(i => "{\"Item\":{\"pk\":{\"S\":\"k" + i + "\"},\"v\":{\"S\":\"item-value-" + i + "\"}}}"));
        return await CliProcess.RunAsync(servers,
            ["import", "--source", file, "--table", table, "--create-table", "--key", "pk:S", "--write-capacity", "1000", "--json"],
            environment: environment);
    }
}
