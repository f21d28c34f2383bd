using System.IO.Compression;
using System.Text;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Csv;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Formats.Tests.Compression;

/// <summary>
/// Item readers over compressed data that is truncated or corrupt: the lines before the damage are items, the line it
/// cuts is one bad record naming the line and the damage, and the file ends there.
/// </summary>
public class DamagedInputTests
{
    private const string Source = "s3://bkt/data/part-1.json.gz";
    private static readonly string[] Lines = [.. Enumerable.Range(1, 5000).Select(i => $"{{\"pk\":{{\"s\":\"item-{i}\"}},\"pad\":{{\"s\":\"{new string((char)('a' + (i % 26)), i % 97)}\"}}}}")];
    private static readonly byte[] Text = Encoding.UTF8.GetBytes(string.Concat(Lines.Select(l => l + "\n")));

    private static byte[] Compress(byte[] data, CompressionKind kind)
    {
        var output = new MemoryStream();
        using (var stream = StreamCompression.OpenWrite(output, kind, CompressionLevel.Optimal, leaveOpen: true))
        {
            stream.Write(data);
        }
        return output.ToArray();
    }

    private static async Task<(List<ItemRecord> Records, List<RecordError> Errors, IItemReader Reader)> ReadAsync(byte[] file, ItemFileFormat format = ItemFileFormat.DataPipeline, string source = Source, CsvSchema? csv = null)
    {
        var errors = new List<RecordError>();
        var options = new ItemReaderOptions { SourceName = source, BadRecords = BadRecordHandling.Skip, OnBadRecord = errors.Add, Csv = csv };
        var reader = ItemFiles.OpenReader(new MemoryStream(file), format, options);
        var records = new List<ItemRecord>();
        while (await reader.ReadAsync() is { } record)
        {
            records.Add(record);
        }
        Assert.Null(await reader.ReadAsync()); // and it stays ended
        await reader.DisposeAsync();
        return (records, errors, reader);
    }

    /// <summary>Every record read is one of the file's lines, whole and in order, from the first.</summary>
    private static void AssertFirstLinesWhole(List<ItemRecord> records)
    {
        for (int i = 0; i < records.Count; i++)
        {
            Assert.Equal(i + 1, records[i].Line);
            Assert.Equal($"item-{i + 1}", records[i].Item["pk"].S);
            Assert.Equal(new string((char)('a' + ((i + 1) % 26)), (i + 1) % 97), records[i].Item["pad"].S);
        }
    }

    public static TheoryData<CompressionKind, int, string> Truncations() => new()
    {
        { CompressionKind.Gzip, 20, "the gzip stream is truncated after line " },
        { CompressionKind.Gzip, 5000, "the gzip stream is truncated after line " },
        { CompressionKind.Zstd, 10, "the zstd stream is truncated after line " },
        { CompressionKind.Zstd, 3000, "the zstd stream is truncated after line " },
    };

    [Theory]
    [MemberData(nameof(Truncations))]
    public async Task Read_TruncatedFile_KeepsTheLinesBefore_AndReportsTheCutLineOnce(CompressionKind kind, int bytesCut, string reason)
    {
        byte[] compressed = Compress(Text, kind);

        var (records, errors, reader) = await ReadAsync(compressed[..^bytesCut]);

        Assert.InRange(records.Count, 1, Lines.Length - 1);
        AssertFirstLinesWhole(records);
        var error = Assert.Single(errors);
        Assert.Equal(Source, error.Source);
        Assert.Equal(records.Count + 1, error.Line);
        Assert.StartsWith($"{reason}{records.Count} (", error.Reason, StringComparison.Ordinal);
        Assert.EndsWith($": the rest of the file cannot be read; lines 1 to {records.Count} were read", error.Reason, StringComparison.Ordinal);
        Assert.StartsWith(error.RawLine!, Lines[records.Count], StringComparison.Ordinal); // what there was of the cut line
        Assert.Equal(1, reader.BadRecords);
    }

