using System.IO.Compression;
using System.Text;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.IntegrationTests.Cli;
using DynamoDb.Connector.IntegrationTests.Infrastructure;

namespace DynamoDb.Connector.IntegrationTests.Hostile;

/// <summary>
/// A folder where one file is damaged compressed data (truncated, corrupt, or named .gz without being gzip), through
/// the real import: that file is one bad record naming it, the line and the damage; its lines before the damage and
/// every other file land; exit code 3.
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed class DamagedCompressionTests(LocalServers servers) : IDisposable
{
    private const int ItemsPerFile = 3000;
    private readonly HostileRig _rig = new(servers);

    public void Dispose() => _rig.Dispose();

    private static byte[] Lines(string prefix, int count = ItemsPerFile) =>
        Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(1, count).Select(i => HostileRig.DataPipeline($"{prefix}-{i}", i, "\"pad\":{\"s\":\"" + new string('p', i % 50) + "\"}") + "\n")));

    private static byte[] Compress(byte[] data, CompressionKind kind)
    {
        var output = new MemoryStream();
        using (var stream = StreamCompression.OpenWrite(output, kind, CompressionLevel.Optimal, leaveOpen: true))
        {
            stream.Write(data);
        }
        return output.ToArray();
    }

    /// <summary>A folder of a good gzip file, a good zstd file and a plain one, plus <paramref name="damaged"/> under <paramref name="name"/>.</summary>
    private string WriteFolder(string name, byte[] damaged)
    {
        string folder = _rig.Temp.Combine("source");
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "good-1.json.gz"), Compress(Lines("g"), CompressionKind.Gzip));
        File.WriteAllBytes(Path.Combine(folder, "good-2.json.zst"), Compress(Lines("z"), CompressionKind.Zstd));
        File.WriteAllBytes(Path.Combine(folder, "good-3.json"), Lines("p"));
        File.WriteAllBytes(Path.Combine(folder, name), damaged);
        return folder;
    }

    private async Task AssertGoodFilesLandedAsync(string table, int linesOfTheDamagedFile)
    {
        var keys = (await _rig.ScanAsync(table)).Select(i => i["pk"].S).ToHashSet(StringComparer.Ordinal);
        foreach (var prefix in new[] { "g", "z", "p" })
        {
            Assert.All(Enumerable.Range(1, ItemsPerFile), i => Assert.Contains($"{prefix}-{i}", keys));
        }
        Assert.All(Enumerable.Range(1, linesOfTheDamagedFile), i => Assert.Contains($"d-{i}", keys));
        Assert.Equal(3 * ItemsPerFile + linesOfTheDamagedFile, keys.Count);
    }

    [Theory]
    [InlineData("a-cut.json.gz", CompressionKind.Gzip, "the gzip stream is truncated after line ")]
    [InlineData("a-cut.json.zst", CompressionKind.Zstd, "the zstd stream is truncated after line ")]
    public async Task Import_TruncatedFileInAFolder_KeepsItsLinesBeforeTheCut_AndEveryOtherFile_AndExitsWith3(string name, CompressionKind kind, string reason)
    {
        // Large enough for zstd's 128 KB blocks: a cut decodes nothing of the block it falls in.
        byte[] compressed = Compress(Lines("d", 20_000), kind);
        string folder = WriteFolder(name, compressed[..(compressed.Length * 3 / 4)]);
        string table = await _rig.CreateTableAsync();

        var run = await _rig.ImportAsync(folder, table);

        Assert.True(run.ExitCode == 3, run.ToString());
        string file = Path.Combine(folder, name);
        var match = System.Text.RegularExpressions.Regex.Match(run.Stderr, $@"{System.Text.RegularExpressions.Regex.Escape(file)}:(\d+): {reason}(\d+) \(");
        Assert.True(match.Success, run.ToString());
        int linesBefore = int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(linesBefore + 1, int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(linesBefore, 1, 19_999);
        Assert.DoesNotContain("Premature end of stream", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, run.Json().GetProperty("badLines").GetInt64());
        await AssertGoodFilesLandedAsync(table, linesBefore);
    }

    [Fact]
    public async Task Import_GzipWithAnUnknownCompressionMethod_FirstInTheFolder_IsOneBadRecord_AndTheOtherFilesLand()
    {
        byte[] compressed = Compress(Lines("d"), CompressionKind.Gzip);
        compressed[2] = 7; // what the issue met as "unsupported compression method"
        string folder = WriteFolder("a-method.json.gz", compressed);
        string table = await _rig.CreateTableAsync();

        var run = await _rig.ImportAsync(folder, table);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains($"{Path.Combine(folder, "a-method.json.gz")}:1: the gzip data is corrupt (member 1 names compression method 7; only deflate (8) exists): no line of the file can be read", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("unsupported compression method", run.Stderr, StringComparison.Ordinal);
        await AssertGoodFilesLandedAsync(table, 0);
    }

    [Fact]
    public async Task Import_GzNameOnBinaryData_IsOneBadRecordNamingTheFile_AndTheOtherFilesLand()
    {
        byte[] binary = new byte[20_000];
        new Random(11).NextBytes(binary);
        binary[0] = 0x42;
        string folder = WriteFolder("a-binary.json.gz", binary);
        string table = await _rig.CreateTableAsync();

        var run = await _rig.ImportAsync(folder, table);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains($"{Path.Combine(folder, "a-binary.json.gz")}:1: the file's name says gzip but its bytes are neither gzip data nor text (it starts with the bytes 42 ", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, run.Json().GetProperty("badLines").GetInt64());
        await AssertGoodFilesLandedAsync(table, 0);
    }

    [Fact]
    public async Task Import_GzNameOnPlainText_ReadsItsLines_AndExitsWith0()
    {
        // Stored decompressed (or decompressed in transit) under its old name: compression is told by the bytes.
        string folder = WriteFolder("a-plain.json.gz", Lines("d"));
        string table = await _rig.CreateTableAsync();

        var run = await _rig.ImportAsync(folder, table);

        Assert.True(run.ExitCode == 0, run.ToString());
        await AssertGoodFilesLandedAsync(table, ItemsPerFile);
    }

    [Fact]
    public async Task Estimate_TruncatedFile_CountsOneBadRecord_AndEveryOtherLine()
    {
        byte[] compressed = Compress(Lines("d"), CompressionKind.Gzip);
        string folder = WriteFolder("a-cut.json.gz", compressed[..(compressed.Length / 2)]);

        var run = await CliRunner.RunAsync("estimate", "--source", folder, "--json");

        Assert.True(run.ExitCode == 3, run.ToString());
        var summary = run.Json();
        Assert.Equal(1, summary.GetProperty("errors").GetInt64());
        Assert.InRange(summary.GetProperty("items").GetInt64(), 3 * ItemsPerFile + 1, 4 * ItemsPerFile - 1);
        Assert.Contains($"{Path.Combine(folder, "a-cut.json.gz")}:", run.Stderr, StringComparison.Ordinal);
    }
}
