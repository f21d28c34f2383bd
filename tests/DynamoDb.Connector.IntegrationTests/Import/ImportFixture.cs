using System.Globalization;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.S3;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Csv;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoDb.Connector.IntegrationTests.Import;

/// <summary>Services, source files and options for the import tests.</summary>
internal static class ImportFixture
{
    /// <summary>The connector as an application gets it: AddDynamoDbConnector over the local servers' clients.</summary>
    public static ServiceProvider CreateServices(IAmazonDynamoDB client, IAmazonS3 s3) => new ServiceCollection()
        .AddSingleton(client)
        .AddSingleton(s3)
        .AddDynamoDbConnector()
        .BuildServiceProvider();

    /// <summary>Options that never wait on the budget (dynalite does not throttle) and report progress often.</summary>
    public static ImportJobOptions OptionsFor(string table, string source) => new()
    {
        TableName = table,
        Source = { Source = source },
        Writer = { Throughput = { WriteUnitsPerSecond = 1_000_000 } },
    };

    /// <summary>The typed CSV layout of <see cref="TestTables.Plain"/> items.</summary>
    public static CsvSchema PlainCsv { get; } = new()
    {
        Columns =
        [
            new CsvColumn("pk"), new CsvColumn("sk", Formats.Items.AttributeKind.N), new CsvColumn("category"),
            new CsvColumn("price", Formats.Items.AttributeKind.N), new CsvColumn("size", Formats.Items.AttributeKind.N), new CsvColumn("name"),
        ],
    };

    /// <summary>Writes <paramref name="records"/> as one file with the Formats writers, committed through the store.</summary>
    public static async Task<ObjectInfo> WriteFileAsync(IObjectStore store, string uri, ItemFileFormat format, CompressionKind compression, IEnumerable<ItemRecord> records, CsvSchema? csv = null)
    {
        await using (var target = await store.CreateAsync(uri))
        {
            await using (var writer = ItemFiles.OpenWriter(target.Stream, format, new ItemWriterOptions { Compression = compression, Csv = csv, LeaveOpen = true }))
            {
                foreach (var record in records) await writer.WriteAsync(record);
                await writer.CompleteAsync();
            }
            await target.CommitAsync();
        }
        return (await store.GetInfoAsync(uri))!;
    }

    /// <summary>Writes <paramref name="items"/> as puts.</summary>
    public static Task<ObjectInfo> WriteFileAsync(IObjectStore store, string uri, ItemFileFormat format, CompressionKind compression, IEnumerable<Dictionary<string, AttributeValue>> items, CsvSchema? csv = null) =>
        WriteFileAsync(store, uri, format, compression, items.Select((item, i) => new ItemRecord(item, i + 1)), csv);

    /// <summary>Writes raw bytes (hand-made lines, manifests, corrupted copies).</summary>
    public static async Task WriteBytesAsync(IObjectStore store, string uri, byte[] bytes)
    {
        await using var target = await store.CreateAsync(uri);
        await target.Stream.WriteAsync(bytes);
        await target.CommitAsync();
    }

    public static Task WriteTextAsync(IObjectStore store, string uri, string text) => WriteBytesAsync(store, uri, Encoding.UTF8.GetBytes(text));

    public static async Task<byte[]> ReadBytesAsync(IObjectStore store, string uri)
    {
        await using var stream = await store.OpenReadAsync(uri);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    /// <summary>Every line of every dead-letter chunk under <paramref name="folder"/>, parsed.</summary>
    public static async Task<List<JsonElement>> ReadDeadLettersAsync(IObjectStore store, string folder)
    {
        var lines = new List<JsonElement>();
        await foreach (var info in store.ListAsync(folder, recursive: true))
        {
            foreach (var line in Encoding.UTF8.GetString(await ReadBytesAsync(store, info.Uri)).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                lines.Add(JsonDocument.Parse(line).RootElement.Clone());
            }
        }
        return lines;
    }

    /// <summary>
    /// Items of about <paramref name="bytes"/> bytes each, keys <c>big-{i % 7}</c> / <c>i</c>: few of them fill a file
    /// past the smallest split size (1 MiB), so file ranges and one-file splits need little writing.
    /// </summary>
    public static List<Dictionary<string, AttributeValue>> Padded(int count, int bytes, int first = 0) =>
        [.. Enumerable.Range(first, count).Select(i => new Dictionary<string, AttributeValue>
        {
            ["pk"] = new AttributeValue { S = $"big-{i % 7}" },
            ["sk"] = new AttributeValue { N = i.ToString(CultureInfo.InvariantCulture) },
            ["pad"] = new AttributeValue { S = new string((char)('a' + i % 26), bytes) },
        })];
}
