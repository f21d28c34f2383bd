using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Json;
using DynamoDb.Connector.Formats.Lines;
using static DynamoDb.Connector.Formats.Tests.Lines.ItemFilesTestKit;

namespace DynamoDb.Connector.Formats.Tests.Items;

public class EncodedItemTests
{
    private static Dictionary<string, AttributeValue> Sample() => Item(
        ("pk", S("a \"quoted\" \u00e9 line\n")),
        ("n", N("1.50")),
        ("b", B(1, 2, 255)),
        ("ss", SS("x", "y")),
        ("ns", NS("1", "2")),
        ("bs", BS([1], [2])),
        ("l", L(S("x"), L(), M())),
        ("m", M(("k", Bool(true)), ("z", Null()))));

    [Fact]
    public void From_ThenToItem_GivesTheSameItem()
    {
        var encoded = EncodedItem.From(Sample());

        Assert.Null(ItemComparer.Difference(Sample(), encoded.ToItem()));
        Assert.StartsWith("{\"pk\":{\"S\":", encoded.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TakesAnySpellingOfTypeKeysAndWritesTheCanonicalOne()
    {
        var encoded = EncodedItem.Parse("{\"id\":{\"s\":\"a\"},\"f\":{\"bOOL\":false},\"z\":{\"nULLValue\":true}}"u8);

        Assert.Equal("{\"id\":{\"S\":\"a\"},\"f\":{\"BOOL\":false},\"z\":{\"NULL\":true}}", encoded.ToString());
    }

    [Theory]
    [InlineData("{\"id\":{\"S\":\"a\",\"N\":\"1\"}}", "one type")]
    [InlineData("{\"id\":{\"N\":\"1e\"}}", "number")]
    [InlineData("{\"id\":{\"S\":\"a\"}} trailing", "after")]
    [InlineData("[1]", "object")]
    public void Parse_RefusesWhatIsNotAValidMap_SayingWhy(string json, string reason)
    {
        var error = Assert.Throws<AttributePathException>(() => EncodedItem.Parse(System.Text.Encoding.UTF8.GetBytes(json)));

        Assert.Contains(reason, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void RecordOfAnEncodedItem_BuildsItsItemOnlyWhenAsked_AndThenWritesTheDictionary()
    {
        var encoded = EncodedItem.From(Sample());
        var record = ItemRecord.FromEncoded(encoded, 7);

        Assert.Same(encoded, record.Encoded);
        var item = record.Item;
        Assert.Null(ItemComparer.Difference(Sample(), item));
        Assert.Same(item, record.Item);
        // Once the dictionary is out, the caller may change it: it is the item from then on.
        Assert.Null(record.Encoded);
    }

    [Fact]
    public void RecordOfADictionary_HasNoEncoding() =>
        Assert.Null(new ItemRecord(Sample(), 1).Encoded);
}
