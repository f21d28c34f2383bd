using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Manifests;
using static DynamoDb.Connector.Formats.Tests.Csv.CsvTestKit;

namespace DynamoDb.Connector.Formats.Tests.Manifests;

public class NativeExportTests
{
    internal static async Task<NativeExportSummary> SummaryAsync(string folder)
    {
        await using var file = File.OpenRead(DataPath($"Manifests/{folder}/manifest-summary.json"));
        return await NativeExport.ReadSummaryAsync(file, "manifest-summary.json");
    }

    private static async Task<(List<NativeExportDataFile> Files, List<RecordError> Errors)> FilesAsync(string folder, BadRecordHandling handling)
    {
        var errors = new List<RecordError>();
        var files = new List<NativeExportDataFile>();
        await using var file = File.OpenRead(DataPath($"Manifests/{folder}/manifest-files.json"));
        await foreach (var dataFile in NativeExport.ReadFilesAsync(file, "manifest-files.json", handling, errors.Add))
        {
            files.Add(dataFile);
        }
        return (files, errors);
    }

    [Fact]
    public async Task ReadSummaryAsync_FullExport_ReadsEveryField()
    {
        var summary = await SummaryAsync("native-full");
        Assert.Equal(NativeExportSummary.FullExportVersion, summary.Version);
        Assert.False(summary.IsIncremental);
        Assert.Equal("arn:aws:dynamodb:us-east-1:123456789012:table/ProductCatalog/export/01234567890123-a1b2c3d4", summary.ExportArn);
        Assert.Equal(new DateTimeOffset(2020, 11, 4, 7, 28, 34, 28, TimeSpan.Zero), summary.StartTime);
        Assert.Equal(new DateTimeOffset(2020, 11, 4, 7, 33, 43, 897, TimeSpan.Zero), summary.EndTime);
        Assert.Equal(summary.StartTime, summary.ExportTime);
        Assert.Equal("arn:aws:dynamodb:us-east-1:123456789012:table/ProductCatalog", summary.TableArn);
        Assert.Equal("12345a12-abcd-123a-ab12-1234abc12345", summary.TableId);
        Assert.Equal("ddb-productcatalog-export", summary.S3Bucket);
        Assert.Equal("2020-Nov", summary.S3Prefix);
        Assert.Equal("AES256", summary.S3SseAlgorithm);
        Assert.Null(summary.S3SseKmsKeyId);
        Assert.Equal("2020-Nov/AWSDynamoDB/01234567890123-a1b2c3d4/manifest-files.json", summary.ManifestFilesS3Key);
        Assert.Equal(0, summary.BilledSizeBytes);
        Assert.Equal(8, summary.ItemCount);
        Assert.Equal("DYNAMODB_JSON", summary.OutputFormat);
        Assert.Null(summary.ExportFromTime);
    }

    [Fact]
    public async Task ReadSummaryAsync_IncrementalExport_ReadsItsWindowAndView()
    {
        var summary = await SummaryAsync("native-incremental");
        Assert.True(summary.IsIncremental);
        Assert.Equal(NativeExportSummary.IncrementalExportVersion, summary.Version);
        Assert.Equal(new DateTimeOffset(2023, 9, 21, 0, 0, 0, TimeSpan.Zero), summary.ExportFromTime);
        Assert.Equal(new DateTimeOffset(2023, 9, 22, 0, 0, 0, TimeSpan.Zero), summary.ExportToTime);
        Assert.Equal("NEW_AND_OLD_IMAGES", summary.OutputView);
        Assert.Equal("INCREMENTAL_EXPORT", summary.ExportType);
        Assert.Equal("KMS", summary.S3SseAlgorithm);
        Assert.Equal(1024, summary.BilledSizeBytes);
    }

