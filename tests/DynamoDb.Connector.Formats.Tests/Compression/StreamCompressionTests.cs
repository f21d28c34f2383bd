using System.IO.Compression;
using System.Text;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Tests.Lines;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace DynamoDb.Connector.Formats.Tests.Compression;

public class StreamCompressionTests
{
    private static readonly byte[] Text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 5000).Select(i => $"{{\"id\":{{\"s\":\"item-{i}\"}}}}\n")));

    private static byte[] Compress(byte[] data, CompressionKind kind, CompressionLevel level = CompressionLevel.Optimal)
    {
        var output = new MemoryStream();
        using (var stream = StreamCompression.OpenWrite(output, kind, level, leaveOpen: true))
        {
            stream.Write(data);
        }
        return output.ToArray();
    }

    private static byte[] GzipWithDotNet(byte[] data)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }
        return output.ToArray();
    }

    private static async Task<byte[]> DecompressAsync(Stream source)
    {
        await using var stream = StreamCompression.OpenRead(source);
        var output = new MemoryStream();
        await stream.CopyToAsync(output);
        return output.ToArray();
    }

    private static byte[] DecompressSync(Stream source)
    {
        using var stream = StreamCompression.OpenRead(source);
        var output = new MemoryStream();
        stream.CopyTo(output);
        return output.ToArray();
    }

    [Theory]
    [InlineData(new byte[] { 0x1F, 0x8B, 0x08, 0x00 }, CompressionKind.Gzip)]
    [InlineData(new byte[] { 0x1F, 0x8B }, CompressionKind.Gzip)]
    [InlineData(new byte[] { 0x28, 0xB5, 0x2F, 0xFD, 0x00 }, CompressionKind.Zstd)]
    [InlineData(new byte[] { 0x28, 0xB5, 0x2F }, CompressionKind.None)]
    [InlineData(new byte[] { (byte)'{', (byte)'"' }, CompressionKind.None)]
    [InlineData(new byte[] { 0x1F }, CompressionKind.None)]
    [InlineData(new byte[0], CompressionKind.None)]
    public void Detect_MagicBytes_GivesTheCompression(byte[] start, CompressionKind expected)
    {
        Assert.Equal(expected, StreamCompression.Detect(start));
    }

    [Theory]
    [InlineData("s3://bkt/export/2b1f0c0e.gz", CompressionKind.Gzip)]
    [InlineData("data/part.json.GZ", CompressionKind.Gzip)]
    [InlineData("part.gzip", CompressionKind.Gzip)]
    [InlineData("part.json.zst", CompressionKind.Zstd)]
    [InlineData("part.zstd", CompressionKind.Zstd)]
    [InlineData("s3://bkt/export/2b1f0c0e", CompressionKind.None)]
    [InlineData("manifest", CompressionKind.None)]
    [InlineData(null, CompressionKind.None)]
    public void FromFileName_Suffix_GivesTheCompression(string? name, CompressionKind expected)
    {
        Assert.Equal(expected, StreamCompression.FromFileName(name));
        if (name is not null && expected != CompressionKind.None)
        {
            Assert.Equal(expected, StreamCompression.FromFileName("x" + StreamCompression.FileExtension(expected)));
        }
    }

    [Theory]
    [InlineData("gzip", CompressionKind.Gzip)]
    [InlineData("GZ", CompressionKind.Gzip)]
    [InlineData("zstd", CompressionKind.Zstd)]
    [InlineData("none", CompressionKind.None)]
    public void CompressionKindNames_Parse_AcceptsNamesAndSuffixes(string name, CompressionKind expected)
    {
        Assert.Equal(expected, CompressionKindNames.Parse(name));
        Assert.Equal(expected, CompressionKindNames.Parse(expected.ToName()));
    }

    [Fact]
    public void CompressionKindNames_UnknownName_ThrowsListingTheValidOnes()
    {
        var error = Assert.Throws<FormatException>(() => CompressionKindNames.Parse("lz4"));
        Assert.Contains("none, gzip, zstd", error.Message);
    }

    [Theory]
    [InlineData(CompressionKind.None)]
    [InlineData(CompressionKind.Gzip)]
    [InlineData(CompressionKind.Zstd)]
    public async Task OpenRead_NonSeekableTrickleStream_DetectsWithoutLosingTheMagicBytes(CompressionKind kind)
    {
        byte[] compressed = Compress(Text, kind);

        Assert.Equal(Text, await DecompressAsync(new TrickleStream(compressed, 1)));
        Assert.Equal(Text, DecompressSync(new TrickleStream(compressed, 3)));
    }

    [Fact]
    public async Task OpenRead_ConcatenatedGzipMembers_ReadsThemAll()
    {
        byte[] first = Text[..1000], second = Text[1000..], empty = [];
        byte[] concatenated = [.. GzipWithDotNet(first), .. GzipWithDotNet(empty), .. Compress(second, CompressionKind.Gzip)];

        Assert.Equal(Text, await DecompressAsync(new MemoryStream(concatenated)));
        Assert.Equal(Text, await DecompressAsync(new TrickleStream(concatenated, 5)));
    }

    [Fact]
    public async Task OpenRead_ManySmallGzipMembers_ReadsThemAll()
    {
        var blocks = Text.Chunk(333).ToList();
        byte[] concatenated = [.. blocks.SelectMany(GzipWithDotNet)];

        Assert.Equal(Text, await DecompressAsync(new TrickleStream(concatenated, 4096)));
    }

    [Fact]
    public async Task OpenRead_GzipFromTheGzipToolWithAFileName_Reads()
    {
        byte[] compressed = ItemFilesTestKit.ReadTestData("all-types.data-pipeline.json.gz");
        Assert.Equal(0x08, compressed[3] & 0x08); // FNAME is set: the header parser must skip it

        Assert.Equal(ItemFilesTestKit.ReadTestData("all-types.data-pipeline.json"), await DecompressAsync(new MemoryStream(compressed)));
    }

    [Fact]
    public async Task OpenRead_ConcatenatedZstdFrames_ReadsThemAll()
    {
        byte[] concatenated = [.. Compress(Text[..777], CompressionKind.Zstd), .. Compress(Text[777..], CompressionKind.Zstd)];

        Assert.Equal(Text, await DecompressAsync(new TrickleStream(concatenated, 100)));
    }

    public static TheoryData<int> TruncationPoints() => [1, 4, 8, 9, 100, 2000];

    [Theory]
    [MemberData(nameof(TruncationPoints))]
    public async Task OpenRead_TruncatedGzip_ThrowsInsteadOfReturningLessData(int bytesCut)
    {
        byte[] compressed = Compress(Text, CompressionKind.Gzip);
        byte[] truncated = compressed[..^bytesCut];

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync(new MemoryStream(truncated)));
        Assert.Contains("truncated", error.Message);
        Assert.Throws<InvalidDataException>(() => DecompressSync(new MemoryStream(truncated)));
    }

    [Fact]
    public async Task OpenRead_TruncatedSecondGzipMember_Throws()
    {
        byte[] second = GzipWithDotNet(Text);
        byte[] data = [.. GzipWithDotNet(Text), .. second[..(second.Length / 2)]];

        await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync(new MemoryStream(data)));
    }

    [Fact]
    public async Task OpenRead_GzipHeaderOnly_Throws()
    {
        byte[] compressed = Compress(Text, CompressionKind.Gzip);

        await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync(new MemoryStream(compressed[..6])));
    }

    [Fact]
    public async Task OpenRead_GzipWithAWrongCrc_Throws()
    {
        byte[] compressed = Compress(Text, CompressionKind.Gzip);
        compressed[^8] ^= 0xFF;

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync(new MemoryStream(compressed)));
        Assert.StartsWith("the gzip data is corrupt (the CRC-32 and size at the end of member 1 do not match", error.Message);
    }

    [Fact]
    public async Task OpenRead_GzipFollowedByZeroPadding_Reads()
    {
        byte[] padded = [.. Compress(Text, CompressionKind.Gzip), .. new byte[1000]];

        Assert.Equal(Text, await DecompressAsync(new MemoryStream(padded)));
    }

    [Fact]
    public async Task OpenRead_GzipFollowedByGarbage_Throws()
    {
        byte[] data = [.. Compress(Text, CompressionKind.Gzip), .. "garbage"u8.ToArray()];

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync(new MemoryStream(data)));
        Assert.Contains("after member 1", error.Message);
    }

    [Fact]
    public async Task OpenRead_TruncatedZstd_ThrowsInvalidDataSayingSo()
    {
        byte[] compressed = Compress(Text, CompressionKind.Zstd);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => DecompressAsync(new MemoryStream(compressed[..^10])));
        Assert.StartsWith("the zstd stream is truncated (it ends inside a frame", error.Message);
        Assert.Throws<InvalidDataException>(() => DecompressSync(new MemoryStream(compressed[..^10])));
    }

    [Fact]
    public async Task OpenRead_EmptyStream_IsEmpty()
    {
        Assert.Empty(await DecompressAsync(new MemoryStream()));
    }

    [Fact]
    public async Task OpenRead_LeaveOpen_DisposesTheSourceOnlyWhenNotAsked()
    {
        var kept = new MemoryStream(Compress(Text, CompressionKind.Gzip));
        await using (var stream = StreamCompression.OpenRead(kept, leaveOpen: true))
        {
            await stream.CopyToAsync(Stream.Null);
        }
        Assert.True(kept.CanRead);

        var owned = new MemoryStream(Compress(Text, CompressionKind.Gzip));
        await using (var stream = StreamCompression.OpenRead(owned))
        {
            await stream.CopyToAsync(Stream.Null);
        }
        Assert.False(owned.CanRead);
    }

    [Property(MaxTest = 60)]
    public Property CompressThenRead_AnyBytesAnyKindAnyLevel_GivesTheBytesBack()
    {
        var kinds = Gen.Elements(CompressionKind.None, CompressionKind.Gzip, CompressionKind.Zstd);
        var levels = Gen.Elements(CompressionLevel.Optimal, CompressionLevel.Fastest, CompressionLevel.SmallestSize, CompressionLevel.NoCompression);
        var data = Gen.OneOf(
            ArbMap.Default.GeneratorFor<byte[]>(),
            Gen.Choose(0, 200_000).Select(n => Text.AsSpan(0, Math.Min(n, Text.Length)).ToArray()));
        var chunks = Gen.Choose(1, 70_000);
        return Prop.ForAll(
            Gen.Zip(Gen.Zip(kinds, levels), Gen.Zip(data, chunks)).ToArbitrary(),
            input =>
            {
                var ((kind, level), (bytes, chunk)) = input;
                byte[] compressed = Compress(bytes, kind, level);
                return DecompressAsync(new TrickleStream(compressed, chunk)).GetAwaiter().GetResult().AsSpan().SequenceEqual(bytes);
            });
    }
}
