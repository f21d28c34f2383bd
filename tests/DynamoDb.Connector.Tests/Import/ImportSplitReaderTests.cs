using System.IO.Compression;
using System.Text;
using System.Text.Json;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.Storage;

namespace DynamoDb.Connector.Tests.Import;

public sealed class ImportSplitReaderTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("split-reader-");
    private readonly ImportInputFormat _input = new([new LocalFileObjectStore()]);
    private static readonly ImportReadOptions DdbJson = new(ItemFileFormat.DynamoDbJson);

    public void Dispose() => _directory.Delete(recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_directory.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static SplitFile Whole(string path) => new(path, new FileInfo(path).Length, 0, new FileInfo(path).Length);

    private static async Task<List<ImportRecord>> ReadAllAsync(ImportSplitReader reader)
    {
        var records = new List<ImportRecord>();
        await foreach (var record in reader.ReadAsync()) records.Add(record);
        return records;
    }

    private static string Keys(IEnumerable<ImportRecord> records) =>
        string.Join(",", records.Select(r => r.IsBad ? $"bad@{r.Line}" : $"{r.Record.Item["pk"].S}@{r.Line}"));

    [Fact]
    public async Task Read_GivesItemsAndBadRecords_InFileOrder_WithSourceLineAndThePositionAfterEach()
    {
        string a = Write("a.json", ImportHarness.Line("a1") + "\nnot json\n" + ImportHarness.Line("a3") + "\n");
        string b = Write("b.json", ImportHarness.Line("b1") + "\n");
        var split = new ImportSplit(0, [Whole(a), Whole(b)]);

        await using var reader = await _input.OpenAsync(split, DdbJson);
        var records = await ReadAllAsync(reader);

        Assert.Equal("a1@1,bad@2,a3@3,b1@1", Keys(records));
        Assert.Equal([a, a, a, b], records.Select(r => r.Source));
        Assert.Equal(a, records[1].Error!.Source);
        Assert.Equal(new ImportPosition(0, 2), records[1].Next);
        Assert.Equal((0, 3), (records[2].Next.File, records[2].Next.Line));
        Assert.Equal(new FileInfo(a).Length, records[2].Next.Offset);
        Assert.Equal(new ImportPosition(2, 0), reader.Position);
        Assert.True(reader.IsComplete);
        Assert.Equal(3, reader.RecordsRead);
        Assert.Equal(1, reader.BadRecords);
        Assert.Equal(split.Bytes, reader.BytesRead);
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public async Task Open_AtAStoredPosition_SeeksToItsOffset_AndGoesOnWithTheSameLineNumbers(string lineEnd)
    {
        string text = string.Concat(Enumerable.Range(1, 50).Select(i => ImportHarness.Line($"k{i:D2}") + lineEnd));
        string path = Write("lines.json", text);
        var split = new ImportSplit(0, [Whole(path)]);
        ImportPosition stored;
        await using (var first = await _input.OpenAsync(split, DdbJson))
        {
            stored = (await ReadAllAsync(first))[19].Next;
        }

        await using var reader = await _input.OpenAsync(split, DdbJson, stored);
        var records = await ReadAllAsync(reader);

        Assert.NotNull(stored.Offset);
        Assert.Equal(Enumerable.Range(21, 30).Select(i => $"k{i:D2}@{i}"), Keys(records).Split(','));
        Assert.Equal(Enumerable.Range(21, 30), records.Select(r => (int)r.Record!.Line));
        // What came before the offset is not read again (after a \r, the \n of its line end is not read either).
        long rest = new FileInfo(path).Length - stored.Offset!.Value;
        Assert.InRange(reader.BytesRead, rest - 1, rest);
        Assert.Equal(stored.Offset, reader.BytesSkipped);
    }

    [Fact]
    public async Task Open_AtAStoredPosition_InAByteRange_EndsWithTheRangesLastLine()
    {
        string text = string.Concat(Enumerable.Range(1, 40).Select(i => ImportHarness.Line($"k{i:D2}") + "\n"));
        string path = Write("lines.json", text);
        long size = new FileInfo(path).Length;
        var first = new SplitFile(path, size, 0, size / 2);
        var second = new SplitFile(path, size, size / 2, size);
        var split = new ImportSplit(0, [second]);
        var all = await ReadAllAsync(await _input.OpenAsync(split, DdbJson));
        var firstHalf = await ReadAllAsync(await _input.OpenAsync(new ImportSplit(0, [first]), DdbJson));

        await using var reader = await _input.OpenAsync(split, DdbJson, all[4].Next);
        var rest = await ReadAllAsync(reader);

        Assert.Equal(40, firstHalf.Count + all.Count);
        Assert.Equal(Keys(all.Skip(5)), Keys(rest));
        Assert.NotNull(all[4].Next.Offset);
    }

    [Fact]
    public async Task Open_AtAPositionInACompressedFile_ReadsAndSkipsTheLinesBefore_ForItHasNoOffset()
    {
        string path = Path.Combine(_directory.FullName, "lines.json.gz");
        await using (var file = File.Create(path))
        await using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        {
            gzip.Write(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(1, 10).Select(i => ImportHarness.Line($"k{i:D2}") + "\n"))));
        }
        var split = new ImportSplit(0, [Whole(path)]);
        var all = await ReadAllAsync(await _input.OpenAsync(split, DdbJson));

        await using var reader = await _input.OpenAsync(split, DdbJson, all[3].Next);
        var rest = await ReadAllAsync(reader);

        Assert.All(all, r => Assert.Null(r.Next.Offset));
        Assert.Equal(Keys(all.Skip(4)), Keys(rest));
        Assert.Equal(6, reader.RecordsRead);
    }

    [Fact]
    public async Task Position_IsAFewBytesOfJson_ThatReadBackTheSame()
    {
        var position = new ImportPosition(3, 123_456, 98_765_432);

        string json = JsonSerializer.Serialize(position, JsonSerializerOptions.Web);

        Assert.Equal("""{"file":3,"line":123456,"offset":98765432}""", json);
        Assert.Equal(position, JsonSerializer.Deserialize<ImportPosition>(json, JsonSerializerOptions.Web));
        Assert.Equal("""{"file":1,"line":0}""", JsonSerializer.Serialize(new ImportPosition(1, 0), JsonSerializerOptions.Web));
    }

    [Fact]
    public async Task Open_AtAPositionOutsideTheSplit_IsRefused()
    {
        string path = Write("a.json", ImportHarness.Line("a1") + "\n");
        var split = new ImportSplit(0, [Whole(path)]);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _input.OpenAsync(split, DdbJson, new ImportPosition(2, 0)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _input.OpenAsync(split, DdbJson, new ImportPosition(0, 1, 10_000)));
    }
}
