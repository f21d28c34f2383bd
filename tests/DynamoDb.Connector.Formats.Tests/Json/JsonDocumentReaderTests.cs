using System.Text;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Csv;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Tests.Lines;

namespace DynamoDb.Connector.Formats.Tests.Json;

public class JsonDocumentReaderTests
{
    /// <summary>The shape of AWS's moviedata.json sample: a pretty-printed array of plain objects.</summary>
    internal const string MovieData = """
        [
            {
                "year": 2013,
                "title": "Rush",
                "info": {
                    "directors": ["Ron Howard"],
                    "release_date": "2013-09-02T00:00:00Z",
                    "rating": 8.3,
                    "genres": ["Action", "Biography"],
                    "rank": 2,
                    "running_time_secs": 7380
                }
            },
            {
                "year": 2013,
                "title": "Prisoners",
                "info": {
                    "rating": 8.20,
                    "sequel": null,
                    "released": true
                }
            }
        ]
        """;

    internal static async Task<(List<ItemRecord> Records, List<RecordError> Errors)> ReadAllAsync(string content, ItemFileFormat format, CsvSchema? schema = null, string? table = null, int chunk = 7)
    {
        var errors = new List<RecordError>();
        var options = new ItemReaderOptions { SourceName = "in.json", BadRecords = BadRecordHandling.Skip, OnBadRecord = errors.Add, Csv = schema, RequestTable = table };
        await using var reader = ItemFiles.OpenReader(new TrickleStream(Encoding.UTF8.GetBytes(content), chunk), format, options);
        var records = new List<ItemRecord>();
        while (await reader.ReadAsync() is { } record) records.Add(record);
        return (records, errors);
    }

    [Fact]
    public async Task Json_PrettyPrintedArray_MapsEveryValueByTheDocumentMapping_WithTheLineWhereEachItemStarts()
    {
        var (records, errors) = await ReadAllAsync(MovieData, ItemFileFormat.Json);

        Assert.Empty(errors);
        Assert.Equal(2, records.Count);
        var rush = records[0].Item;
        Assert.Equal("2013", rush["year"].N);
        Assert.Equal("Rush", rush["title"].S);
        var info = rush["info"].M;
        Assert.Equal("Ron Howard", info["directors"].L[0].S);
        Assert.Equal("8.3", info["rating"].N);
        Assert.Equal(2, records[0].Line);
        Assert.Equal(14, records[1].Line);
        var prisoners = records[1].Item["info"].M;
        Assert.Equal("8.20", prisoners["rating"].N); // exactly as written
        Assert.True(prisoners["sequel"].NULL);
        Assert.True(prisoners["released"].BOOL);
    }

