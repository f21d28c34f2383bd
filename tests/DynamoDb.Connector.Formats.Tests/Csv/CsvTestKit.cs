using System.Text;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Csv;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Formats.Tests.Csv;

/// <summary>Reading and writing CSV in tests, and items shown as comparable text.</summary>
internal static class CsvTestKit
{
    public static string DataPath(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", name);

    public static async Task<(List<ItemRecord> Records, List<RecordError> Errors, CsvItemReader Reader)> ReadAllAsync(
        Stream stream, CsvSchema? schema, BadRecordHandling handling = BadRecordHandling.Skip, int maxLineBytes = 4 * 1024 * 1024, string source = "test.csv")
    {
        var errors = new List<RecordError>();
        var options = new ItemReaderOptions { SourceName = source, Csv = schema, BadRecords = handling, OnBadRecord = errors.Add, MaxLineBytes = maxLineBytes };
        var reader = new CsvItemReader(stream, options);
        var records = new List<ItemRecord>();
        while (await reader.ReadAsync() is { } record)
        {
            records.Add(record);
        }
        await reader.DisposeAsync();
        return (records, errors, reader);
    }

    public static Task<(List<ItemRecord> Records, List<RecordError> Errors, CsvItemReader Reader)> ReadTextAsync(
        string csv, CsvSchema? schema, BadRecordHandling handling = BadRecordHandling.Skip, int maxLineBytes = 4 * 1024 * 1024) =>
        ReadAllAsync(new MemoryStream(Encoding.UTF8.GetBytes(csv)), schema, handling, maxLineBytes);

    public static async Task<string> WriteAsync(CsvSchema schema, params Dictionary<string, AttributeValue>[] items)
    {
        var buffer = new MemoryStream();
        await using (var writer = new CsvItemWriter(buffer, schema))
        {
            foreach (var item in items)
            {
                await writer.WriteAsync(new ItemRecord(item, 0));
            }
            await writer.CompleteAsync();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>An item as text with sorted names, e.g. <c>{n:N(1),s:S(x)}</c>, for equality asserts.</summary>
    public static string Show(IReadOnlyDictionary<string, AttributeValue> item) =>
        "{" + string.Join(",", item.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}:{Show(p.Value)}")) + "}";

    public static string Show(AttributeValue value) => AttributeValues.KindOf(value) switch
    {
        AttributeKind.S => $"S({value.S})",
        AttributeKind.N => $"N({value.N})",
        AttributeKind.B => $"B({Convert.ToBase64String(value.B.ToArray())})",
        AttributeKind.Bool => $"BOOL({value.BOOL})",
        AttributeKind.Null => "NULL",
        AttributeKind.SS => $"SS({string.Join("|", value.SS)})",
        AttributeKind.NS => $"NS({string.Join("|", value.NS)})",
        AttributeKind.BS => $"BS({string.Join("|", value.BS.Select(b => Convert.ToBase64String(b.ToArray())))})",
        AttributeKind.L => $"L[{string.Join(",", value.L.Select(Show))}]",
        AttributeKind.M => $"M{Show(value.M)}",
        _ => "EMPTY",
    };

    public static AttributeValue S(string s) => new() { S = s };
    public static AttributeValue N(string n) => new() { N = n };
    public static AttributeValue B(params byte[] bytes) => new() { B = new MemoryStream(bytes) };
}
