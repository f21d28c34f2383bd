using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Json;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.IntegrationTests.Infrastructure;
using DynamoDb.Connector.Reading;
using DynamoDb.Connector.Storage;

namespace DynamoDb.Connector.IntegrationTests.Export;

/// <summary>
/// Passes requests to dynalite and keeps the raw body of each Scan and Query response as it came over the wire; can
/// damage chosen responses' bodies (one letter changed, the JSON still valid, the x-amz-crc32 header kept).
/// </summary>
internal sealed class WireHandler() : DelegatingHandler(new HttpClientHandler())
{
    private readonly List<byte[]> _bodies = [];
    private int _reads;

    /// <summary>Called with the number of each Scan or Query response (0, 1, ...): true damages its body.</summary>
    public Func<int, bool>? Damage { get; set; }

    /// <summary>Responses damaged so far.</summary>
    public int Damaged { get; private set; }

    /// <summary>The bodies of the Scan and Query responses, as received (before any damage).</summary>
    public IReadOnlyList<byte[]> Bodies
    {
        get { lock (_bodies) return [.. _bodies]; }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string target = request.Headers.TryGetValues("X-Amz-Target", out var values) ? values.First() : "";
        var response = await base.SendAsync(request, cancellationToken);
        if (!target.EndsWith(".Scan", StringComparison.Ordinal) && !target.EndsWith(".Query", StringComparison.Ordinal) || !response.IsSuccessStatusCode) return response;
        byte[] body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        int number;
        lock (_bodies)
        {
            _bodies.Add(body);
            number = _reads++;
        }
        byte[] sent = body;
        if (Damage?.Invoke(number) == true)
        {
            // "ünïcødé" becomes "Xnïcødé": still JSON, still an item, only the checksum can tell.
            sent = [.. body];
            int at = sent.AsSpan().IndexOf("\"\u00fcn"u8.ToArray());
            if (at < 0) throw new InvalidOperationException("The response has no value to damage.");
            sent[at + 1] = (byte)'X';
            sent[at + 2] = (byte)'X';
            Damaged++;
        }
        var content = new ByteArrayContent(sent);
        foreach (var header in response.Content.Headers) content.Headers.TryAddWithoutValidation(header.Key, header.Value);
        content.Headers.ContentLength = sent.Length;
        response.Content = content;
        return response;
    }

    /// <summary>Each item's JSON in the responses received, as bytes.</summary>
    public List<string> WireItems() =>
        [.. Bodies.SelectMany(body => JsonDocument.Parse(body).RootElement.GetProperty("Items").EnumerateArray().Select(item => item.GetRawText()))];
}

