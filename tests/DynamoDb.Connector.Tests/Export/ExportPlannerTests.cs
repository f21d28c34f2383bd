using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.Reading;

namespace DynamoDb.Connector.Tests.Export;

public sealed class ExportPlannerTests
{
    private const long GiB = 1L << 30;

    [Theory]
    [InlineData(50 * GiB, 2000, 50)] // the EMR connector's worked example: max(50, 20)
    [InlineData(1 * GiB, 2000, 20)]
    [InlineData(0, 0, 1)]
    [InlineData(0, 99.9, 1)]
    [InlineData(GiB - 1, 199, 1)]
    [InlineData(0, 20_000, 200)] // the EMR on-demand assumption, 40,000 x 0.5
    [InlineData(long.MaxValue, 0, 1_000_000)]
    [InlineData(0, 1e12, 1_000_000)]
    public void SegmentsFor_IsMaxOfGibibytesAndHundredsOfUnits_WithinOneToAMillion(long bytes, double units, int expected)
    {
        Assert.Equal(expected, ExportPlanner.SegmentsFor(bytes, units));
    }

    [Fact]
    public void Plan_Scan_DerivesSegmentsAndDescribesWhy()
    {
        var plan = ExportPlanner.Plan(Options(), Table(sizeBytes: 3 * GiB), 450);

        Assert.False(plan.IsQuery);
        Assert.Equal(4, plan.TotalSegments);
        Assert.Equal(4, plan.SplitCount);
        Assert.Contains("max(", plan.Basis);
        Assert.Equal([0, 1, 2, 3], plan.Splits.Select(s => s.Segment!.Value));
        Assert.All(plan.Splits, s => Assert.Equal(4, s.TotalSegments));
        Assert.Equal(1000, plan.TableItemCount);
    }

    [Theory]
    [InlineData(100_000_000, 1_000_000, 23)] // 100 MB at 1M RCU: EMR says 10,000 segments of 10 items; 23 of 4 MiB
    [InlineData(100_000_000, 40_000, 23)] // EMR: 400
    [InlineData(1_000_000, 1_000_000, 1)] // a 1 MB table is one page: one segment at any budget
    [InlineData(50 * GiB, 2000, 50)] // big table, small budget: the EMR count stands
    [InlineData(1000 * GiB, 1_000_000, 10_000)] // big table, huge budget: as many segments as the budget asks
    [InlineData(0, 1_000_000, 64)] // no size reported (DynamoDB refreshes it every ~6 hours): at most 64
    [InlineData(0, 2000, 20)]
    public void DefaultSegmentsFor_NoSegmentSmallerThanFourPagesOfData_StillAsManyAsTheBudgetAsks(long bytes, double units, int expected)
    {
        Assert.Equal(expected, ExportPlanner.DefaultSegmentsFor(bytes, units));
    }

    [Theory]
    [InlineData(100_000_000, 40_000, 8, 8)] // the 100 MB at 40,000 RCU: EMR 400, by data 23, 8 workers read 8 at a time
    [InlineData(100_000_000, 1_000_000, 8, 8)] // EMR 10,000 segments of 10 items
    [InlineData(100_000_000, 40_000, 4, 4)]
    [InlineData(1_000_000, 1_000_000, 8, 1)] // a tiny table is one page: one segment at any budget and any worker count
    [InlineData(100_000_000, 300, 8, 3)] // the budget asks for fewer than the workers: the budget's count stands
    [InlineData(20 * GiB, 1_000_000, 8, 20)] // a large table: one per GiB, whatever the workers (they take them in turn)
    [InlineData(1000 * GiB, 1_000_000, 8, 1000)]
    [InlineData(0, 1_000_000, 8, 64)] // no size reported: it may be large, so the workers do not bound it
    public void DefaultSegmentsFor_Readers_NoMoreSegmentsThanReadAtOnce_UnlessTheDataAsks(long bytes, double units, int readers, int expected)
    {
        Assert.Equal(expected, ExportPlanner.DefaultSegmentsFor(bytes, units, readers));
    }

