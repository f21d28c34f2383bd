using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using DynamoDb.Connector.Formats.Manifests;

namespace DynamoDb.Connector.Benchmarks.Manifests;

/// <summary>
/// Verifying one gzip data file of 100,000 export lines (MD5 of the stored bytes + item count). Baseline: read the
/// file into memory, hash it, then decompress it into a string and count lines, the two-pass way.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class VerifyBenchmarks
{
    private byte[] _gzip = [];
    private NativeExportDataFile[] _files = [];
    private readonly NativeExportSummary _summary = new() { S3Bucket = "b", ManifestFilesS3Key = "x/manifest-files.json", ItemCount = 100_000 };

    [GlobalSetup]
    public void Setup()
    {
        var lines = new StringBuilder();
        for (int i = 0; i < 100_000; i++)
        {
            lines.Append("{\"Item\":{\"pk\":{\"S\":\"user#").Append(i).Append("\"},\"n\":{\"N\":\"").Append(i).Append("\"}}}\n");
        }
        var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
        {
            gzip.Write(Encoding.UTF8.GetBytes(lines.ToString()));
        }
        _gzip = buffer.ToArray();
        _files = [new NativeExportDataFile(100_000, Convert.ToBase64String(MD5.HashData(_gzip)), null, "x/data/a.json.gz")];
    }

    [Benchmark(Baseline = true)]
    public long TwoPassInMemory()
    {
        var stored = new MemoryStream();
        new MemoryStream(_gzip).CopyTo(stored);
        byte[] bytes = stored.ToArray();
        string md5 = Convert.ToBase64String(MD5.HashData(bytes));
        using var reader = new StreamReader(new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress));
        string text = reader.ReadToEnd();
        long lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        return md5 == _files[0].Md5Checksum ? lines : -1;
    }

    [Benchmark]
    public async Task<long> ManifestVerifierTee()
    {
        var result = await ManifestVerifier.VerifyAsync(_summary, _files, null, (_, _) => Task.FromResult<Stream>(new MemoryStream(_gzip)));
        return result.IsValid ? result.TotalItems : -1;
    }
}
