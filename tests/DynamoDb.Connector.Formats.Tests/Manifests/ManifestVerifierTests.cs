using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using DynamoDb.Connector.Formats.Manifests;

namespace DynamoDb.Connector.Formats.Tests.Manifests;

public class ManifestVerifierTests
{
    private const string ExportKey = "exports/AWSDynamoDB/01234-abcd/";
    private readonly Dictionary<string, byte[]> _store = new();

    private Task<Stream> OpenAsync(string uri, CancellationToken cancellationToken) =>
        _store.TryGetValue(uri, out var bytes)
            ? Task.FromResult<Stream>(new MemoryStream(bytes, writable: false))
            : Task.FromException<Stream>(new FileNotFoundException($"no object at {uri}"));

    private static byte[] Gzip(string text)
    {
        var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }
        return buffer.ToArray();
    }

    private static string Lines(int count) =>
        string.Concat(Enumerable.Range(0, count).Select(i => $"{{\"Item\":{{\"pk\":{{\"S\":\"k{i}\"}}}}}}\n"));

    private static NativeExportSummary Summary(long? itemCount) => new()
    {
        S3Bucket = "bkt",
        ManifestFilesS3Key = ExportKey + "manifest-files.json",
        ItemCount = itemCount,
    };

    /// <summary>Stores a gzip data file and returns its manifest-files line as the export would write it.</summary>
    private NativeExportDataFile Put(string name, byte[] gzip, long itemCount)
    {
        _store[$"s3://bkt/{ExportKey}data/{name}"] = gzip;
        return new NativeExportDataFile(itemCount, Convert.ToBase64String(MD5.HashData(gzip)), "etag", $"{ExportKey}data/{name}");
    }

    [Fact]
    public async Task VerifyAsync_GoodNativeExport_Passes()
    {
        var files = new[] { Put("a.json.gz", Gzip(Lines(3)), 3), Put("b.json.gz", Gzip(Lines(5) + "\n\n"), 5), Put("empty.json.gz", Gzip(""), 0) };
        var result = await ManifestVerifier.VerifyAsync(Summary(8), files, null, OpenAsync, maxParallelism: 2);

        Assert.True(result.IsValid, string.Join("; ", result.Mismatches));
        Assert.Equal(8, result.TotalItems);
        Assert.Equal(_store.Values.Sum(v => v.Length), result.TotalBytes);
        Assert.Equal([3L, 5L, 0L], result.Files.Select(f => f.Items!.Value));
        Assert.Equal(files[0].Md5Checksum, result.Files[0].Md5);
    }

    [Fact]
    public async Task VerifyAsync_CorruptedFileAndWrongCount_ListsEveryMismatch()
    {
        var good = Put("good.json.gz", Gzip(Lines(2)), 2);
        var corrupted = Put("corrupt.json.gz", Gzip(Lines(4)), 4);
        var bytes = _store[$"s3://bkt/{ExportKey}data/corrupt.json.gz"];
        bytes[bytes.Length / 2] ^= 0xFF; // a flipped byte in the compressed body
        var miscounted = Put("miscounted.json.gz", Gzip(Lines(3)), 4); // the right MD5, the wrong count
        var missing = new NativeExportDataFile(1, "AAAAAAAAAAAAAAAAAAAAAA==", null, $"{ExportKey}data/missing.json.gz");

        var result = await ManifestVerifier.VerifyAsync(Summary(11), [good, corrupted, miscounted, missing], null, OpenAsync);

        Assert.False(result.IsValid);
        var checks = result.Mismatches.Select(m => (Path.GetFileName(m.File), m.Check)).ToList();
        Assert.Contains(("corrupt.json.gz", "md5"), checks);
        Assert.Contains(("miscounted.json.gz", "itemCount"), checks);
        Assert.Contains(("missing.json.gz", "open"), checks);
        // Plain words, not the exception's type name.
        Assert.Equal("the file does not exist", result.Mismatches.Single(m => m.Check == "open").Actual);
        Assert.Contains(("manifest-summary.json", "itemCount (total)"), checks);
        Assert.DoesNotContain(checks, c => c.Item1 == "good.json.gz");
        Assert.DoesNotContain(checks, c => c is ("miscounted.json.gz", "md5"));
        var count = result.Mismatches.Single(m => m.Check == "itemCount");
        Assert.Equal(("4", "3"), (count.Expected, count.Actual));
        Assert.Equal("11", result.Mismatches[^1].Expected);
    }

    [Fact]
    public async Task VerifyAsync_CopiedExport_ReadsFromTheActualFolder()
    {
        var file = Put("a.json.gz", Gzip(Lines(1)), 1);
        _store["s3://copy/here/data/a.json.gz"] = _store[$"s3://bkt/{ExportKey}data/a.json.gz"];
        _store.Remove($"s3://bkt/{ExportKey}data/a.json.gz");

        var result = await ManifestVerifier.VerifyAsync(Summary(1), [file], "s3://copy/here/", OpenAsync);
        Assert.True(result.IsValid, string.Join("; ", result.Mismatches));
        Assert.Equal("s3://copy/here/data/a.json.gz", result.Files[0].Uri);
    }

    [Fact]
    public async Task VerifyAsync_EmrManifestExtras_AreChecked()
    {
        byte[] gzip = Gzip(Lines(3));
        byte[] zstd = new ZstdSharp.Compressor().Wrap(Encoding.UTF8.GetBytes(Lines(2))).ToArray();
        byte[] plain = Encoding.UTF8.GetBytes(Lines(4).TrimEnd('\n')); // no newline after the last line
        _store["s3://b/e/one.gz"] = gzip;
        _store["s3://b/e/two.zst"] = zstd;
        _store["s3://b/e/three"] = plain;
        var manifest = new ExportManifest(
        [
            new("s3://b/e/one.gz") { ItemCount = 3, Bytes = gzip.Length, Sha256 = Convert.ToHexStringLower(SHA256.HashData(gzip)) },
            new("s3://b/e/two.zst") { ItemCount = 2, Sha256 = Convert.ToHexString(SHA256.HashData(zstd)) }, // upper-case hex is fine
            new("s3://b/e/three") { ItemCount = 4 },
            new("s3://b/e/no-extras.gz"),
        ]);
        _store["s3://b/e/no-extras.gz"] = Gzip("x\n");

        var good = await ManifestVerifier.VerifyAsync(manifest, OpenAsync);
        Assert.True(good.IsValid, string.Join("; ", good.Mismatches));
        Assert.Equal(10, good.TotalItems);

        var wrong = new ExportManifest(
        [
            manifest.Entries[0] with { Bytes = gzip.Length + 1 },
            manifest.Entries[1] with { Sha256 = new string('0', 64) },
            manifest.Entries[2] with { ItemCount = 5 },
        ]);
        var bad = await ManifestVerifier.VerifyAsync(wrong, OpenAsync);
        Assert.Equal(["bytes", "sha256", "itemCount"], bad.Mismatches.Select(m => m.Check));
        Assert.Equal($"s3://b/e/one.gz: bytes: expected {gzip.Length + 1}, found {gzip.Length}", bad.Mismatches[0].ToString());
    }

    [Fact]
    public async Task VerifyAsync_Cancelled_Throws()
    {
        var file = Put("a.json.gz", Gzip(Lines(1)), 1);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ManifestVerifier.VerifyAsync(Summary(1), [file], null, OpenAsync, cancellationToken: cancelled.Token));
    }
}
