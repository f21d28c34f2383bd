using System.Text;
using DynamoDb.Connector.Import;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace DynamoDb.Connector.Tests.Import;

public class LineRangeStreamTests
{
    private static async Task<string> ReadRangeAsync(byte[] file, long start, long end, int chunk)
    {
        var inner = new ChunkedStream(file, LineRangeStream.InnerOffset(start), chunk);
        await using var range = new LineRangeStream(inner, start, end);
        using var copy = new MemoryStream();
        await range.CopyToAsync(copy);
        return Encoding.UTF8.GetString(copy.ToArray());
    }

    [Property(MaxTest = 300)]
    public Property AdjoiningRanges_ReadEveryLineExactlyOnce(NonEmptyArray<NonNegativeInt> lineLengths, PositiveInt rangeSize, PositiveInt chunk, bool finalNewline)
    {
        var text = new StringBuilder();
        for (int i = 0; i < lineLengths.Get.Length; i++)
        {
            text.Append(new string((char)('a' + i % 26), lineLengths.Get[i].Get % 40));
            if (i < lineLengths.Get.Length - 1 || finalNewline) text.Append('\n');
        }
        byte[] file = Encoding.UTF8.GetBytes(text.ToString());
        int size = 1 + rangeSize.Get % 50;
        var parts = new StringBuilder();
        for (long start = 0; start < file.Length; start += size)
        {
            parts.Append(ReadRangeAsync(file, start, Math.Min(file.Length, start + size), 1 + chunk.Get % 17).GetAwaiter().GetResult());
        }
        return (parts.ToString() == text.ToString()).Label($"ranges of {size} over {file.Length} bytes");
    }

    [Theory]
    [InlineData(0, 2, "ab\n")]        // the first range keeps the line that crosses its end
    [InlineData(3, 6, "cd\n")]        // a range starting exactly at a line start keeps that line
    [InlineData(4, 6, "")]            // a range starting inside a line skips it; the next line starts at 6 = end
    [InlineData(4, 7, "ef\n")]
    [InlineData(6, 9, "ef\n")]
    public async Task Range_KeepsLinesThatStartInsideIt(long start, long end, string expected)
    {
        byte[] file = Encoding.UTF8.GetBytes("ab\ncd\nef\n");
        Assert.Equal(expected, await ReadRangeAsync(file, start, end, 2));
    }

    /// <summary>A stream over part of a byte array that returns at most <c>chunk</c> bytes per read, like a network stream.</summary>
    private sealed class ChunkedStream(byte[] data, long offset, int chunk) : MemoryStream(data, (int)offset, data.Length - (int)offset)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }
}
