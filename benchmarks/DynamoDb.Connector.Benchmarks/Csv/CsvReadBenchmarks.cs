using System.Text;
using Amazon.DynamoDBv2.Model;
using BenchmarkDotNet.Attributes;
using DynamoDb.Connector.Formats.Csv;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Benchmarks.Csv;

/// <summary>
/// Reading 20,000 typed CSV records into items. Baseline: StreamReader.ReadLine + string.Split, which is what a
/// quick importer does (and is wrong for quoted fields, so the data here has none to keep the comparison fair).
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class CsvReadBenchmarks
{
    private const int Rows = 20_000;
    private byte[] _csv = [];
    private readonly CsvSchema _schema = new() { Columns = [new("pk"), new("n", AttributeKind.N), new("flag", AttributeKind.Bool), new("note")] };

    [GlobalSetup]
    public void Setup()
    {
        var text = new StringBuilder("pk,n,flag,note\n");
        for (int i = 0; i < Rows; i++)
        {
            text.Append("user#").Append(i).Append(',').Append(i * 7).Append(".25,").Append(i % 2 == 0 ? "true" : "false")
                .Append(",some plain note text for row ").Append(i).Append('\n');
        }
        _csv = Encoding.UTF8.GetBytes(text.ToString());
    }

    [Benchmark(Baseline = true)]
    public int ReadLineAndSplit()
    {
        using var reader = new StreamReader(new MemoryStream(_csv), Encoding.UTF8);
        string[] header = reader.ReadLine()!.Split(',');
        int count = 0;
        while (reader.ReadLine() is { } line)
        {
            string[] cells = line.Split(',');
            var item = new Dictionary<string, AttributeValue>(header.Length)
            {
                [header[0]] = new() { S = cells[0] },
                [header[1]] = new() { N = cells[1] },
                [header[2]] = new() { BOOL = bool.Parse(cells[2]) },
                [header[3]] = new() { S = cells[3] },
            };
            count += item.Count;
        }
        return count;
    }

    [Benchmark]
    public async Task<int> CsvItemReader()
    {
        await using var reader = new CsvItemReader(new MemoryStream(_csv), new ItemReaderOptions { Csv = _schema });
        int count = 0;
        while (await reader.ReadAsync() is { } record)
        {
            count += record.Item.Count;
        }
        return count;
    }
}