    [Fact]
    public void Plan_Scan_WithReaders_IsOneSegmentPerReaderAndSaysWhy()
    {
        var plan = ExportPlanner.Plan(Options(), Table(sizeBytes: 100_000_000, items: 100_000), 40_000, readers: 8);

        Assert.Equal(8, plan.TotalSegments);
        Assert.Contains("at most one per worker reading at once (8)", plan.Basis);
    }

    [Fact]
    public void Plan_Scan_SegmentsSetExplicitly_AreKeptWhateverTheReaders()
    {
        var options = Options();
        options.TotalSegments = 22;

        Assert.Equal(22, ExportPlanner.Plan(options, Table(sizeBytes: 100_000_000, items: 100_000), 40_000, readers: 2).TotalSegments);
    }

    [Fact]
    public void Plan_Scan_SmallTableAtHugeBudget_IsFewSegmentsAndSaysWhy()
    {
        var plan = ExportPlanner.Plan(Options(), Table(sizeBytes: 100_000_000, items: 100_000), 1_000_000);

        Assert.Equal(23, plan.TotalSegments);
        Assert.Contains("at most one per 4 MiB of data", plan.Basis);
    }

    [Fact]
    public void Plan_Scan_BigTableAtHugeBudget_IsManySegments()
    {
        var plan = ExportPlanner.Plan(Options(), Table(sizeBytes: 2000 * GiB, items: 2_000_000_000), 1_000_000);

        Assert.Equal(10_000, plan.TotalSegments);
        Assert.DoesNotContain("at most", plan.Basis);
    }

    [Fact]
    public void Plan_Scan_UserSegmentsWin()
    {
        var options = Options();
        options.TotalSegments = 7;

        var plan = ExportPlanner.Plan(options, Table(sizeBytes: 300 * GiB), 100_000);

        Assert.Equal(7, plan.TotalSegments);
        Assert.Contains("set explicitly", plan.Basis);
    }

    [Fact]
    public void Plan_KeyConditionWithIn_IsOneQueryPerValueOnTheIndex()
    {
        var options = Options();
        options.IndexName = "byCategory";
        options.KeyConditionExpression = "category IN (:a, :b)";
        options.ExpressionAttributeValues = new() { [":a"] = new AttributeValue { S = "x" }, [":b"] = new AttributeValue { S = "y" } };

        var plan = ExportPlanner.Plan(options, Table(), 100);

        Assert.True(plan.IsQuery);
        Assert.Null(plan.TotalSegments);
        Assert.Equal(["category = :a", "category = :b"], plan.KeyConditions);
        Assert.Equal("category = :b", plan.Splits[1].KeyConditionExpression);
        Assert.Null(plan.Splits[1].Segment);
    }

    [Fact]
    public void Plan_UnknownIndex_NamesTheTablesIndexes()
    {
        var options = Options();
        options.IndexName = "nope";

        var error = Assert.Throws<ArgumentException>(() => ExportPlanner.Plan(options, Table(), 100));

        Assert.Contains("no index 'nope'", error.Message);
        Assert.Contains("byCategory", error.Message);
        Assert.Contains("byPrice", error.Message);
    }

    [Fact]
    public void Plan_ConsistentReadOnGlobalIndex_IsRefused_ButAllowedOnLocalIndex()
    {
        var options = Options();
        options.ConsistentRead = true;
        options.IndexName = "byCategory";
        Assert.Contains("does not offer consistent reads", Assert.Throws<ArgumentException>(() => ExportPlanner.Plan(options, Table(), 100)).Message);

        options.IndexName = "byPrice";
        Assert.True(ExportPlanner.Plan(options, Table(), 100).ConsistentRead);
    }

    [Fact]
    public void Plan_InOnLocalIndexSortKey_IsRefused()
    {
        var options = Options();
        options.IndexName = "byPrice";
        options.KeyConditionExpression = "pk = :a AND price IN (:a)";
        options.ExpressionAttributeValues = new() { [":a"] = new AttributeValue { S = "x" } };

        Assert.Contains("'price' is the sort key", Assert.Throws<ArgumentException>(() => ExportPlanner.Plan(options, Table(), 100)).Message);
    }