/// <summary>
/// The export's DynamoDB-JSON path against dynalite: each item goes from the Scan response's bytes into its line
/// without becoming objects, checked against the response's CRC-32; pages and positions work as on the typed path.
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed class ExportWireTests : IAsyncLifetime
{
    private readonly WireHandler _wire = new();
    private readonly AmazonDynamoDBClient _client;
    private readonly AmazonDynamoDBClient _plain;
    private readonly ExportJob _job;
    private readonly string _table = LocalServers.UniqueName("wire");
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("export-wire-");
    private readonly LocalFileObjectStore _local = new();

    public ExportWireTests(LocalServers servers)
    {
        _client = new AmazonDynamoDBClient(LocalServers.Credentials, new AmazonDynamoDBConfig
        {
            ServiceURL = servers.DynamoDbEndpoint.ToString(),
            AuthenticationRegion = LocalServers.Region,
            MaxErrorRetry = 2,
            HttpClientFactory = new RecordingHandler.Factory(_wire),
        });
        _plain = servers.CreateDynamoDbClient();
        _job = ExportFixture.CreateJob(_client, servers.CreateS3Client());
    }

    public async Task InitializeAsync()
    {
        await TestTables.CreateTableAsync(_plain, _table, indexes: false);
        await TestTables.PutAllAsync(_plain, _table, TestTables.EveryType());
    }

    public async Task DisposeAsync()
    {
        _job.Dispose();
        await _plain.DeleteTableAsync(_table);
        _client.Dispose();
        _plain.Dispose();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task Export_DdbJson_WritesEachItemAsDynamoDbSentIt_EqualToTheTable_EveryAttributeType()
    {
        // DynamoDB (and dynalite) send U+2028 as it is; a formatter of objects escapes it: the lines show which path wrote them.
        await TestTables.PutAllAsync(_plain, _table, [new() { ["pk"] = new AttributeValue { S = "separators" }, ["sk"] = new AttributeValue { N = "1" }, ["s"] = new AttributeValue { S = "line\u2028paragraph\u2029end" } }]);
        var options = ExportFixture.OptionsFor(_table, _directory.FullName + "/out/");
        options.Format = ItemFileFormat.DynamoDbJson;

        var result = await _job.RunAsync(options);

        var lines = await LinesAsync(result.ManifestUri);
        Assert.Contains(lines, line => line.Contains("line\u2028paragraph", StringComparison.Ordinal));
        // The bytes DynamoDB sent, each in its line: no object graph in between (the typed path escapes and spells differently).
        Assert.Equal(_wire.WireItems().Select(item => $"{{\"Item\":{item}}}").Order(StringComparer.Ordinal), lines.Order(StringComparer.Ordinal));
        var parser = new JsonItemParser(ItemFileFormat.DynamoDbJson);
        var exported = lines.Select((line, i) => parser.Parse(Encoding.UTF8.GetBytes(line), i + 1).Item).OrderBy(TestTables.KeyOf, StringComparer.Ordinal).ToList();
        var table = (await TestTables.ScanAsync(_plain, _table)).OrderBy(TestTables.KeyOf, StringComparer.Ordinal).ToList();
        Assert.Equal(41, exported.Count);
        Assert.Equal(table, exported, ItemComparer.Instance);
        Assert.Contains(exported, item => item.TryGetValue("n38", out var n) && n.N == "-0.00000000000000000000000000000000000012345678901234567890123456789012345678");
    }

    [Fact]
    public async Task Export_DataPipeline_WritesEachItemAsDynamoDbSentIt_WithEmrTypeKeys_EqualToTheTable()
    {
        await TestTables.PutAllAsync(_plain, _table, [new() { ["pk"] = new AttributeValue { S = "separators" }, ["sk"] = new AttributeValue { N = "1" }, ["s"] = new AttributeValue { S = "line\u2028paragraph\u2029end" } }]);
        var options = ExportFixture.OptionsFor(_table, _directory.FullName + "/emr/"); // the EMR layout's default: data-pipeline

        var result = await _job.RunAsync(options);

        var lines = await LinesAsync(result.ManifestUri, ItemFileFormat.DataPipeline);
        Assert.Contains(lines, line => line.Contains("{\"s\":\"line\u2028paragraph", StringComparison.Ordinal)); // as sent, not escaped
        Assert.All(lines, line => Assert.DoesNotContain("\"BOOL\":", line, StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("\"bOOL\":", StringComparison.Ordinal) && line.Contains("\"nULL\":true", StringComparison.Ordinal) && line.Contains("\"sS\":[", StringComparison.Ordinal));
        var (exported, _) = await ExportFixture.ReadEmrExportAsync(_local, result.ManifestUri, ItemFileFormat.DataPipeline);
        var table = (await TestTables.ScanAsync(_plain, _table)).OrderBy(TestTables.KeyOf, StringComparer.Ordinal).ToList();
        Assert.Equal(41, exported.Count);
        Assert.Equal(table, exported.OrderBy(TestTables.KeyOf, StringComparer.Ordinal), ItemComparer.Instance);
    }

    [Fact]
    public async Task ReadJsonPage_PagesByLimit_ResumesAtLastEvaluatedKey_AndItsJsonIsItsItems()
    {
        using var format = new TableInputFormat(_client, TimeProvider.System);
        using var input = await format.OpenAsync(new TableInputOptions { TableName = _table, TotalSegments = 1, Throughput = { ReadUnitsPerSecond = 2_000 } });
        var plan = input.Plan();
        var reader = input.OpenReader(plan, 0);
        var first = await reader.ReadJsonPageAsync(maxItems: 7);
        var second = await reader.ReadJsonPageAsync(maxItems: 7);
        Assert.NotNull(first?.ItemsJson);
        Assert.Equal(7, first.ItemsJson.Count);
        Assert.Equal(7, second!.ItemsJson!.Count);
        Assert.NotNull(second.Position.LastEvaluatedKey);
        Assert.Equal(TestTables.KeyOf(second.Items[^1]), TestTables.KeyOf(second.Position.LastEvaluatedKey));

        // A position stored as JSON (as a host's checkpoint would) resumes the split after its page.
        var stored = JsonSerializer.Deserialize<TableSplitPosition>(JsonSerializer.Serialize(second.Position))!;
        var resumed = input.OpenReader(plan, 0, stored);
        var rest = new List<TablePage>();
        while (await resumed.ReadJsonPageAsync(maxItems: 10) is { } page) rest.Add(page);

        var pages = new[] { first, second }.Concat(rest).ToList();
        var keys = pages.SelectMany(p => p.Items).Select(TestTables.KeyOf).ToList();
        Assert.Equal(40, keys.Count);
        Assert.Equal(40, keys.Distinct().Count());
        Assert.True(resumed.Done);
        Assert.Equal(40, resumed.Position.ItemsReturned);
        var parser = new JsonItemParser(ItemFileFormat.DynamoDbJson);
        foreach (var page in pages)
        {
            Assert.Equal(page.Items.Count, page.ItemsJson!.Count);
            for (int i = 0; i < page.Items.Count; i++)
            {
                var fromJson = parser.Parse(Encoding.UTF8.GetBytes($"{{\"Item\":{Encoding.UTF8.GetString(page.ItemsJson[i].Span)}}}"), 1).Item;
                Assert.Equal(page.Items[i], fromJson, ItemComparer.Instance);
            }
        }
        Assert.Equal(_wire.WireItems().Order(StringComparer.Ordinal), pages.SelectMany(p => p.ItemsJson!).Select(j => Encoding.UTF8.GetString(j.Span)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Export_ResponseDamagedOnTheWay_IsReadAgain_NeverWritten()
    {
        _wire.Damage = number => number < 2; // the first response, and its first retry
        var options = ExportFixture.OptionsFor(_table, _directory.FullName + "/damaged/");
        options.Format = ItemFileFormat.DynamoDbJson;
        options.TotalSegments = 1;

        var result = await _job.RunAsync(options);

        Assert.Equal(2, _wire.Damaged);
        var lines = await LinesAsync(result.ManifestUri);
        Assert.DoesNotContain(lines, line => line.Contains("XXn", StringComparison.Ordinal));
        var parser = new JsonItemParser(ItemFileFormat.DynamoDbJson);
        var exported = lines.Select((line, i) => parser.Parse(Encoding.UTF8.GetBytes(line), i + 1).Item).OrderBy(TestTables.KeyOf, StringComparer.Ordinal).ToList();
        Assert.Equal((await TestTables.ScanAsync(_plain, _table)).OrderBy(TestTables.KeyOf, StringComparer.Ordinal), exported, ItemComparer.Instance);
    }

    [Fact]
    public async Task ReadJsonPage_EveryResponseDamaged_FailsAfterRetries_WithNothingRead()
    {
        _wire.Damage = _ => true;
        using var format = new TableInputFormat(_client, TimeProvider.System);
        using var input = await format.OpenAsync(new TableInputOptions
        {
            TableName = _table,
            TotalSegments = 1,
            Throughput = { ReadUnitsPerSecond = 2_000 },
            Retry = { MaxAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) },
        });
        var reader = input.OpenReader(input.Plan(), 0);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => reader.ReadJsonPageAsync());

        Assert.Contains("CRC-32", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, reader.Position.Pages);
        Assert.Equal(0, input.Counters.ItemsReturned);
    }

    private async Task<List<string>> LinesAsync(string manifestUri, ItemFileFormat format = ItemFileFormat.DynamoDbJson)
    {
        var (_, manifest) = await ExportFixture.ReadEmrExportAsync(_local, manifestUri, format);
        var lines = new List<string>();
        foreach (var entry in manifest.Entries)
        {
            lines.AddRange(File.ReadAllLines(new Uri(entry.Url).LocalPath).Where(l => l.Length > 0));
        }
        return lines;
    }
}
