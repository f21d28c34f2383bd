using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Storage;
using DynamoDb.Connector.Tests.Infrastructure;
using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Tests.Writing;

public sealed class DeadLetterSinkTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("dead-letters-");

    public void Dispose() => _directory.Delete(recursive: true);

    private static async Task<List<ItemRecord>> ReadBackAsync(string path, ItemFileFormat format)
    {
        await using var reader = ItemFiles.OpenReader(File.OpenRead(path), format);
        var records = new List<ItemRecord>();
        while (await reader.ReadAsync() is { } record) records.Add(record);
        return records;
    }

    [Fact]
    public async Task Writer_WithADeadLetterUri_WritesEachBadItemAsALineThatImportsAgain()
    {
        string folder = Path.Combine(_directory.FullName, "out");
        using var h = new WriterHarness(new DynamoDbWriterOptions { DeadLetterUri = folder, MaxBatchesInFlight = 1 }, stores: [new LocalFileObjectStore()]);
        h.Table();
        h.Dynamo.RejectItem = item => item.ContainsKey("poison") ? "One or more parameter values were invalid: poisoned" : null;
        var good = Enumerable.Range(0, 20).Select(i => Items.Of($"k{i:D2}", ("text", "é \"q\" \n"))).ToList();
        var invalid = new Dictionary<string, AttributeValue> { ["pk"] = new() { S = "empty-set" }, ["tags"] = new() { SS = [] } };
        var rejected = Items.Of("poisoned", ("poison", "yes"));
        rejected["n"] = new() { N = "12.50" };
        rejected["b"] = new() { B = new MemoryStream([0, 255]) };
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await h.RunAsync(async () =>
        {
            long line = 0;
            foreach (var item in good.Take(10)) await writer.WriteAsync(new ItemRecord(item, ++line), "s3://in/part-1.json");
            await writer.WriteAsync(new ItemRecord(invalid, ++line), "s3://in/part-1.json");
            await writer.WriteAsync(new ItemRecord(rejected, ++line), "s3://in/part-1.json");
            foreach (var item in good.Skip(10)) await writer.WriteAsync(new ItemRecord(item, ++line), "s3://in/part-1.json");
            return await writer.CompleteAsync();
        });

        Assert.Equal(20, summary.ItemsWritten);
        Assert.Equal(2, summary.ItemsDeadLettered);
        Assert.Empty(summary.DeadLetters);
        string path = Assert.Single(Directory.GetFiles(folder));
        Assert.Matches(@"^items-20260101T000000Z-[0-9a-f]{8}-0000\.jsonl$", Path.GetFileName(path));
        var back = await ReadBackAsync(path, ItemFileFormat.DynamoDbJson);
        Assert.Equal(2, back.Count);
        Assert.Equal(invalid.Keys.Order(), back[0].Item.Keys.Order());
        Assert.Null(ItemComparer.Difference(rejected, back[1].Item));
        var lines = File.ReadAllLines(path, Encoding.UTF8);
        using var first = JsonDocument.Parse(lines[0]);
        var error = first.RootElement.GetProperty("Error");
        Assert.Contains("empty string set", error.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("s3://in/part-1.json", error.GetProperty("source").GetString());
        Assert.Equal(11, error.GetProperty("line").GetInt64());
        Assert.Equal("put", error.GetProperty("operation").GetString());
        using var second = JsonDocument.Parse(lines[1]);
        Assert.Contains("poisoned", second.RootElement.GetProperty("Error").GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(12, second.RootElement.GetProperty("Error").GetProperty("line").GetInt64());
    }

    [Fact]
    public async Task Writer_WithADeadLetterUri_AndNothingBad_CreatesNoFile()
    {
        string folder = Path.Combine(_directory.FullName, "none");
        using var h = new WriterHarness(new DynamoDbWriterOptions { DeadLetterUri = folder }, stores: [new LocalFileObjectStore()]);
        h.Table();
        await using var writer = await h.Factory.CreateAsync("items");

        await h.WriteAllAsync(writer, [Items.Of("a")]);

        Assert.True(!Directory.Exists(folder) || Directory.GetFiles(folder).Length == 0);
    }

    [Fact]
    public async Task CreateAsync_DeadLetterUriNoStoreHandles_IsRefusedAtOnce()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { DeadLetterUri = "s3://bucket/dead.json" }, stores: [new LocalFileObjectStore()]);
        h.Table();

        var error = await Assert.ThrowsAsync<NotSupportedException>(() => h.Factory.CreateAsync("items"));

        Assert.Contains("s3://bucket/dead.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_DeadLetterUriIsAFile_IsRefusedAtOnce_NotAtTheFirstBadItem()
    {
        string file = Path.Combine(_directory.FullName, "dead.json");
        await File.WriteAllTextAsync(file, "");
        using var h = new WriterHarness(new DynamoDbWriterOptions { DeadLetterUri = file }, stores: [new LocalFileObjectStore()]);
        h.Table();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => h.Factory.CreateAsync("items"));

        Assert.Contains(file, error.Message, StringComparison.Ordinal);
        Assert.Contains("not a folder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_DeadLetterFolderThatDoesNotExistYet_IsCreated()
    {
        string folder = Path.Combine(_directory.FullName, "a", "b");
        using var h = new WriterHarness(new DynamoDbWriterOptions { DeadLetterUri = folder }, stores: [new LocalFileObjectStore()]);
        h.Table();

        await using var writer = await h.Factory.CreateAsync("items");

        Assert.True(Directory.Exists(folder));
    }

    [Fact]
    public async Task Sink_ADelete_IsWrittenAsKeys_SoItImportsAsADeleteAndNeverAsAnItem()
    {
        var stream = new MemoryStream();
        await using (var sink = new JsonLinesDeadLetterSink(stream, leaveOpen: true))
        {
            await sink.WriteAsync(new DeadLetter(Items.Of("gone"), RecordOperation.Delete, "gave up", null, 0));
            await sink.CompleteAsync();
        }
        string path = Path.Combine(_directory.FullName, "deletes.json");
        await File.WriteAllBytesAsync(path, stream.ToArray());

        var back = Assert.Single(await ReadBackAsync(path, ItemFileFormat.DynamoDbJsonIncremental));
        Assert.Equal(RecordOperation.Delete, back.Operation);
        Assert.Equal("gone", back.Item["pk"].S);
        string line = Encoding.UTF8.GetString(stream.ToArray());
        Assert.Equal("{\"Keys\":{\"pk\":{\"S\":\"gone\"}},\"Error\":{\"reason\":\"gave up\",\"operation\":\"delete\"}}\n", line);
    }

    [Fact]
    public async Task Sink_AValueThatCannotBeWritten_IsLeftOutAndNamed_AndTheRestKept()
    {
        var stream = new MemoryStream();
        await using var sink = new JsonLinesDeadLetterSink(stream, leaveOpen: true);
        var item = Items.Of("a", ("ok", "kept"));
        item["broken"] = new AttributeValue();

        await sink.WriteAsync(new DeadLetter(item, RecordOperation.Put, "attribute 'broken' has no type", "f", 3));
        await sink.FlushAsync();

        using var line = JsonDocument.Parse(stream.ToArray());
        Assert.Equal("kept", line.RootElement.GetProperty("Item").GetProperty("ok").GetProperty("S").GetString());
        Assert.False(line.RootElement.GetProperty("Item").TryGetProperty("broken", out _));
        Assert.Contains("left out, having no valid value: broken", line.RootElement.GetProperty("Error").GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sink_SharedByConcurrentWriters_WritesWholeLines()
    {
        var stream = new MemoryStream();
        await using var sink = new JsonLinesDeadLetterSink(stream, leaveOpen: true);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (int i = 0; i < 200; i++) await sink.WriteAsync(new DeadLetter(Items.Sized($"w{w}-{i}", 2000), RecordOperation.Put, "r", "f", i + 1));
        })));
        await sink.CompleteAsync();

        var lines = Encoding.UTF8.GetString(stream.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1600, lines.Length);
        Assert.Equal(1600, lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("Item").GetProperty("pk").GetProperty("S").GetString()).Distinct().Count());
        Assert.Equal(1600, sink.Count);
    }
}