    [Fact]
    public async Task ReadSummaryAsync_WrongFieldType_NamesTheFileAndField()
    {
        var error = await Assert.ThrowsAsync<FormatException>(() =>
            NativeExport.ReadSummaryAsync(new MemoryStream("{\"itemCount\":\"lots\"}"u8.ToArray()), "s3://b/AWSDynamoDB/x/manifest-summary.json"));
        Assert.StartsWith("s3://b/AWSDynamoDB/x/manifest-summary.json: not a valid export summary", error.Message);
        Assert.Contains("itemCount", error.Message);
    }

    [Fact]
    public async Task ReadFilesAsync_GoodLines_SkipsEmptyLinesAndKeepsLineNumbers()
    {
        var (files, errors) = await FilesAsync("native-full", BadRecordHandling.Fail);
        Assert.Empty(errors);
        Assert.Equal([3L, 5L, 0L], files.Select(f => f.ItemCount));
        Assert.Equal([1L, 2L, 4L], files.Select(f => f.Line));
        Assert.Equal("Kg6SWz0I4l3Z8v4Zx7Qx3w==", files[1].Md5Checksum);
        Assert.Equal("2a0e925b-1", files[1].ETag);
        Assert.Equal("2020-Nov/AWSDynamoDB/01234567890123-a1b2c3d4/data/bbbb.json.gz", files[1].DataFileS3Key);
    }

    [Fact]
    public async Task ReadFilesAsync_BadLines_AreReportedWithFileAndLine()
    {
        var (files, errors) = await FilesAsync("native-incremental", BadRecordHandling.Skip);
        Assert.Equal("inc/AWSDynamoDB/data/0123abcd.json.gz", Assert.Single(files).DataFileS3Key);
        Assert.Equal([2L, 3L], errors.Select(e => e.Line));
        Assert.All(errors, e => Assert.Equal("manifest-files.json", e.Source));
        Assert.Contains("not valid JSON", errors[0].Reason);
        Assert.Equal("no md5Checksum", errors[1].Reason);

        var failure = await Assert.ThrowsAsync<RecordFormatException>(() => FilesAsync("native-incremental", BadRecordHandling.Fail));
        Assert.Equal(2, failure.Error.Line);
    }

    [Fact]
    public async Task ResolveDataFileUri_AsWritten_IsTheExportBucket()
    {
        var summary = await SummaryAsync("native-full");
        Assert.Equal(
            "s3://ddb-productcatalog-export/2020-Nov/AWSDynamoDB/01234567890123-a1b2c3d4/data/aaaa.json.gz",
            summary.ResolveDataFileUri("2020-Nov/AWSDynamoDB/01234567890123-a1b2c3d4/data/aaaa.json.gz"));
    }

    [Theory]
    [InlineData("s3://other-bucket/restore/AWSDynamoDB/01234567890123-a1b2c3d4/", "s3://other-bucket/restore/AWSDynamoDB/01234567890123-a1b2c3d4/data/aaaa.json.gz")]
    [InlineData("s3://other-bucket/flat", "s3://other-bucket/flat/data/aaaa.json.gz")]
    [InlineData("/mnt/copy/export", "/mnt/copy/export/data/aaaa.json.gz")]
    [InlineData("file:///mnt/copy/export/", "file:///mnt/copy/export/data/aaaa.json.gz")]
    public async Task ResolveDataFileUri_CopiedExport_MapsIntoTheActualFolder(string exportDirectory, string expected)
    {
        var summary = await SummaryAsync("native-full");
        Assert.Equal(expected, summary.ResolveDataFileUri("2020-Nov/AWSDynamoDB/01234567890123-a1b2c3d4/data/aaaa.json.gz", exportDirectory));
    }

    [Fact]
    public async Task ResolveDataFileUri_IncrementalSharedDataFolder_MapsToTheCopiedSibling()
    {
        var summary = await SummaryAsync("native-incremental");
        Assert.Equal(
            "s3://copy/inc2/AWSDynamoDB/data/0123abcd.json.gz",
            summary.ResolveDataFileUri("inc/AWSDynamoDB/data/0123abcd.json.gz", "s3://copy/inc2/AWSDynamoDB/01695353076000-06e2188f/"));
    }
}