    [Fact]
    public async Task Json_ObjectsOnePerLine_AreItems_AndABadLineIsOneBadRecordWithItsLine()
    {
        string content = "{\"PK\":\"user#1\",\"score\":12,\"big\":1.5e3}\n{\"PK\":\"user#2\",\"n\":1e999}\n[1]\n{\"PK\":\"user#3\"}\n";

        var (records, errors) = await ReadAllAsync(content, ItemFileFormat.Json);

        Assert.Equal(["user#1", "user#3"], records.Select(r => r.Item["PK"].S));
        Assert.Equal("12", records[0].Item["score"].N);
        Assert.Equal("1.5e3", records[0].Item["big"].N);
        Assert.Equal([2L, 3L], errors.Select(e => e.Line));
        Assert.Contains("attribute 'n'", errors[0].Reason, StringComparison.Ordinal);
        Assert.Contains("not an object", errors[1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_WithASchema_ForcesNumbersInStringsSetsAndBinary()
    {
        var schema = CsvSchema.Parse("""{"columns":[{"name":"price","type":"N"},{"name":"tags","type":"SS"},{"name":"sizes","type":"NS"},{"name":"blob","type":"B"},{"name":"blobs","type":"BS"}]}""");
        string content = """{"id":"a","price":"12.50","tags":["x","y"],"sizes":[1,"2.5"],"blob":"AQID","blobs":["AQ==","Ag=="],"other":["x"]}""";

        var (records, errors) = await ReadAllAsync(content, ItemFileFormat.Json, schema);

        Assert.Empty(errors);
        var item = records.Single().Item;
        Assert.Equal("12.50", item["price"].N);
        Assert.Equal(["x", "y"], item["tags"].SS);
        Assert.Equal(["1", "2.5"], item["sizes"].NS);
        Assert.Equal([1, 2, 3], item["blob"].B.ToArray());
        Assert.Equal(2, item["blobs"].BS.Count);
        Assert.Equal("x", item["other"].L[0].S); // not in the schema: the document mapping
    }

    [Theory]
    [InlineData("""{"id":"a","tags":["x","x"]}""", "twice")]
    [InlineData("""{"id":"a","tags":[]}""", "empty")]
    [InlineData("""{"id":"a","tags":"x"}""", "the schema says SS, but the value is a string")]
    [InlineData("""{"id":"a","price":"cheap"}""", "not a DynamoDB number")]
    [InlineData("""{"id":"a","blob":"%%"}""", "not valid base64")]
    public async Task Json_ValueThatDoesNotFitTheSchema_IsABadRecordSayingWhy(string line, string reason)
    {
        var schema = CsvSchema.Parse("""{"columns":[{"name":"price","type":"N"},{"name":"tags","type":"SS"},{"name":"blob","type":"B"}]}""");

        var (records, errors) = await ReadAllAsync(line, ItemFileFormat.Json, schema);

        Assert.Empty(records);
        Assert.Contains(reason, Assert.Single(errors).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DynamoDbScan_ScanOutputEnvelope_ReadsItsItems_AndSkipsCountAndLastEvaluatedKey()
    {
        string content = """
            {
                "Items": [
                    {"id": {"S": "a"}, "n": {"N": "1"}},
                    {"id": {"S": "b"}, "tags": {"SS": ["x"]}}
                ],
                "Count": 2,
                "ScannedCount": 2,
                "LastEvaluatedKey": {"id": {"S": "b"}}
            }
            """;

        var (records, errors) = await ReadAllAsync(content, ItemFileFormat.DynamoDbScan);

        Assert.Empty(errors);
        Assert.Equal(["a", "b"], records.Select(r => r.Item["id"].S));
        Assert.Equal([3L, 4L], records.Select(r => r.Line));
    }

    [Fact]
    public async Task DynamoDbScan_CountBeforeItems_AndABareArrayOfTypedItems_AreRead()
    {
        var (envelope, _) = await ReadAllAsync("""{"Count":1,"ScannedCount":1,"ConsumedCapacity":null,"Items":[{"id":{"S":"a"}}]}""", ItemFileFormat.DynamoDbScan);
        var (bare, errors) = await ReadAllAsync("[\n  {\"id\": {\"S\": \"a\"}},\n  {\"id\": {\"X\": \"b\"}},\n  {\"id\": {\"S\": \"c\"}}\n]\n", ItemFileFormat.DynamoDbScan);

        Assert.Equal("a", Assert.Single(envelope).Item["id"].S);
        Assert.Equal(["a", "c"], bare.Select(r => r.Item["id"].S));
        var error = Assert.Single(errors);
        Assert.Equal(3, error.Line);
        Assert.Contains("item 2 of the array: attribute 'id': unknown type key 'X'", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DynamoDbScan_WithoutItems_IsRefused()
    {
        var error = await Assert.ThrowsAsync<FormatRefusedException>(() => ReadAllAsync("""{"Count":0}""", ItemFileFormat.DynamoDbScan));

        Assert.Contains("no \"Items\" array", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("in.json", error.Message, StringComparison.Ordinal);
    }

    private const string TwoTables = """
        {
            "Forum": [
                {"PutRequest": {"Item": {"Name": {"S": "Amazon DynamoDB"}, "Threads": {"N": "2"}}}},
                {"DeleteRequest": {"Key": {"Name": {"S": "Old"}}}}
            ],
            "Thread": [
                {"PutRequest": {"Item": {"ForumName": {"S": "Amazon DynamoDB"}, "Subject": {"S": "Tagging"}}}}
            ]
        }
        """;

    [Fact]
    public async Task DynamoDbBatchWrite_NamedTable_ReadsItsPutsAndDeletes_AndSkipsTheOthers()
    {
        var (forum, errors) = await ReadAllAsync(TwoTables, ItemFileFormat.DynamoDbBatchWrite, table: "Forum");
        var (thread, _) = await ReadAllAsync(TwoTables, ItemFileFormat.DynamoDbBatchWrite, table: "Thread");

        Assert.Empty(errors);
        Assert.Equal([RecordOperation.Put, RecordOperation.Delete], forum.Select(r => r.Operation));
        Assert.Equal("Old", forum[1].Item["Name"].S);
        Assert.Equal("Tagging", Assert.Single(thread).Item["Subject"].S);
    }

    [Fact]
    public async Task DynamoDbBatchWrite_SeveralTablesAndNoneNamed_IsRefusedBeforeAnyItem_NamingThem()
    {
        var error = await Assert.ThrowsAsync<FormatRefusedException>(() => ReadAllAsync(TwoTables, ItemFileFormat.DynamoDbBatchWrite));

        Assert.Contains("'Forum', 'Thread'", error.Message, StringComparison.Ordinal);
        Assert.Contains("--request-table", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DynamoDbBatchWrite_OneTable_IsReadWithoutANameAndANamedMissingTableIsRefused()
    {
        const string one = """{"Forum":[{"PutRequest":{"Item":{"Name":{"S":"a"}}}},{"PutRequest":{"Item":{"Name":{"S":"b"}}}}]}""";

        var (records, _) = await ReadAllAsync(one, ItemFileFormat.DynamoDbBatchWrite);
        var missing = await Assert.ThrowsAsync<FormatRefusedException>(() => ReadAllAsync(one, ItemFileFormat.DynamoDbBatchWrite, table: "Reply"));

        Assert.Equal(["a", "b"], records.Select(r => r.Item["Name"].S));
        Assert.Contains("no requests for table 'Reply'; it has requests for 'Forum'", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DynamoDbBatchWrite_ABadRequest_IsOneBadRecordSayingWhatARequestIs()
    {
        const string content = """{"T":[{"PutRequest":{"Item":{"a":{"S":"1"}}}},{"UpdateRequest":{}},{"PutRequest":{"Item":{"a":{"S":"2"}}}}]}""";

        var (records, errors) = await ReadAllAsync(content, ItemFileFormat.DynamoDbBatchWrite);

        Assert.Equal(2, records.Count);
        Assert.Contains("UpdateRequest", Assert.Single(errors).Reason, StringComparison.Ordinal);
        Assert.Contains("{\"PutRequest\":{\"Item\":{...}}}", errors[0].Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[{\"a\":1},\n{\"a\":2} {\"a\":3}]", 2, "where a ',' or ']' belongs")]
    [InlineData("[{\"a\":1},\n{\"a\":2]", 2, "the JSON is not valid here")]
    [InlineData("[{\"a\":1},\n{\"a\":2}", 2, "the file ends inside the array")]
    public async Task Json_ArrayWithBrokenStructure_EndsWithOneBadRecord_InPlainWords(string content, long line, string reason)
    {
        var (records, errors) = await ReadAllAsync(content, ItemFileFormat.Json);

        Assert.NotEmpty(records);
        var error = Assert.Single(errors);
        Assert.Equal(line, error.Line);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", error.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("BytePositionInLine", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DataPipelineReader_GivenAJsonArray_SaysTheFileIsAnArrayNotJunk()
    {
        var (records, errors) = await ReadAllAsync(MovieData, ItemFileFormat.DataPipeline);

        Assert.Empty(records);
        Assert.Contains("--format json", errors[0].Reason, StringComparison.Ordinal);
        Assert.All(errors, e => Assert.DoesNotContain("LineNumber", e.Reason, StringComparison.Ordinal));
    }
}
