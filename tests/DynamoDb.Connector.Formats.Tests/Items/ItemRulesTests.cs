using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;

namespace DynamoDb.Connector.Formats.Tests.Items;

public class ItemRulesTests
{
    private static readonly KeySchema Keys = KeySchema.Parse("pk:S,sk:N");

    private static Dictionary<string, AttributeValue> Item(params (string Name, AttributeValue Value)[] extra)
    {
        var item = new Dictionary<string, AttributeValue> { ["pk"] = new() { S = "a" }, ["sk"] = new() { N = "1" } };
        foreach (var (name, value) in extra) item[name] = value;
        return item;
    }

    [Fact]
    public void Validate_GoodItem_IsNull() =>
        Assert.Null(ItemRules.Validate(Item(("l", new AttributeValue { L = [] }), ("s", new AttributeValue { S = "" })), Keys));

    [Theory]
    [InlineData("pk", "partition key 'pk' is missing")]
    [InlineData("sk", "sort key 'sk' is missing")]
    public void Validate_MissingKey_SaysWhich(string remove, string reason)
    {
        var item = Item();
        item.Remove(remove);
        Assert.Equal(reason, ItemRules.Validate(item, Keys));
    }

    [Fact]
    public void Validate_AValueWithTwoTypesSet_SaysWhere() =>
        Assert.Equal("attribute 'm.x' has more than one type set",
            ItemRules.Validate(Item(("m", new AttributeValue { M = new() { ["x"] = new AttributeValue { S = "1", N = "1" } } })), Keys));

    [Fact]
    public void Validate_WrongKeyType_SaysBothTypes() =>
        Assert.Contains("is S, the table's key type is N", ItemRules.Validate(Item(("sk", new AttributeValue { S = "1" })), Keys));

    [Fact]
    public void Validate_EmptyStringKey_IsRejected() =>
        Assert.Contains("is empty", ItemRules.Validate(Item(("pk", new AttributeValue { S = "" })), Keys));

    [Fact]
    public void Validate_LongKeys_AreRejectedAtTheLimits()
    {
        Assert.Null(ItemRules.Validate(Item(("pk", new AttributeValue { S = new string('x', 2048) })), Keys));
        Assert.Contains("2,049 bytes", ItemRules.Validate(Item(("pk", new AttributeValue { S = new string('x', 2049) })), Keys));
        var keys = KeySchema.Parse("pk:S,sk:S");
        Assert.Contains("sort key", ItemRules.Validate(Item(("sk", new AttributeValue { S = new string('x', 1025) })), keys));
    }

    [Fact]
    public void Validate_EmptyAndDuplicateSets_AreRejected()
    {
        Assert.Contains("empty string set", ItemRules.Validate(Item(("ss", new AttributeValue { SS = [] })), Keys));
        Assert.Contains("duplicate", ItemRules.Validate(Item(("ss", new AttributeValue { SS = ["a", "a"] })), Keys));
        Assert.Contains("duplicate", ItemRules.Validate(Item(("ns", new AttributeValue { NS = ["1.50", "1.5"] })), Keys));
        Assert.Null(ItemRules.Validate(Item(("ns", new AttributeValue { NS = ["100", "1"] })), Keys));
    }

    [Fact]
    public void Validate_BadNumbers_AreRejected()
    {
        Assert.Contains("not a number", ItemRules.Validate(Item(("n", new AttributeValue { N = "12a" })), Keys));
        Assert.Contains("39 significant digits", ItemRules.Validate(Item(("n", new AttributeValue { N = new string('9', 39) })), Keys));
        Assert.Null(ItemRules.Validate(Item(("n", new AttributeValue { N = new string('9', 38) + "000" })), Keys));
        Assert.Contains("larger", ItemRules.Validate(Item(("n", new AttributeValue { N = "1E126" })), Keys));
        Assert.Contains("smaller", ItemRules.Validate(Item(("n", new AttributeValue { N = "1E-131" })), Keys));
    }

    [Fact]
    public void Validate_NestingDeeperThan32_IsRejected()
    {
        AttributeValue Nest(int depth) => depth == 0 ? new AttributeValue { S = "x" } : new AttributeValue { L = [Nest(depth - 1)] };
        Assert.Null(ItemRules.Validate(Item(("deep", Nest(32))), Keys));
        Assert.Contains("nests deeper", ItemRules.Validate(Item(("deep", Nest(33))), Keys));
    }

    [Fact]
    public void Validate_OversizeItem_IsRejectedJustPastTheLimit()
    {
        // pk(2+1) + sk(2+2) + "big"(3) = 10 bytes of overhead.
        Assert.Null(ItemRules.Validate(Item(("big", new AttributeValue { S = new string('x', 409_600 - 10) })), Keys));
        Assert.Contains("409,601 bytes", ItemRules.Validate(Item(("big", new AttributeValue { S = new string('x', 409_600 - 9) })), Keys));
    }

    [Fact]
    public void Validate_ProblemInsideListsAndMaps_NamesThePathToIt()
    {
        var nested = new AttributeValue { M = new() { ["ok"] = new() { S = "x" }, ["lines"] = new() { L = [new() { S = "a" }, new() { M = new() { ["qty"] = new() { N = "1x" } } }] } } };
        Assert.StartsWith("attribute 'order.lines[1].qty': ", ItemRules.Validate(Item(("order", nested)), Keys));
        Assert.Equal("attribute 'l[0].s' is an empty string set; DynamoDB does not store empty sets",
            ItemRules.Validate(Item(("l", new AttributeValue { L = [new() { M = new() { ["s"] = new() { SS = [] } } }] })), Keys));
        Assert.Equal("attribute 'm.x' is null", ItemRules.Validate(Item(("m", new AttributeValue { M = new() { ["x"] = null! } })), Keys));
    }

    [Fact]
    public void Validate_NumberSets_InvalidElementAndDuplicatesByValue()
    {
        Assert.StartsWith("attribute 'ns': ", ItemRules.Validate(Item(("ns", new AttributeValue { NS = ["1", "x"] })), Keys));
        var many = Enumerable.Range(0, 40).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append("7.0").ToList();
        Assert.Equal("attribute 'ns' is a number set with a duplicate value", ItemRules.Validate(Item(("ns", new AttributeValue { NS = many })), Keys));
        Assert.Null(ItemRules.Validate(Item(("ns", new AttributeValue { NS = many.SkipLast(1).ToList() })), Keys));
    }

    [Fact]
    public void Validate_ValueWithNoType_IsRejected() =>
        Assert.Contains("has no type", ItemRules.Validate(Item(("x", new AttributeValue())), Keys));

    [Theory]
    [InlineData("pk", "pk:S")]
    [InlineData("pk:n", "pk:N")]
    [InlineData("pk:S, sk:B", "pk:S,sk:B")]
    public void KeySchema_Parse_RoundTrips(string text, string expected) => Assert.Equal(expected, KeySchema.Parse(text).ToString());

    [Theory]
    [InlineData("")]
    [InlineData("pk:X")]
    [InlineData("a:S,b:S,c:S")]
    [InlineData("a:S,a:N")]
    public void KeySchema_Parse_RejectsBadText(string text) => Assert.Throws<FormatException>(() => KeySchema.Parse(text));
}
