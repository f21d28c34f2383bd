using System.Text;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Formats.Tests.Lines;

public class LineReaderTests
{
    private static async Task<List<(long Number, string Text)>> ReadLinesAsync(Stream stream, int maxLineBytes = 1024 * 1024, List<(long, long)>? tooLong = null)
    {
        using var reader = new LineReader(stream, maxLineBytes);
        var lines = new List<(long, string)>();
        while (true)
        {
            switch (reader.TryRead())
            {
                case LineStatus.Line:
                    lines.Add((reader.LineNumber, Encoding.UTF8.GetString(reader.Line)));
                    break;
                case LineStatus.TooLong:
                    tooLong?.Add((reader.LineNumber, reader.OversizeLength));
                    break;
                case LineStatus.NeedMore:
                    await reader.FillAsync(CancellationToken.None);
                    break;
                default:
                    return lines;
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(4096)]
    public async Task TryRead_AnyReadSizes_SplitsOnLfCrLfAndLoneCrAndSkipsEmptyLines(int chunk)
    {
        byte[] data = Encoding.UTF8.GetBytes("\uFEFFone\ntwo\r\nthree\rfour\n\n\r\n\rfive\r\n\r\nsix");

        var lines = await ReadLinesAsync(new TrickleStream(data, chunk));

        Assert.Equal([(1L, "one"), (2, "two"), (3, "three"), (4, "four"), (8, "five"), (10, "six")], lines);
    }

    [Fact]
    public async Task BytesConsumed_AfterTheLastLine_IsTheWholeInputIncludingTheByteOrderMark()
    {
        byte[] data = Encoding.UTF8.GetBytes("\uFEFFab\r\ncd\r\n");
        using var reader = new LineReader(new MemoryStream(data), 1024);

        var statuses = new List<LineStatus>();
        LineStatus status;
        while ((status = reader.TryRead()) != LineStatus.End)
        {
            if (status == LineStatus.NeedMore) await reader.FillAsync(CancellationToken.None);
            else statuses.Add(status);
        }

        Assert.Equal(2, statuses.Count);
        Assert.Equal(data.Length, reader.BytesConsumed);
        Assert.Equal(2, reader.LineNumber);
    }

    [Fact]
    public async Task TryRead_ByteOrderMarkNotAtTheStart_IsKeptInTheLine()
    {
        var lines = await ReadLinesAsync(new MemoryStream(Encoding.UTF8.GetBytes("a\n\uFEFFb\n")));

        Assert.Equal("\uFEFFb", lines[1].Text);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(65536)]
    public async Task TryRead_OversizeLines_AreSkippedWithTheirLengthAndTheRestIsRead(int chunk)
    {
        string big = new('x', 200_000);
        byte[] data = Encoding.UTF8.GetBytes($"a\n{big}\r\nb\n{new string('y', 1025)}\nc\n{big}");
        var tooLong = new List<(long, long)>();

        var lines = await ReadLinesAsync(new TrickleStream(data, chunk), 1024, tooLong);

        Assert.Equal([(1L, "a"), (3, "b"), (5, "c")], lines);
        Assert.Equal([(2L, 200_000L), (4, 1025), (6, 200_000)], tooLong);
    }

    [Fact]
    public async Task TryRead_ManyLinesAcrossBufferBoundaries_ReturnsEachIntact()
    {
        var expected = Enumerable.Range(1, 20_000).Select(i => $"line {i} {new string('z', i % 300)}").ToList();
        byte[] data = Encoding.UTF8.GetBytes(string.Join("\n", expected) + "\n");

        var lines = await ReadLinesAsync(new TrickleStream(data, 10_007));

        Assert.Equal(expected, lines.Select(l => l.Text));
        Assert.Equal(Enumerable.Range(1, 20_000).Select(i => (long)i), lines.Select(l => l.Number));
    }

    [Fact]
    public async Task TryRead_EmptyInput_EndsAtOnce()
    {
        Assert.Empty(await ReadLinesAsync(new MemoryStream()));
        Assert.Empty(await ReadLinesAsync(new MemoryStream([0xEF, 0xBB, 0xBF])));
        Assert.Empty(await ReadLinesAsync(new MemoryStream("\n\r\n\r"u8.ToArray())));
    }
}
