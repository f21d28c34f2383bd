using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Formats.Tests.Lines;

/// <summary>Builders for items and helpers to read and write whole files in memory.</summary>
internal static class ItemFilesTestKit
{
    public static AttributeValue S(string s) => new() { S = s };
    public static AttributeValue N(string n) => new() { N = n };
    public static AttributeValue B(params byte[] b) => new() { B = new MemoryStream(b) };
    public static AttributeValue Bool(bool b) => new() { BOOL = b };
    public static AttributeValue Null() => new() { NULL = true };
    public static AttributeValue SS(params string[] s) => new() { SS = [.. s] };
    public static AttributeValue NS(params string[] n) => new() { NS = [.. n] };
    public static AttributeValue BS(params byte[][] b) => new() { BS = [.. b.Select(x => new MemoryStream(x))] };
    public static AttributeValue L(params AttributeValue[] l) => new() { L = [.. l] };
    public static AttributeValue M(params (string Name, AttributeValue Value)[] m) => new() { M = m.ToDictionary(x => x.Name, x => x.Value) };
    public static Dictionary<string, AttributeValue> Item(params (string Name, AttributeValue Value)[] attributes) => attributes.ToDictionary(x => x.Name, x => x.Value);

    public static string TestData(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", "Lines", name);

    public static byte[] ReadTestData(string name) => File.ReadAllBytes(TestData(name));

    public static async Task<List<ItemRecord>> ReadAllAsync(byte[] bytes, ItemFileFormat format, ItemReaderOptions? options = null)
    {
        await using var reader = ItemFiles.OpenReader(new MemoryStream(bytes), format, options);
        var records = new List<ItemRecord>();
        while (await reader.ReadAsync() is { } record)
        {
            records.Add(record);
        }
        return records;
    }

    public static async Task<byte[]> WriteAllAsync(IEnumerable<ItemRecord> records, ItemFileFormat format, ItemWriterOptions? options = null)
    {
        var output = new MemoryStream();
        await using (var writer = ItemFiles.OpenWriter(output, format, options))
        {
            foreach (var record in records)
            {
                await writer.WriteAsync(record);
            }
            await writer.CompleteAsync();
        }
        return output.ToArray();
    }

    public static Task<byte[]> WriteItemsAsync(IEnumerable<Dictionary<string, AttributeValue>> items, ItemFileFormat format, ItemWriterOptions? options = null) =>
        WriteAllAsync(items.Select((item, i) => new ItemRecord(item, i + 1)), format, options);

    public static void AssertSameItem(Dictionary<string, AttributeValue> expected, Dictionary<string, AttributeValue> actual)
    {
        if (ItemComparer.Difference(expected, actual) is { } difference)
        {
            Assert.Fail(difference);
        }
    }
}
