using System.Text;
using DynamoDb.Connector.Formats.Manifests;
using static DynamoDb.Connector.Formats.Tests.Csv.CsvTestKit;

namespace DynamoDb.Connector.Formats.Tests.Manifests;

public class ExportManifestTests
{
    private static async Task<ExportManifest> ReadAsync(string name)
    {
        await using var file = File.OpenRead(DataPath(name));
        return await ExportManifest.ReadAsync(file, name);
    }

    private static async Task<byte[]> BytesOfAsync(ExportManifest manifest)
    {
        var buffer = new MemoryStream();
        await manifest.WriteAsync(buffer);
        return buffer.ToArray();
    }

    [Fact]
    public async Task WriteAsync_FormatsExample_ReproducesItByteForByte()
    {
        var manifest = new ExportManifest(
        [
            new("s3://bkt/backup/2b1f0c0e-5d1a-4f9e-9a51-0e6f3c1d2a77.gz"),
            new("s3://bkt/backup/a7c3e9d4-1b2f-4c8a-b0d2-6f5e4a3b2c19.gz"),
        ]);
        Assert.Equal(await File.ReadAllBytesAsync(DataPath("Manifests/formats-example.manifest")), await BytesOfAsync(manifest));
    }

    [Fact]
    public async Task ReadAsync_FormatsExample_ReadsBothEntries()
    {
        var manifest = await ReadAsync("Manifests/formats-example.manifest");
        Assert.Equal(
            ["s3://bkt/backup/2b1f0c0e-5d1a-4f9e-9a51-0e6f3c1d2a77.gz", "s3://bkt/backup/a7c3e9d4-1b2f-4c8a-b0d2-6f5e4a3b2c19.gz"],
            manifest.Entries.Select(e => e.Url));
        Assert.All(manifest.Entries, e => Assert.True(e.Mandatory));
        Assert.All(manifest.Entries, e => Assert.Null(e.ItemCount));
    }

    [Fact]
    public async Task ZeroEntries_WriteAndRead_AsTheOriginalDoes()
    {
        Assert.Equal(await File.ReadAllBytesAsync(DataPath("Manifests/empty.manifest")), await BytesOfAsync(new ExportManifest([])));
        Assert.Empty((await ReadAsync("Manifests/empty.manifest")).Entries);
    }

    [Fact]
    public async Task ReadAsync_MissingEntries_IsZeroEntries() =>
        Assert.Empty((await ReadAsync("Manifests/no-entries.manifest")).Entries);

    [Fact]
    public async Task ReadAsync_Leniently_S3nUnknownFieldsMissingMandatoryAndVersionLast()
    {
        var manifest = await ReadAsync("Manifests/lenient.manifest");
        Assert.Equal(
            [new ExportManifestEntry("s3://old-bucket/backup/one.gz", Mandatory: false), new ExportManifestEntry("s3://old-bucket/backup/two.gz", Mandatory: true)],
            manifest.Entries);
    }

    [Fact]
    public async Task ReadAsync_Version2_IsUnknownVersionNamingTheFile()
    {
        var error = await Assert.ThrowsAsync<FormatException>(() => ReadAsync("Manifests/version2.manifest"));
        Assert.StartsWith("Manifests/version2.manifest: Unknown version: 2", error.Message);
    }

    [Theory]
    [InlineData("{\"entries\":[]}", "Unknown version: (missing)")]
    [InlineData("{\"version\":3,\"entries\":[{\"mandatory\":true}]}", "entry 1 has no \"url\"")]
    [InlineData("{\"version\":3,\"entries\":[", "not a valid export manifest")]
    [InlineData("{\"version\":\"three\"}", "not a valid export manifest")]
    public async Task ReadAsync_BadManifest_SaysWhy(string text, string expected)
    {
        var error = await Assert.ThrowsAsync<FormatException>(() => ExportManifest.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(text)), "s3://b/x/manifest"));
        Assert.StartsWith("s3://b/x/manifest: ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task ReadAsync_NotJson_NamesTheFileAndTheLine()
    {
        const string text = "{\"name\":\"DynamoDB-export\",\"version\":3,\n\"entries\": [\n{\"url\":\"s3://b/x/one.gz\",\"mandatory\":true},\n<html>oops</html>\n]}";
        var error = await Assert.ThrowsAsync<FormatException>(() => ExportManifest.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(text)), "s3://b/x/manifest"));
        Assert.StartsWith("s3://b/x/manifest: not a valid export manifest (line 4, column 1): ", error.Message);
    }

    [Fact]
    public async Task ExtraFields_RoundTripByteForByte()
    {
        var manifest = await ReadAsync("Manifests/extras.manifest");
        Assert.Equal(
            [
                new ExportManifestEntry("s3://bkt/backup/one.gz") { ItemCount = 100_000, Bytes = 5_242_880, Sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" },
                new ExportManifestEntry("s3://bkt/backup/two.gz") { ItemCount = 7 },
            ],
            manifest.Entries);
        Assert.Equal(await File.ReadAllBytesAsync(DataPath("Manifests/extras.manifest")), await BytesOfAsync(manifest));
    }

    [Fact]
    public void ToString_WritesS3nAsS3() =>
        Assert.Contains("{\"url\":\"s3://b/f.gz\",\"mandatory\":true}", new ExportManifest([new("s3n://b/f.gz")]).ToString());

    [Fact]
    public async Task ReadAsync_HundredThousandEntries_ReadsThemAll()
    {
        var entries = Enumerable.Range(0, 100_000).Select(i => new ExportManifestEntry($"s3://bkt/export/{i:D6}-{Guid.Empty}.gz") { ItemCount = i });
        var text = new MemoryStream();
        await new ExportManifest(entries).WriteAsync(text);
        text.Position = 0;

        var manifest = await ExportManifest.ReadAsync(text, "big");
        Assert.Equal(100_000, manifest.Entries.Count);
        Assert.Equal(99_999, manifest.Entries[^1].ItemCount);
    }

    [Theory]
    [InlineData("s3://new-bucket/copies/2024/manifest", "s3://new-bucket/copies/2024/")]
    [InlineData("file:///mnt/restore/manifest", "file:///mnt/restore/")]
    [InlineData("/mnt/restore/manifest", "/mnt/restore/")]
    public async Task RelativeTo_AfterABucketMove_PointsNextToTheManifest(string manifestUri, string directory)
    {
        var manifest = await ReadAsync("Manifests/extras.manifest");
        var moved = manifest.RelativeTo(manifestUri);
        Assert.Equal([directory + "one.gz", directory + "two.gz"], moved.Entries.Select(e => e.Url));
        Assert.Equal(manifest.Entries[0].Sha256, moved.Entries[0].Sha256); // extras travel with the entry
    }

    [Fact]
    public void RelativeTo_EntriesInSubfolders_KeepTheirPathUnderTheExportDirectory()
    {
        var manifest = new ExportManifest([new("s3://old/exp/run1/part-0/a.gz"), new("s3://old/exp/run1/part-1/b.gz")]);
        Assert.Equal(
            ["s3://new/x/part-0/a.gz", "s3://new/x/part-1/b.gz"],
            manifest.RelativeTo("s3://new/x/manifest").Entries.Select(e => e.Url));
    }

    [Fact]
    public void RelativeTo_EntriesAcrossBuckets_IsAnError()
    {
        var manifest = new ExportManifest([new("s3://one/a.gz"), new("s3://two/b.gz")]);
        Assert.Throws<FormatException>(() => manifest.RelativeTo("s3://new/manifest"));
    }
}
