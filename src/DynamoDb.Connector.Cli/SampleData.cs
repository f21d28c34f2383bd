using System.Globalization;
using System.Text;
using Amazon.DynamoDBv2.Model;

namespace DynamoDb.Connector.Cli;

/// <summary>
/// Deterministic sample items covering every DynamoDB type (for the demo, for trying a table, for benchmarks):
/// string and numeric keys, unicode, exact decimals, BOOL, NULL, string/number/binary sets, nested maps and lists,
/// empty lists and maps. Partition keys are spread so that a sorted load does not make one hot partition.
/// </summary>
internal static class SampleData
{
    private static readonly string[] Names = ["Ada", "Grace", "Linus", "Zoë", "Søren", "José", "Ngozi", "Hiroshi", "Анна", "李娜"];
    private static readonly string[] Cities = ["Seattle", "Dublin", "São Paulo", "Tokyo", "Zürich", "Lagos", "Kraków"];
    private static readonly string[] Tags = ["new", "vip", "beta", "churn-risk", "mobile", "web", "eu", "us"];

    /// <summary>The item numbered <paramref name="index"/>: the same index always gives the same item.</summary>
    public static Dictionary<string, AttributeValue> Item(long index, int paddingBytes = 0)
    {
        var random = new Random(unchecked((int)(index * 2654435761L)));
        string name = Names[random.Next(Names.Length)];
        var item = new Dictionary<string, AttributeValue>
        {
            ["pk"] = new() { S = $"user#{Scramble(index):D10}" },
            ["sk"] = new() { N = (index % 7).ToString(CultureInfo.InvariantCulture) },
            ["name"] = new() { S = $"{name} {index}" },
            ["email"] = new() { S = $"{name.ToLowerInvariant()}.{index}@example.com" },
            ["age"] = new() { N = (18 + random.Next(70)).ToString(CultureInfo.InvariantCulture) },
            ["balance"] = new() { N = $"{random.Next(1_000_000)}.{random.Next(100):D2}" },
            ["active"] = new() { BOOL = random.Next(2) == 0 },
            ["tags"] = new() { SS = Tags.OrderBy(_ => random.Next()).Take(1 + random.Next(3)).ToList() },
            ["scores"] = new() { NS = Enumerable.Range(0, 1 + random.Next(4)).Select(i => (i * 17 + random.Next(10)).ToString(CultureInfo.InvariantCulture)).Distinct().ToList() },
            ["avatar"] = new() { B = new MemoryStream(Enumerable.Range(0, 16).Select(_ => (byte)random.Next(256)).ToArray()) },
            ["address"] = new()
            {
                M = new()
                {
                    ["city"] = new() { S = Cities[random.Next(Cities.Length)] },
                    ["zip"] = new() { S = random.Next(10000, 99999).ToString(CultureInfo.InvariantCulture) },
                    ["geo"] = new() { L = [new() { N = "47.6062" }, new() { N = "-122.3321" }] },
                },
            },
            ["history"] = new() { L = [new() { S = "signup" }, new() { N = index.ToString(CultureInfo.InvariantCulture) }, new() { M = [] }] },
            ["prefs"] = new() { M = [] },
            ["nickname"] = new() { NULL = true },
            ["precise"] = new() { N = "12345678901234567890.123456789012345678" },
        };
        if (paddingBytes > 0)
        {
            var padding = new StringBuilder(paddingBytes);
            while (padding.Length < paddingBytes) padding.Append((char)('a' + random.Next(26)));
            item["notes"] = new() { S = padding.ToString() };
        }
        return item;
    }

    // A bijection on 0..9,999,999,999 that spreads consecutive indexes over the key space (no rolling hot partition).
    private static long Scramble(long index) => (index * 7_919_113L + 104_729L) % 10_000_000_000L;
}
