using System.Security.Cryptography;
using System.Text;
using DynamoDb.Connector.Formats.Manifests;

namespace DynamoDb.Connector.Formats.Tests.Manifests;

/// <summary><c>--verify</c> of a native export checks <c>manifest-summary.md5</c>, <c>manifest-files.md5</c> and <c>.checksum</c> where they exist.</summary>
public class ManifestChecksumTests
{
    private const string Folder = "s3://bkt/exports/AWSDynamoDB/01234-abcd/";
    private static readonly byte[] SummaryJson = """{"version":"2020-06-30","itemCount":0,"manifestFilesS3Key":"exports/AWSDynamoDB/01234-abcd/manifest-files.json"}"""u8.ToArray();
    private static readonly byte[] FilesJson = [];
    private readonly Dictionary<string, byte[]> _store = new() { [Folder + "manifest-summary.json"] = SummaryJson, [Folder + "manifest-files.json"] = FilesJson };

    private Task<Stream> OpenAsync(string uri, CancellationToken cancellationToken) =>
        _store.TryGetValue(uri, out var bytes)
            ? Task.FromResult<Stream>(new MemoryStream(bytes, writable: false))
            : Task.FromException<Stream>(new FileNotFoundException($"no object at {uri}"));

    private static NativeExportSummary Summary => new() { ManifestFilesS3Key = "exports/AWSDynamoDB/01234-abcd/manifest-files.json", ItemCount = 0 };

    private Task<ManifestVerification> VerifyAsync() => ManifestVerifier.VerifyAsync(Summary, [], Folder, OpenAsync);

    [Fact]
    public async Task Verify_RightChecksumsInHexAndBase64_MD5AndSha256_Pass_AndAbsentOnesAreNoProblem()
    {
        Assert.True((await VerifyAsync()).IsValid);

        _store[Folder + "manifest-summary.md5"] = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(MD5.HashData(SummaryJson)) + "\n");
        _store[Folder + "manifest-summary.checksum"] = Encoding.ASCII.GetBytes(Convert.ToBase64String(SHA256.HashData(SummaryJson)));
        _store[Folder + "manifest-files.md5"] = Encoding.ASCII.GetBytes(Convert.ToBase64String(MD5.HashData(FilesJson)));
        var result = await VerifyAsync();

        Assert.True(result.IsValid, string.Join("; ", result.Mismatches));
    }

    [Fact]
    public async Task Verify_AWrongMd5File_IsAMismatchNamingTheManifestAndTheChecksumFile()
    {
        _store[Folder + "manifest-files.md5"] = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(MD5.HashData("other"u8.ToArray())));

        var mismatch = Assert.Single((await VerifyAsync()).Mismatches);

        Assert.Equal(Folder + "manifest-files.json", mismatch.File);
        Assert.Equal("manifest-files.md5", mismatch.Check);
        Assert.Contains("MD5 of the file", mismatch.Actual, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_AChecksumFileThatHoldsNoHash_IsAMismatch_NotAGuess()
    {
        _store[Folder + "manifest-summary.checksum"] = "not a hash"u8.ToArray();

        var mismatch = Assert.Single((await VerifyAsync()).Mismatches);

        Assert.Equal("manifest-summary.checksum", mismatch.Check);
        Assert.Contains("MD5 or SHA-256", mismatch.Expected, StringComparison.Ordinal);
    }
}

public class NativeExportStrictnessTests
{
    [Fact]
    public async Task ReadSummaryAsync_UnknownOutputView_IsRefused()
    {
        var error = await Assert.ThrowsAsync<FormatException>(() => NativeExport.ReadSummaryAsync(
            new MemoryStream("""{"version":"2023-08-01","exportType":"INCREMENTAL_EXPORT","outputView":"OLD_IMAGE"}"""u8.ToArray()), "manifest-summary.json"));

        Assert.Contains("outputView is 'OLD_IMAGE'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"Keys":{"pk":{"S":"a"}},"NewImage":{"pk":{"S":"b"},"v":{"N":"1"}}}""", "disagree on the key attribute 'pk'")]
    [InlineData("""{"Keys":{"pk":{"S":"a"},"sk":{"N":"1"}},"NewImage":{"pk":{"S":"a"}}}""", "'sk', which \"NewImage\" lacks")]
    public async Task IncrementalLine_KeysThatDoNotMatchNewImage_IsABadRecord(string line, string reason)
    {
        var errors = new List<DynamoDb.Connector.Formats.Lines.RecordError>();
        var options = new DynamoDb.Connector.Formats.Lines.ItemReaderOptions { BadRecords = DynamoDb.Connector.Formats.Lines.BadRecordHandling.Skip, OnBadRecord = errors.Add };
        await using var reader = DynamoDb.Connector.Formats.Lines.ItemFiles.OpenReader(new MemoryStream(Encoding.UTF8.GetBytes(line + "\n" + """{"Keys":{"pk":{"S":"a"}},"NewImage":{"pk":{"S":"a"},"v":{"N":"1.0"}}}""")), DynamoDb.Connector.Formats.Lines.ItemFileFormat.DynamoDbJsonIncremental, options);

        var good = await reader.ReadAsync();

        Assert.Equal(2, good!.Line);
        Assert.Contains(reason, Assert.Single(errors).Reason, StringComparison.Ordinal);
    }
}