    [Fact]
    public void CreateRequest_Scan_CarriesSegmentFilterProjectionAndOnlyUsedPlaceholders()
    {
        var options = Options();
        options.TotalSegments = 3;
        options.FilterExpression = "#size > :min";
        options.ProjectionExpression = "pk, #size";
        options.ExpressionAttributeNames = new() { ["#size"] = "size" };
        options.ExpressionAttributeValues = new() { [":min"] = new AttributeValue { N = "3" } };
        var plan = ExportPlanner.Plan(options, Table(), 100);

        var request = Assert.IsType<ScanRequest>(plan.CreateRequest(2));

        Assert.Equal("items", request.TableName);
        Assert.Equal(2, request.Segment);
        Assert.Equal(3, request.TotalSegments);
        Assert.Equal("#size > :min", request.FilterExpression);
        Assert.Equal("pk, #size", request.ProjectionExpression);
        Assert.Equal("size", request.ExpressionAttributeNames["#size"]);
        Assert.Equal("3", request.ExpressionAttributeValues[":min"].N);
        Assert.Equal(ReturnConsumedCapacity.TOTAL, request.ReturnConsumedCapacity);
        Assert.False(request.ConsistentRead);
    }

    [Fact]
    public void CreateRequest_SingleSegment_IsAPlainScan()
    {
        var options = Options();
        options.TotalSegments = 1;

        var request = Assert.IsType<ScanRequest>(ExportPlanner.Plan(options, Table(), 100).CreateRequest(0));

        Assert.Null(request.Segment);
        Assert.Null(request.TotalSegments);
    }

    [Fact]
    public void CreateRequest_QueryFromIn_CarriesOnlyItsOwnValue()
    {
        var options = Options();
        options.KeyConditionExpression = "#p IN (:a, :b)";
        options.FilterExpression = "attribute_exists(#x)";
        options.ExpressionAttributeNames = new() { ["#p"] = "pk", ["#x"] = "x" };
        options.ExpressionAttributeValues = new() { [":a"] = new AttributeValue { S = "1" }, [":b"] = new AttributeValue { S = "2" } };
        var plan = ExportPlanner.Plan(options, Table(), 100);

        var request = Assert.IsType<QueryRequest>(plan.CreateRequest(1));

        Assert.Equal("#p = :b", request.KeyConditionExpression);
        Assert.Equal([":b"], request.ExpressionAttributeValues.Keys);
        Assert.Equal(["#p", "#x"], request.ExpressionAttributeNames.Keys.Order());
        Assert.Throws<ArgumentOutOfRangeException>(() => plan.CreateRequest(2));
    }

    [Fact]
    public void Plan_Json_RoundTripsEveryValueType()
    {
        var options = Options();
        options.KeyConditionExpression = "pk = :p";
        options.FilterExpression = "a = :n OR b = :b OR c = :l OR d = :m OR e IN (:ss, :ns, :bs) OR f = :t OR g = :z";
        options.ExpressionAttributeValues = new()
        {
            [":p"] = new AttributeValue { S = "ünï €" },
            [":n"] = new AttributeValue { N = "-1.23456789012345678901234567890123456E+100" },
            [":b"] = new AttributeValue { B = new MemoryStream([0, 255, 7]) },
            [":l"] = new AttributeValue { L = [new AttributeValue { S = "x" }, new AttributeValue { L = [] }] },
            [":m"] = new AttributeValue { M = new() { ["k"] = new AttributeValue { M = [] } } },
            [":ss"] = new AttributeValue { SS = ["a", "b"] },
            [":ns"] = new AttributeValue { NS = ["1", "2"] },
            [":bs"] = new AttributeValue { BS = [new MemoryStream([1])] },
            [":t"] = new AttributeValue { BOOL = true },
            [":z"] = new AttributeValue { NULL = true },
        };
        var plan = ExportPlanner.Plan(options, Table(), 100);

        var copy = ExportPlan.FromJson(plan.ToJson());

        Assert.True(plan.ReadsSameAs(copy));
        Assert.Equal(plan.Basis, copy.Basis);
        Assert.Equal(plan.TableItemCount, copy.TableItemCount);
        Assert.Equal("-1.23456789012345678901234567890123456E+100", copy.ExpressionAttributeValues![":n"].N);
        Assert.Equal([0, 255, 7], copy.ExpressionAttributeValues[":b"].B.ToArray());
        Assert.True(copy.ExpressionAttributeValues[":l"].L[1].IsLSet);
    }