    [Fact]
    public async Task Read_GzipWithAWrongCrc_ReportsCorruptDataAfterTheLastLine()
    {
        byte[] compressed = Compress(Text, CompressionKind.Gzip);
        compressed[^8] ^= 0xFF;

        var (records, errors, _) = await ReadAsync(compressed);

        Assert.Equal(Lines.Length, records.Count);
        var error = Assert.Single(errors);
        Assert.Equal(Lines.Length + 1, error.Line);
        Assert.StartsWith($"the gzip data is corrupt after line {Lines.Length} (the CRC-32 and size at the end of member 1 do not match", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_CorruptDeflateData_EndsWithOneCorruptDataRecord_InWordsAboutTheFile()
    {
        byte[] compressed = Compress(Text, CompressionKind.Gzip);
        for (int i = compressed.Length / 2; i < compressed.Length / 2 + 64; i++) compressed[i] = 0xFF;

        var (records, errors, _) = await ReadAsync(compressed);

        // Deflate may decode damaged bytes into wrong text before it finds them invalid, and gzip's CRC-32 is checked
        // only at the end of a member: lines after the damage are bad lines, and the last record says the data is corrupt.
        Assert.InRange(records.Count, 1, Lines.Length - 1);
        var last = errors[^1];
        Assert.Matches("^the gzip data is (truncated or )?corrupt after line ", last.Reason);
        Assert.Contains("may be damaged too", last.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(errors, e => e.Reason.Contains("compression method", StringComparison.Ordinal) || e.Reason.Contains("block", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Read_GzipHeaderWithAnUnknownMethod_IsOneBadRecordAtLine1()
    {
        byte[] compressed = Compress(Text, CompressionKind.Gzip);
        compressed[2] = 7;

        var (records, errors, _) = await ReadAsync(compressed);

        Assert.Empty(records);
        var error = Assert.Single(errors);
        Assert.Equal(1, error.Line);
        Assert.Equal("the gzip data is corrupt (member 1 names compression method 7; only deflate (8) exists): no line of the file can be read", error.Reason);
    }

    [Fact]
    public async Task Read_FailMode_ThrowsARecordFormatExceptionNamingFileAndLine()
    {
        byte[] compressed = Compress(Text, CompressionKind.Gzip);
        await using var reader = ItemFiles.OpenReader(new MemoryStream(compressed[..^20]), ItemFileFormat.DataPipeline, new ItemReaderOptions { SourceName = Source });

        var error = await Assert.ThrowsAsync<RecordFormatException>(async () =>
        {
            while (await reader.ReadAsync() is not null)
            {
            }
        });

        Assert.StartsWith($"{Source}:{reader.LinesRead + 1}: the gzip stream is truncated after line {reader.LinesRead} (", error.Message, StringComparison.Ordinal);
        Assert.True(reader.LinesRead > 4000);
    }

    [Fact]
    public async Task Read_CutLineThatWouldParse_IsStillABadRecord()
    {
        // A legacy line cut after its first attribute is a valid item missing the rest: it must not be written.
        byte[] text = Encoding.UTF8.GetBytes("id\u0003{\"s\":\"one\"}\u0002n\u0003{\"n\":\"1\"}\nid\u0003{\"s\":\"two\"}");
        var stream = new DamagedAfterStream(text);

        var errors = new List<RecordError>();
        await using var reader = ItemFiles.OpenReader(stream, ItemFileFormat.DataPipeline, new ItemReaderOptions { SourceName = "part-1.json", BadRecords = BadRecordHandling.Skip, OnBadRecord = errors.Add });
        var first = await reader.ReadAsync();
        var second = await reader.ReadAsync();

        Assert.Equal("one", first!.Item["id"].S);
        Assert.Null(second);
        var error = Assert.Single(errors);
        Assert.Equal(2, error.Line);
        Assert.Equal("id\u0003{\"s\":\"two\"}", error.RawLine);
    }

    [Fact]
    public async Task Read_TruncatedGzipCsv_KeepsTheRowsBefore_AndNeverParsesTheCutRow()
    {
        string csv = "pk,n\n" + string.Concat(Enumerable.Range(1, 20000).Select(i => $"row-{i},{i}\n"));
        byte[] compressed = Compress(Encoding.UTF8.GetBytes(csv), CompressionKind.Gzip);
        var schema = CsvSchema.Parse("""{"columns":[{"name":"n","type":"N"}]}""");

        var (records, errors, _) = await ReadAsync(compressed[..^30], ItemFileFormat.Csv, "s3://bkt/rows.csv.gz", schema);

        Assert.InRange(records.Count, 1, 19999);
        for (int i = 0; i < records.Count; i++)
        {
            Assert.Equal($"row-{i + 1}", records[i].Item["pk"].S);
            Assert.Equal($"{i + 1}", records[i].Item["n"].N);
        }
        var error = Assert.Single(errors);
        Assert.Equal(records.Count + 2, error.Line); // the header is line 1
        Assert.StartsWith($"the gzip stream is truncated after line {records.Count + 1} (", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("s3://bkt/part.json.gz", "gzip")]
    [InlineData("/data/part.json.zst", "zstd")]
    public async Task Read_CompressedNameOnBinaryData_IsOneBadRecordForTheFile(string name, string kind)
    {
        byte[] binary = new byte[4000];
        new Random(7).NextBytes(binary);
        binary[0] = 0x42; // not a gzip or zstd magic by chance

        var (records, errors, _) = await ReadAsync(binary, source: name);

        Assert.Empty(records);
        var error = Assert.Single(errors);
        Assert.Equal(1, error.Line);
        Assert.StartsWith($"the file's name says {kind} but its bytes are neither {kind} data nor text (it starts with the bytes 42 ", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_GzNameOnPlainText_ReadsTheText()
    {
        // An object stored decompressed (or decompressed in transit) keeps its name: its lines are what it holds.
        var (records, errors, _) = await ReadAsync(Text, source: "s3://bkt/part.json.gz");

        Assert.Empty(errors);
        Assert.Equal(Lines.Length, records.Count);
    }

    [Fact]
    public async Task DetectFormatAsync_DamagedAfterItsFirstLines_DetectsFromThem()
    {
        byte[] compressed = Compress(Text, CompressionKind.Gzip);

        var detection = await ItemFiles.DetectFormatAsync(new MemoryStream(compressed[..600]));

        Assert.Equal(ItemFileFormat.DataPipeline, detection.Format);
        Assert.Equal(CompressionKind.Gzip, detection.Compression);
    }

    [Fact]
    public async Task DetectFormatAsync_DamagedBeforeTheFirstLineEnds_ThrowsSayingWhy()
    {
        byte[] compressed = Compress(Text, CompressionKind.Gzip);
        compressed[2] = 7;

        var error = await Assert.ThrowsAsync<InvalidDataException>(async () => await ItemFiles.DetectFormatAsync(new MemoryStream(compressed)));

        Assert.StartsWith("the gzip data is corrupt (member 1 names compression method 7", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DetectFormatAsync_GzNameOnBinaryData_Throws_AndOnTextDetects()
    {
        byte[] binary = new byte[4000];
        new Random(3).NextBytes(binary);
        binary[0] = 0x42;

        await Assert.ThrowsAsync<InvalidDataException>(async () => await ItemFiles.DetectFormatAsync(new MemoryStream(binary), "part.gz", CancellationToken.None));
        Assert.Equal(ItemFileFormat.DataPipeline, (await ItemFiles.DetectFormatAsync(new MemoryStream(Text), "part.gz", CancellationToken.None)).Format);
    }

    /// <summary>Returns <paramref name="bytes"/> a few at a time, then fails as damaged compressed data does.</summary>
    private sealed class DamagedAfterStream(byte[] bytes) : DynamoDb.Connector.Formats.Streams.ReadOnlyStream
    {
        private int _position;

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position == bytes.Length) throw DamagedData.Exception("the gzip stream is truncated", "it ends inside member 1");
            int n = Math.Min(count, Math.Min(7, bytes.Length - _position));
            bytes.AsSpan(_position, n).CopyTo(buffer.AsSpan(offset));
            _position += n;
            return n;
        }
    }
}
