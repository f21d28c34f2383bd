using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Export;

namespace DynamoDb.Connector.Tests.Export;

public sealed class ExportExpressionsTests
{
    private static readonly Dictionary<string, AttributeValue> ThreeValues = new()
    {
        [":a"] = new AttributeValue { S = "alpha" },
        [":b"] = new AttributeValue { S = "beta" },
        [":c"] = new AttributeValue { S = "gamma" },
    };

    [Fact]
    public void ExpandKeyCondition_WithoutIn_IsOneQueryUnchanged()
    {
        var queries = ExportExpressions.ExpandKeyCondition("pk = :a AND sk > :b", null, ThreeValues, "pk", "sk");

        var query = Assert.Single(queries);
        Assert.Equal("pk = :a AND sk > :b", query.KeyConditionExpression);
        Assert.Null(query.PartitionKeyValue);
    }

    [Fact]
    public void ExpandKeyCondition_InOnPartitionKey_BecomesOneEqualityQueryPerValue()
    {
        var queries = ExportExpressions.ExpandKeyCondition("pk IN (:a, :b,:c)", null, ThreeValues, "pk", null);

        Assert.Equal(["pk = :a", "pk = :b", "pk = :c"], queries.Select(q => q.KeyConditionExpression));
        Assert.Equal(["alpha", "beta", "gamma"], queries.Select(q => q.PartitionKeyValue!.S));
    }

    [Fact]
    public void ExpandKeyCondition_InWithSortKeyCondition_KeepsTheRestOfTheExpression()
    {
        var names = new Dictionary<string, string> { ["#p"] = "pk", ["#s"] = "sk" };

        var queries = ExportExpressions.ExpandKeyCondition("#s BETWEEN :c AND :c AND #p in ( :a , :b )", names, ThreeValues, "pk", "sk");

        Assert.Equal(["#s BETWEEN :c AND :c AND #p = :a", "#s BETWEEN :c AND :c AND #p = :b"], queries.Select(q => q.KeyConditionExpression));
    }

    [Fact]
    public void ExpandKeyCondition_DuplicateValues_AreQueriedOnce()
    {
        var values = new Dictionary<string, AttributeValue>
        {
            [":a"] = new AttributeValue { N = "1" },
            [":b"] = new AttributeValue { N = "1.0" },
            [":c"] = new AttributeValue { N = "2" },
        };

        var queries = ExportExpressions.ExpandKeyCondition("pk IN (:a, :b, :a, :c)", null, values, "pk", null);

        Assert.Equal(["pk = :a", "pk = :c"], queries.Select(q => q.KeyConditionExpression));
    }

    [Fact]
    public void ExpandKeyCondition_InOnSortKey_IsRefusedNamingThePartitionKey()
    {
        var error = Assert.Throws<ArgumentException>(() => ExportExpressions.ExpandKeyCondition("pk = :a AND sk IN (:b, :c)", null, ThreeValues, "pk", "sk"));

        Assert.Contains("partition key (pk) only", error.Message);
        Assert.Contains("'sk' is the sort key", error.Message);
    }

    [Theory]
    [InlineData("pk IN (:a) AND pk IN (:b)", "2 IN lists")]
    [InlineData("pk IN ()", "one or more :placeholders")]
    [InlineData("pk IN (:a, 'x')", "one or more :placeholders")]
    [InlineData("pk IN (:a, :zz)", ":zz, which ExpressionAttributeValues does not define")]
    [InlineData("#nope IN (:a)", "#nope, which ExpressionAttributeNames does not define")]
    public void ExpandKeyCondition_BadInList_SaysWhatIsWrong(string condition, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => ExportExpressions.ExpandKeyCondition(condition, null, ThreeValues, "pk", null));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void ExpandKeyCondition_InValueOfAnotherType_IsRefused()
    {
        var values = new Dictionary<string, AttributeValue> { [":a"] = new AttributeValue { BOOL = true } };

        var error = Assert.Throws<ArgumentException>(() => ExportExpressions.ExpandKeyCondition("pk IN (:a)", null, values, "pk", null));

        Assert.Contains("of type Bool", error.Message);
    }

    [Fact]
    public void ExpandKeyCondition_WordContainingIn_IsNotAnInList()
    {
        var values = new Dictionary<string, AttributeValue> { [":p"] = new AttributeValue { S = "x" } };

        var queries = ExportExpressions.ExpandKeyCondition("begins_with(pk, :p)", null, values, "pk", null);

        Assert.Equal("begins_with(pk, :p)", Assert.Single(queries).KeyConditionExpression);
    }

    [Fact]
    public void UsedBy_KeepsOnlyThePlaceholdersTheExpressionsUse()
    {
        var names = new Dictionary<string, string> { ["#p"] = "pk", ["#size"] = "size", ["#unused"] = "x" };

        var (keptNames, keptValues) = ExportExpressions.UsedBy(names, ThreeValues, "#p = :b", "#size > :c", null);

        Assert.Equal(["#p", "#size"], keptNames!.Keys.Order());
        Assert.Equal([":b", ":c"], keptValues!.Keys.Order());
    }

    [Fact]
    public void UsedBy_NothingUsed_GivesNulls()
    {
        var (names, values) = ExportExpressions.UsedBy(new Dictionary<string, string> { ["#a"] = "a" }, ThreeValues, "price > size");

        Assert.Null(names);
        Assert.Null(values);
    }

    [Fact]
    public void Undefined_NamesEachMissingPlaceholderAndItsOption()
    {
        var problems = ExportExpressions.Undefined(null, ThreeValues, ("FilterExpression", "#n = :a AND x = :q")).ToList();

        Assert.Equal(2, problems.Count);
        Assert.Contains("FilterExpression uses #n, which ExpressionAttributeNames does not define.", problems);
        Assert.Contains("FilterExpression uses :q, which ExpressionAttributeValues does not define.", problems);
    }

    [Fact]
    public void ParseValues_ReadsDynamoDbJsonWithExactNumbers()
    {
        var values = ExportExpressionValues.Parse("""{":n":{"N":"12345678901234567890123456789012345678"},":s":{"S":"x"},":b":{"B":"AQID"},":l":{"L":[{"S":"a"}]}}""");

        Assert.Equal("12345678901234567890123456789012345678", values[":n"].N);
        Assert.Equal("x", values[":s"].S);
        Assert.Equal([1, 2, 3], values[":b"].B.ToArray());
        Assert.Equal("a", Assert.Single(values[":l"].L).S);
    }

    [Theory]
    [InlineData("""{"v":{"S":"x"}}""", "must start with ':'")]
    [InlineData("""[1]""", "must be a JSON object")]
    [InlineData("""{":v":{"X":"x"}}""", "not valid")]
    [InlineData("""{":v":""", "not valid")]
    public void ParseValues_BadJson_IsAFormatExceptionSayingWhy(string json, string expected)
    {
        var error = Assert.Throws<FormatException>(() => ExportExpressionValues.Parse(json));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void ParseNames_ReadsPlaceholders_AndRefusesKeysWithoutHash()
    {
        Assert.Equal("name", ExportExpressionValues.ParseNames("""{"#n":"name"}""")["#n"]);
        Assert.Contains("must start with '#'", Assert.Throws<FormatException>(() => ExportExpressionValues.ParseNames("""{"n":"name"}""")).Message);
        Assert.Throws<FormatException>(() => ExportExpressionValues.ParseNames("""{"#n":1}"""));
    }
}