    [Fact]
    public void ReadsSameAs_DiffersOnSegmentsOrValues()
    {
        var options = Options();
        options.TotalSegments = 4;
        options.FilterExpression = "a = :v";
        options.ExpressionAttributeValues = new() { [":v"] = new AttributeValue { N = "1" } };
        var plan = ExportPlanner.Plan(options, Table(), 100);

        options.TotalSegments = 5;
        Assert.False(plan.ReadsSameAs(ExportPlanner.Plan(options, Table(), 100)));
        options.TotalSegments = 4;
        options.ExpressionAttributeValues[":v"] = new AttributeValue { N = "2" };
        Assert.False(plan.ReadsSameAs(ExportPlanner.Plan(options, Table(), 100)));
        options.ExpressionAttributeValues[":v"] = new AttributeValue { N = "1" };
        Assert.True(plan.ReadsSameAs(ExportPlanner.Plan(options, Table(), 100)));
    }

    [Theory]
    [InlineData("""{"version":2,"tableName":"t","totalSegments":1}""", "version 2")]
    [InlineData("""{"version":1,"tableName":"t"}""", "either totalSegments")]
    [InlineData("""{"version":1,"tableName":"t","totalSegments":0}""", "not between 1")]
    [InlineData("""{"version":1,"tableName":"t","keyConditions":[]}""", "no queries")]
    [InlineData("""{"version":1,"tableName":"t","totalSegments":1,"expressionAttributeValues":{":v":{"Q":"1"}}}""", "Not a valid export plan")]
    public void FromJson_DamagedPlan_IsAFormatException(string json, string expected)
    {
        Assert.Contains(expected, Assert.Throws<FormatException>(() => ExportPlan.FromJson(json)).Message);
    }

    private static TableInputOptions Options() => new() { TableName = "items" };

    /// <summary>Table <c>items</c> (pk, sk) with GSI byCategory (category) and LSI byPrice (pk, price).</summary>
    internal static TableDescription Table(long sizeBytes = 1_000_000, long items = 1000) => new()
    {
        TableName = "items",
        TableArn = "arn:aws:dynamodb:us-east-1:123456789012:table/items",
        TableId = "5c3a1f7e-0b8a-4c6e-9f1d-2a7b3c4d5e6f",
        TableSizeBytes = sizeBytes,
        ItemCount = items,
        KeySchema = [new KeySchemaElement("pk", KeyType.HASH), new KeySchemaElement("sk", KeyType.RANGE)],
        AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S), new AttributeDefinition("sk", ScalarAttributeType.S)],
        ProvisionedThroughput = new ProvisionedThroughputDescription { ReadCapacityUnits = 1000, WriteCapacityUnits = 1000 },
        GlobalSecondaryIndexes =
        [
            new GlobalSecondaryIndexDescription
            {
                IndexName = "byCategory",
                KeySchema = [new KeySchemaElement("category", KeyType.HASH)],
                ItemCount = 10,
                IndexSizeBytes = 100,
                ProvisionedThroughput = new ProvisionedThroughputDescription { ReadCapacityUnits = 50, WriteCapacityUnits = 50 },
            },
        ],
        LocalSecondaryIndexes =
        [
            new LocalSecondaryIndexDescription
            {
                IndexName = "byPrice",
                KeySchema = [new KeySchemaElement("pk", KeyType.HASH), new KeySchemaElement("price", KeyType.RANGE)],
            },
        ],
    };
}
