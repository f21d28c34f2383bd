using System.Buffers;
using System.Text;
using Amazon.DynamoDBv2.Model;
using BenchmarkDotNet.Attributes;
using DynamoDb.Connector.Formats.Csv;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;
using nietras.SeparatedValues;

namespace DynamoDb.Connector.Benchmarks.Csv;

/// <summary>
/// Reading 20,000 typed CSV records into items: today's hand-written reader (the baseline) against Sep, the fastest
/// kept .NET CSV parser, tokenizing the same bytes into the same items (cells typed by the same <c>CsvCells</c>).
/// <c>plain</c> has no quotes; <c>quoted</c> quotes every note, with doubled quotes, CRLF line ends and a line break
/// inside every fifth cell. Sep is measured on what it can do; what it cannot (byte offsets for range splits and
/// checkpoints, the quoted-empty flag, a stray quote costing one record) is in the report, not timed.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class CsvReadBenchmarks
{
    private const int Rows = 20_000;
    private byte[] _csv = [];
    private readonly CsvSchema _schema = new() { Columns = [new("pk"), new("n", AttributeKind.N), new("flag", AttributeKind.Bool), new("note")] };

    [Params("plain", "quoted")]
    public string Data { get; set; } = "plain";

    [GlobalSetup]
    public void Setup()
    {
        bool quoted = Data == "quoted";
        string end = quoted ? "\r\n" : "\n";
        var text = new StringBuilder("pk,n,flag,note").Append(end);
        for (int i = 0; i < Rows; i++)
        {
            text.Append("user#").Append(i).Append(',').Append(i * 7).Append(".25,").Append(i % 2 == 0 ? "true" : "false").Append(',');
            if (!quoted) text.Append("some plain note text for row ").Append(i);
            else text.Append("\"a \"\"quoted\"\", note, for row ").Append(i).Append(i % 5 == 0 ? "\r\nover two lines\"" : "\"");
            text.Append(end);
        }
        _csv = Encoding.UTF8.GetBytes(text.ToString());
        int ours = CsvItemReader().AsTask().GetAwaiter().GetResult(), sep = SepReader();
        if (ours != sep) throw new InvalidOperationException($"the readers disagree: {ours} attributes against {sep}");
    }

    [Benchmark(Baseline = true)]
    public async ValueTask<int> CsvItemReader()
    {
        await using var reader = new CsvItemReader(new MemoryStream(_csv), new ItemReaderOptions { Csv = _schema });
        int count = 0;
        while (await reader.ReadAsync() is { } record)
        {
            count += record.Item.Count;
        }
        return count;
    }

    [Benchmark]
    public int SepReader()
    {
        using var reader = Sep.New(',').Reader(o => o with { Unescape = true }).From(new MemoryStream(_csv));
        var names = reader.Header.ColNames.ToArray();
        var types = names.Select(_schema.TypeOf).ToArray();
        byte[] utf8 = ArrayPool<byte>.Shared.Rent(4096);
        int count = 0;
        foreach (var row in reader)
        {
            var item = new Dictionary<string, AttributeValue>(names.Length, StringComparer.Ordinal);
            for (int k = 0; k < names.Length; k++)
            {
                // Sep gives chars: back to UTF-8 for the same cell typing (Sep does not say whether a cell was quoted).
                int length = Encoding.UTF8.GetBytes(row[k].Span, utf8);
                if (!CsvCells.TryRead(utf8.AsSpan(0, length), quoted: false, types[k], _schema, out var value, out var reason))
                {
                    throw new InvalidDataException(reason);
                }
                if (value is not null) item[names[k]] = value;
            }
            count += item.Count;
        }
        ArrayPool<byte>.Shared.Return(utf8);
        return count;
    }
}
