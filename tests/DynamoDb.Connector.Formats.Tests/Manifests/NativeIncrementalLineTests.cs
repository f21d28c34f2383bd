using System.Text;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Formats.Tests.Manifests;

/// <summary>
/// Lines of a native incremental export carry <c>Keys</c> and <c>Metadata.WriteTimestampMicros</c>, as DynamoDB writes
/// every one; ddb-json-incremental files this tool writes carry a write time only when their record had one.
/// </summary>
public class NativeIncrementalLineTests
{
    private const string Source = "s3://bkt/exports/AWSDynamoDB/01234-abcd/data/part.json.gz";
    private const string Good = """{"Metadata":{"WriteTimestampMicros":{"N":"1700000000000001"}},"Keys":{"pk":{"S":"a"}},"NewImage":{"pk":{"S":"a"},"v":{"N":"1"}}}""";

    private static async Task<(List<ItemRecord> Records, List<RecordError> Errors)> ReadAsync(string text, bool nativeExport)
    {
        var errors = new List<RecordError>();
        var options = new ItemReaderOptions { SourceName = Source, BadRecords = BadRecordHandling.Skip, OnBadRecord = errors.Add, NativeExport = nativeExport };
        var records = new List<ItemRecord>();
        await using var reader = ItemFiles.OpenReader(new MemoryStream(Encoding.UTF8.GetBytes(text)), ItemFileFormat.DynamoDbJsonIncremental, options);
        while (await reader.ReadAsync() is { } record) records.Add(record);
        return (records, errors);
    }

    [Theory]
    [InlineData("""{"Keys":{"pk":{"S":"b"}},"NewImage":{"pk":{"S":"b"}}}""", "the line has no \"Metadata\", which every line of a native incremental export has")]
    [InlineData("""{"Metadata":{},"Keys":{"pk":{"S":"b"}},"NewImage":{"pk":{"S":"b"}}}""", "\"Metadata\" has no \"WriteTimestampMicros\"")]
    [InlineData("""{"Metadata":{"WriteTimestampMicros":{"N":"5"}},"NewImage":{"pk":{"S":"b"}}}""", "the line has no \"Keys\" (the changed item's key), which every line of a native incremental export has")]
    [InlineData("""{"Metadata":{"WriteTimestampMicros":{"N":"5"}},"Keys":null,"OldImage":{"pk":{"S":"b"}}}""", "the line has no \"Keys\"")]
    public async Task NativeExportLine_WithoutKeysOrMetadata_IsABadRecordNamingTheFileTheLineAndWhatIsMissing(string line, string reason)
    {
        var (records, errors) = await ReadAsync($"{Good}\n{line}\n{Good}\n", nativeExport: true);

        Assert.Equal([1L, 3L], records.Select(r => r.Line));
        var error = Assert.Single(errors);
        Assert.Equal(Source, error.Source);
        Assert.Equal(2, error.Line);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("BytePosition", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"Keys":{"pk":{"S":"b"}},"NewImage":{"pk":{"S":"b"}}}""")]
    [InlineData("""{"NewImage":{"pk":{"S":"b"}}}""")]
    [InlineData("""{"Keys":{"pk":{"S":"b"}},"Error":{"reason":"gave up","operation":"delete"}}""")]
    public async Task OwnIncrementalLine_WithoutMetadataOrKeys_IsReadAsBefore(string line)
    {
        var (records, errors) = await ReadAsync($"{line}\n", nativeExport: false);

        Assert.Empty(errors);
        Assert.Null(Assert.Single(records).WriteTimestampMicros);
    }

    [Fact]
    public async Task NativeExportLine_WithKeysMetadataAndNoNewImage_IsADeleteAtItsWriteTime()
    {
        var (records, errors) = await ReadAsync("""{"Metadata":{"WriteTimestampMicros":{"N":"42"}},"Keys":{"pk":{"S":"gone"}},"OldImage":{"pk":{"S":"gone"},"v":{"N":"1"}}}""" + "\n", nativeExport: true);

        Assert.Empty(errors);
        var record = Assert.Single(records);
        Assert.Equal(RecordOperation.Delete, record.Operation);
        Assert.Equal(42, record.WriteTimestampMicros);
        Assert.Equal("gone", Assert.Single(record.Item).Value.S);
    }

    [Fact]
    public async Task IncrementalWriter_KeepsTheWriteTimeOfARecordThatHasOne_AndMakesNoneUp()
    {
        var stream = new MemoryStream();
        await using (var writer = ItemFiles.OpenWriter(stream, ItemFileFormat.DynamoDbJsonIncremental, new ItemWriterOptions { LeaveOpen = true }))
        {
            await writer.WriteAsync(new ItemRecord(new() { ["pk"] = new AttributeValue { S = "a" } }, 1) { WriteTimestampMicros = 1_700_000_000_000_123 });
            await writer.WriteAsync(new ItemRecord(new() { ["pk"] = new AttributeValue { S = "b" } }, 2, RecordOperation.Delete) { WriteTimestampMicros = 7 });
            await writer.WriteAsync(new ItemRecord(new() { ["pk"] = new AttributeValue { S = "c" } }, 3));
            await writer.CompleteAsync();
        }
        string text = Encoding.UTF8.GetString(stream.ToArray());

        Assert.Equal(
            """{"Metadata":{"WriteTimestampMicros":{"N":"1700000000000123"}},"NewImage":{"pk":{"S":"a"}}}""" + "\n"
            + """{"Metadata":{"WriteTimestampMicros":{"N":"7"}},"Keys":{"pk":{"S":"b"}}}""" + "\n"
            + """{"NewImage":{"pk":{"S":"c"}}}""" + "\n",
            text);
        var (records, errors) = await ReadAsync(text, nativeExport: false);
        Assert.Empty(errors);
        Assert.Equal([1_700_000_000_000_123L, 7L, null], records.Select(r => r.WriteTimestampMicros));
        Assert.Equal([RecordOperation.Put, RecordOperation.Delete, RecordOperation.Put], records.Select(r => r.Operation));
    }
}
