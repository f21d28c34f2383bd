using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using DynamoDb.Connector.Benchmarks.Formats;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Storage;

namespace DynamoDb.Connector.Benchmarks.Export;

/// <summary>
/// Export throughput against an in-process DynamoDB double that serves 1 MB Scan pages (1,000 items of about 1 KB,
/// the Formats benchmark items) through the real SDK client, writing data-pipeline lines to a sink that counts and
/// discards the bytes (so the disk is not measured). The baseline is the obvious code: a sequential Scan loop and
/// JsonSerializer per item. One operation is one item; the export runs unpaced (a budget far above what the double
/// serves), with one segment (the same sequential reading as the baseline) and with four segments on four workers.
/// </summary>
[Config(typeof(ExportBenchmarkConfig))]
public class ExportBenchmarks
{
    public const int Pages = 16;
    public const int Items = Pages * LineBenchmarkData.Lines;

    private ScanDouble _double = null!;
    private AmazonDynamoDBClient _client = null!;
    private ExportJob _job = null!;

    [GlobalSetup]
    public void Setup()
    {
        _double = new ScanDouble(Pages);
        _client = new AmazonDynamoDBClient(new BasicAWSCredentials("bench", "bench"), new AmazonDynamoDBConfig
        {
            ServiceURL = "http://dynamodb.bench.local",
            AuthenticationRegion = "us-east-1",
            MaxErrorRetry = 0,
            HttpClientFactory = new HandlerFactory(_double),
        });
        _job = new ExportJob(_client, TimeProvider.System, [new DiscardingStore()]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _job.Dispose();
        _client.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Items)]
    public async Task<long> SequentialScanAndJsonSerializer()
    {
        var sink = new CountingStream();
        await using var writer = new StreamWriter(sink, new UTF8Encoding(false), 64 * 1024);
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await _client.ScanAsync(new ScanRequest { TableName = "bench", ExclusiveStartKey = start });
            foreach (var item in page.Items)
            {
                await writer.WriteAsync(JsonSerializer.Serialize(Plain(item)));
                await writer.WriteAsync('\n');
            }
            start = page.LastEvaluatedKey is { Count: > 0 } key ? key : null;
        }
        while (start is not null);
        await writer.FlushAsync();
        return sink.Length;
    }

    [Benchmark(OperationsPerInvoke = Items)]
    public async Task<long> ExportJobOneSegment() => (await _job.RunAsync(Options(1))).Bytes;

    [Benchmark(OperationsPerInvoke = Items)]
    public async Task<long> ExportJobFourSegments() => (await _job.RunAsync(Options(4))).Bytes;

    private static ExportOptions Options(int segments) => new()
    {
        TableName = "bench",
        Destination = "/bench/out/",
        TotalSegments = segments,
        MaxWorkers = segments,
        Throughput = { ReadUnitsPerSecond = 1_000_000_000 },
        ProgressInterval = TimeSpan.FromHours(1),
    };

    // The naive mapping: a dictionary per value, shaped as the data-pipeline format.
    private static Dictionary<string, object?> Plain(Dictionary<string, AttributeValue> map)
    {
        var plain = new Dictionary<string, object?>(map.Count);
        foreach (var (name, value) in map) plain[name] = Plain(value);
        return plain;
    }

    private static Dictionary<string, object?> Plain(AttributeValue value) => AttributeValues.KindOf(value) switch
    {
        AttributeKind.S => new() { ["s"] = value.S },
        AttributeKind.N => new() { ["n"] = value.N },
        AttributeKind.B => new() { ["b"] = Convert.ToBase64String(value.B.ToArray()) },
        AttributeKind.Bool => new() { ["bOOL"] = value.BOOL },
        AttributeKind.Null => new() { ["nULL"] = true },
        AttributeKind.SS => new() { ["sS"] = value.SS },
        AttributeKind.NS => new() { ["nS"] = value.NS },
        AttributeKind.BS => new() { ["bS"] = value.BS.Select(b => Convert.ToBase64String(b.ToArray())).ToList() },
        AttributeKind.L => new() { ["l"] = value.L.Select(Plain).ToList() },
        AttributeKind.M => new() { ["m"] = Plain(value.M) },
        _ => throw new InvalidOperationException("empty value"),
    };

    /// <summary>Answers DescribeTable and Scan: every segment serves its share of the pages, each the same 1,000 items (about 1 MB).</summary>
    private sealed class ScanDouble : HttpMessageHandler
    {
        private readonly int _pages;
        private readonly byte[] _items;
        private readonly byte[] _describe;

        public ScanDouble(int pages)
        {
            _pages = pages;
            var items = new StringBuilder("[");
            foreach (var item in LineBenchmarkData.Items)
            {
                if (items.Length > 1) items.Append(',');
                items.Append(Encoding.UTF8.GetString(ExportJson.FormatMap(item)));
            }
            _items = Encoding.UTF8.GetBytes(items.Append(']').ToString());
            long tableBytes = (long)pages * LineBenchmarkData.Items.Sum(ItemSize.Of);
            _describe = Encoding.UTF8.GetBytes(
                "{\"Table\":{\"TableName\":\"bench\",\"TableStatus\":\"ACTIVE\",\"TableArn\":\"arn:aws:dynamodb:us-east-1:123456789012:table/bench\"," +
                "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}]," +
                "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},{\"AttributeName\":\"sk\",\"AttributeType\":\"S\"}]," +
                $"\"ItemCount\":{(long)pages * LineBenchmarkData.Lines},\"TableSizeBytes\":{tableBytes}," +
                "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":40000,\"WriteCapacityUnits\":40000}}}");
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            string target = request.Headers.GetValues("X-Amz-Target").First();
            if (target.EndsWith("DescribeTable", StringComparison.Ordinal)) return Task.FromResult(Respond(_describe));
            using var body = JsonDocument.Parse(request.Content!.ReadAsStream(cancellationToken));
            var root = body.RootElement;
            int segment = root.TryGetProperty("Segment", out var s) ? s.GetInt32() : 0;
            int segments = root.TryGetProperty("TotalSegments", out var t) ? t.GetInt32() : 1;
            int page = root.TryGetProperty("ExclusiveStartKey", out var start) ? int.Parse(start.GetProperty("sk").GetProperty("S").GetString()!) + 1 : 0;
            int pagesOfSegment = _pages / segments + (segment < _pages % segments ? 1 : 0);
            var response = new MemoryStream(_items.Length + 200);
            response.Write("{\"Count\":1000,\"ScannedCount\":1000,\"Items\":"u8);
            response.Write(_items);
            if (page + 1 < pagesOfSegment)
            {
                response.Write(Encoding.UTF8.GetBytes($",\"LastEvaluatedKey\":{{\"pk\":{{\"S\":\"x\"}},\"sk\":{{\"S\":\"{page}\"}}}}"));
            }
            response.Write(",\"ConsumedCapacity\":{\"TableName\":\"bench\",\"CapacityUnits\":128}}"u8);
            return Task.FromResult(Respond(response.ToArray()));
        }

        private static HttpResponseMessage Respond(byte[] body)
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(body) };
            response.Content.Headers.ContentType = new("application/x-amz-json-1.0");
            return response;
        }
    }

    private sealed class HandlerFactory(HttpMessageHandler handler) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(handler, disposeHandler: false);

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;
    }

    /// <summary>Counts what is written and keeps none of it.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => _length += count;
        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _length += buffer.Length;
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>An object store that takes every local path, keeps nothing and lists nothing: the export's I/O without a disk.</summary>
    private sealed class DiscardingStore : IObjectStore
    {
        public bool CanHandle(string uri) => true;

        public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefixUri, bool recursive, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.CompletedTask;
            yield break;
        }

        public Task<ObjectInfo?> GetInfoAsync(string uri, CancellationToken cancellationToken = default) => Task.FromResult<ObjectInfo?>(null);

        public Task<Stream> OpenReadAsync(string uri, long offset = 0, long? length = null, CancellationToken cancellationToken = default) =>
            throw new FileNotFoundException(uri);

        public Task<IObjectWriter> CreateAsync(string uri, CancellationToken cancellationToken = default) => Task.FromResult<IObjectWriter>(new Writer());

        public Task RenameAsync(string fromUri, string toUri, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task DeleteAsync(string uri, CancellationToken cancellationToken = default) => Task.CompletedTask;

        private sealed class Writer : IObjectWriter
        {
            private readonly CountingStream _stream = new();

            public Stream Stream => _stream;

            public Task<long> CommitAsync(CancellationToken cancellationToken = default) => Task.FromResult(_stream.Length);

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}

/// <summary>The line benchmarks' short, 15-iteration median setup, with MB/s of data-pipeline lines written.</summary>
public sealed class ExportBenchmarkConfig : ManualConfig
{
    public ExportBenchmarkConfig()
    {
        AddJob(Job.ShortRun.WithIterationCount(15));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, new ItemsPerSecondColumn(), new WrittenMegabytesPerSecondColumn());
    }
}

/// <summary>Items exported per second, from the median time per item.</summary>
public sealed class ItemsPerSecondColumn() : CustomColumn(nameof(ItemsPerSecondColumn), "items/s",
    "Items read and written per second, from the median time per item")
{
    public override string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        summary[benchmarkCase]?.ResultStatistics is { } statistics
            ? (1e9 / statistics.Median).ToString("N0", System.Globalization.CultureInfo.InvariantCulture)
            : "-";
}

/// <summary>MB/s of data-pipeline lines written (the items' average line length over the median time per item).</summary>
public sealed class WrittenMegabytesPerSecondColumn() : CustomColumn(nameof(WrittenMegabytesPerSecondColumn), "MB/s written",
    "Megabytes (10^6) of data-pipeline lines written per second, from the median time per item", priority: 1)
{
    public override string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        summary[benchmarkCase]?.ResultStatistics is { } statistics
            ? (LineBenchmarkData.BytesPerLine(ItemFileFormat.DataPipeline) / statistics.Median * 1e9 / 1e6).ToString("F1", System.Globalization.CultureInfo.InvariantCulture)
            : "-";
}
