using Amazon.DynamoDBv2.Model;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Benchmarks.Formats;

/// <summary>
/// 1,000 realistic items of about 1 KB each (keys, numbers, a nested address map, a list of order lines, sets,
/// a little binary, text with some non-ASCII), deterministic, and their bytes in each JSON line format.
/// </summary>
public static class LineBenchmarkData
{
    public const int Lines = 1000;

    private static readonly Lazy<List<Dictionary<string, AttributeValue>>> LazyItems = new(Build);
    private static readonly Dictionary<ItemFileFormat, byte[]> Files = [];

    public static List<Dictionary<string, AttributeValue>> Items => LazyItems.Value;

    public static byte[] File(ItemFileFormat format)
    {
        lock (Files)
        {
            if (!Files.TryGetValue(format, out var bytes))
            {
                var output = new MemoryStream();
                var writer = ItemFiles.OpenWriter(output, format, new ItemWriterOptions { LeaveOpen = true });
                int line = 0;
                foreach (var item in Items)
                {
                    writer.WriteAsync(new ItemRecord(item, ++line)).AsTask().GetAwaiter().GetResult();
                }
                writer.CompleteAsync().AsTask().GetAwaiter().GetResult();
                writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
                Files[format] = bytes = output.ToArray();
            }
            return bytes;
        }
    }

    /// <summary>The average line length of a format's file, in bytes: what one operation processes.</summary>
    public static double BytesPerLine(ItemFileFormat format) => (double)File(format).Length / Lines;

    private static List<Dictionary<string, AttributeValue>> Build()
    {
        var random = new Random(42);
        string[] words = ["red", "green", "blue", "café", "prime", "gift", "bulk", "return", "日本", "express", "fragile", "promo"];
        string[] statuses = ["PENDING", "SHIPPED", "DELIVERED", "CANCELLED"];
        var items = new List<Dictionary<string, AttributeValue>>(Lines);
        for (int i = 0; i < Lines; i++)
        {
            var thumbnail = new byte[48];
            random.NextBytes(thumbnail);
            var orderLines = new List<AttributeValue>();
            for (int j = 0; j < 3; j++)
            {
                orderLines.Add(new AttributeValue
                {
                    M = new()
                    {
                        ["sku"] = new() { S = $"SKU-{random.Next(100000, 999999)}" },
                        ["price"] = new() { N = $"{random.Next(1, 500)}.{random.Next(0, 99):D2}" },
                        ["qty"] = new() { N = random.Next(1, 9).ToString() },
                    },
                });
            }
            string notes = string.Join(' ', Enumerable.Range(0, 40).Select(_ => words[random.Next(words.Length)])) + "\nthanks \"customer\"";
            items.Add(new Dictionary<string, AttributeValue>
            {
                ["pk"] = new() { S = $"user#{random.Next(1, 1_000_000)}" },
                ["sk"] = new() { S = $"order#2024-{random.Next(1, 12):D2}-{random.Next(1, 28):D2}#{Guid.NewGuid():N}" },
                ["status"] = new() { S = statuses[random.Next(statuses.Length)] },
                ["amount"] = new() { N = $"{random.Next(1, 100000)}.{random.Next(0, 99):D2}" },
                ["quantity"] = new() { N = random.Next(1, 20).ToString() },
                ["createdAt"] = new() { N = (1_700_000_000_000L + random.Next()).ToString() },
                ["active"] = new() { BOOL = random.Next(2) == 0 },
                ["deletedAt"] = new() { NULL = true },
                ["tags"] = new() { SS = [.. words.OrderBy(_ => random.Next()).Take(4)] },
                ["scores"] = new() { NS = ["1", $"{random.Next(2, 100)}", $"{random.Next(100, 1000)}.5"] },
                ["thumbnail"] = new() { B = new MemoryStream(thumbnail) },
                ["address"] = new()
                {
                    M = new()
                    {
                        ["street"] = new() { S = $"{random.Next(1, 999)} Main Street" },
                        ["city"] = new() { S = "Seattle" },
                        ["zip"] = new() { S = $"98{random.Next(100, 999)}" },
                        ["geo"] = new() { M = new() { ["lat"] = new() { N = "47.6062095" }, ["lon"] = new() { N = "-122.3320708" } } },
                    },
                },
                ["lines"] = new() { L = orderLines },
                ["notes"] = new() { S = notes },
                ["history"] = new() { L = [new() { S = "created" }, new() { N = "3" }, new() { BOOL = true }] },
            });
        }
        return items;
    }
}

/// <summary>
/// Short runs (one launch, 3 warmups), but 15 measured iterations and the median: the machine is shared and noisy,
/// and the median of more iterations is what stays comparable. Allocations per operation and MB/s are shown.
/// </summary>
public sealed class LineBenchmarkConfig : ManualConfig
{
    public LineBenchmarkConfig()
    {
        AddJob(Job.ShortRun.WithIterationCount(15));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, new MegabytesPerSecondColumn());
    }
}

/// <summary>
/// MB/s of line data: the format's average line length (one operation is one line) over the median time.
/// 1 MB = 1,000,000 bytes.
/// </summary>
public sealed class MegabytesPerSecondColumn() : CustomColumn(nameof(MegabytesPerSecondColumn), "MB/s",
    "Megabytes (10^6) of line data processed per second, from the median time per line")
{
    public override string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        var report = summary[benchmarkCase];
        if (report?.ResultStatistics is not { } statistics || benchmarkCase.Parameters["Format"] is not ItemFileFormat format)
        {
            return "-";
        }
        double bytesPerSecond = LineBenchmarkData.BytesPerLine(format) / statistics.Median * 1e9;
        return (bytesPerSecond / 1e6).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
    }
}
