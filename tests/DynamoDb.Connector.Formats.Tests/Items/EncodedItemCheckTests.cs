using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Json;
using DynamoDb.Connector.Formats.Tests.Lines;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static DynamoDb.Connector.Formats.Tests.Lines.ItemFilesTestKit;

namespace DynamoDb.Connector.Formats.Tests.Items;

/// <summary>
/// <see cref="ItemRules.Check"/> over an item's bytes against <see cref="ItemRules.Validate"/> and <see cref="ItemSize.Of"/>
/// over its dictionary: the same size, the same verdict and reason, the same key, for valid and invalid items.
/// </summary>
public class EncodedItemCheckTests
{
    private static readonly KeySchema[] Schemas = [KeySchema.Parse("pk:S,sk:N"), KeySchema.Parse("pk:S"), KeySchema.Parse("pk:B,sk:S"), KeySchema.Parse("pk:N")];

    /// <summary>The bytes the writer would get for <paramref name="item"/> (not through From, which refuses some invalid items).</summary>
    private static EncodedItem Encode(Dictionary<string, AttributeValue> item)
    {
        using var json = new JsonItemFormatter(dynamoDbKeys: true);
        json.WriteMap(item);
        return new EncodedItem(json.Written.ToArray());
    }

    private static AttributeValue KeyValue(KeyType type, int variant) => type switch
    {
        KeyType.S => S(variant % 3 == 0 ? "user#\u00e9\"\n" : $"k{variant}"),
        KeyType.N => N(variant % 2 == 0 ? "1.50" : $"-{variant}E3"),
        _ => B(1, 2, (byte)variant),
    };

    private static Gen<Dictionary<string, AttributeValue>> Nested(int depth) =>
        Gen.Constant(0).Select(_ =>
        {
            var value = S("deep");
            for (int i = 0; i < depth; i++) value = i % 2 == 0 ? L(value) : M(("m", value));
            return Item(("deep", value));
        });

    /// <summary>One way to break an item (or none), applied to an item that has the schema's key.</summary>
    private static readonly (int Weight, Action<Dictionary<string, AttributeValue>, KeySchema> Break)[] Breaks =
    [
        (12, (_, _) => { }),
        (2, (item, keys) => item.Remove(keys.PartitionKey.Name)),
        (1, (item, keys) => item.Remove(keys.SortKey?.Name ?? keys.PartitionKey.Name)),
        (2, (item, keys) => item[keys.PartitionKey.Name] = keys.PartitionKey.Type == KeyType.S ? N("1") : S("x")),
        (1, (item, keys) => item[keys.PartitionKey.Name] = L(S("x"))),
        (2, (item, keys) => item[keys.PartitionKey.Name] = keys.PartitionKey.Type switch { KeyType.S => S(""), KeyType.B => B(), _ => N("0") }),
        (1, (item, keys) => item[keys.PartitionKey.Name] = keys.PartitionKey.Type == KeyType.B ? B(new byte[2049]) : S(new string('k', 2049))),
        (1, (item, keys) => { if (keys.SortKey is { Type: KeyType.S } sort) item[sort.Name] = S(new string('\u00e9', 513)); }),
        (1, (item, _) => item["big"] = S(new string('x', 409_600))),
        (1, (item, _) => item["big"] = L(S(new string('x', 204_790)), B(new byte[204_800]))),
        (2, (item, _) => item["empty"] = new AttributeValue { SS = [] }),
        (1, (item, _) => item["m"] = M(("e", new AttributeValue { NS = [] }))),
        (1, (item, _) => item["m"] = L(Bool(true), new AttributeValue { BS = [] })),
        (2, (item, _) => item["dup"] = SS("a", "b", "a")),
        (1, (item, _) => item["dup"] = M(("n", NS("1.5", "2", "15E-1")))),
        (1, (item, _) => item["dup"] = BS([1, 2], [3], [1, 2])),
        (1, (item, _) => item["dup"] = NS([.. Enumerable.Range(0, 40).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), "3.0"])),
        (1, (item, _) => item["nodup"] = SS([.. Enumerable.Range(0, 40).Select(i => $"s{i}")])),
        (2, (item, _) => item[""] = S("no name")),
        (1, (item, _) => item.Clear()),
    ];

    private static Gen<(Dictionary<string, AttributeValue> Item, KeySchema Keys)> Cases { get; } =
        from item in Gen.Frequency((8, ItemGenerators.Item), (1, Gen.Choose(30, 34).SelectMany(Nested)))
        from keys in Gen.Elements(Schemas)
        from variant in Gen.Choose(0, 100)
        from broken in Gen.Frequency(Breaks.Select(b => (b.Weight, Gen.Constant(b.Break))).ToArray())
        select Prepare(item, keys, variant, broken);

    private static (Dictionary<string, AttributeValue>, KeySchema) Prepare(Dictionary<string, AttributeValue> item, KeySchema keys, int variant, Action<Dictionary<string, AttributeValue>, KeySchema> broken)
    {
        // Mostly an item with the key; sometimes the generated item as it is (its "pk" of any type, or none).
        if (variant % 7 != 0)
        {
            foreach (var key in keys.Attributes) item[key.Name] = KeyValue(key.Type, variant);
        }
        broken(item, keys);
        return (item, keys);
    }

    [Property(MaxTest = 400)]
    public Property Check_OfTheBytes_AgreesWithTheDictionaryOnSizeVerdictAndKey() => Prop.ForAll(Cases.ToArbitrary(), input =>
    {
        var (item, keys) = input;
        var check = ItemRules.Check(Encode(item), keys);

        Assert.Equal(ItemSize.Of(item), check.Size);
        Assert.Equal(ItemRules.Validate(item, keys), check.Problem);
        AssertKey(item, keys.PartitionKey, check.PartitionKey);
        if (keys.SortKey is { } sort) AssertKey(item, sort, check.SortKey);
        else Assert.Null(check.SortKey);
        Assert.Equal(ItemRules.Validate(item, null), ItemRules.Check(Encode(item), null).Problem);
    });

    /// <summary>The key value ItemKey builds from the dictionary: S text, canonical N, B bytes; null when absent or of another type.</summary>
    private static void AssertKey(Dictionary<string, AttributeValue> item, KeyAttribute key, object? actual)
    {
        if (!item.TryGetValue(key.Name, out var value) || AttributeValues.KindOf(value) != key.Type switch { KeyType.S => AttributeKind.S, KeyType.N => AttributeKind.N, _ => AttributeKind.B })
        {
            Assert.Null(actual);
            return;
        }
        switch (key.Type)
        {
            case KeyType.S:
                Assert.Equal(value.S, actual);
                break;
            case KeyType.N:
                Assert.Equal(NumberText.Canonical(value.N), actual);
                break;
            default:
                Assert.Equal(value.B.ToArray(), Assert.IsType<byte[]>(actual));
                break;
        }
    }

    [Theory]
    [InlineData("{\"pk\":{\"S\":\"a\"},\"ss\":{\"SS\":[]}}", "attribute 'ss' is an empty string set; DynamoDB does not store empty sets")]
    [InlineData("{\"pk\":{\"S\":\"a\"},\"m\":{\"M\":{\"x\\\"y\":{\"L\":[{\"N\":\"1\"},{\"NS\":[\"1\",\"1.0\"]}]}}}}", "attribute 'm.x\"y[1]' is a number set with a duplicate value")]
    [InlineData("{\"sk\":{\"N\":\"1\"}}", "partition key 'pk' is missing")]
    [InlineData("{}", "item has no attributes")]
    public void Check_NamesTheRuleAndThePath(string json, string reason)
    {
        var check = ItemRules.Check(new EncodedItem(System.Text.Encoding.UTF8.GetBytes(json)), KeySchema.Parse("pk:S"));

        Assert.Equal(reason, check.Problem);
    }

    [Fact]
    public void Check_OfAValidItem_AllocatesOnlyItsKey()
    {
        var encoded = EncodedItem.From(Item(("pk", S("user#1")), ("sk", N("42")), ("n", N("-1.25E7")), ("ss", SS("a", "b")), ("l", L(M(("x", B(1, 2))), Bool(true))), ("s", S("line\n\"q\""))));
        var keys = KeySchema.Parse("pk:S,sk:N");
        ItemRules.Check(encoded, keys);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var check = ItemRules.Check(encoded, keys);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Null(check.Problem);
        Assert.Equal("user#1", check.PartitionKey);
        Assert.Equal("4.2E1", check.SortKey);
        // Two key strings ("user#1", "4.2E1"): about 80 bytes; a dictionary of this item is well over a kilobyte.
        Assert.True(allocated <= 128, $"{allocated} bytes allocated");
    }

    [Fact]
    public void Check_OfBytesThatAreNotAMap_Throws() =>
        Assert.Throws<ArgumentException>(() => ItemRules.Check(new EncodedItem("[1]"u8.ToArray()), null));

    [Fact]
    public void From_RefusesAnItemItsBytesCouldNotRebuild()
    {
        var error = Assert.Throws<AttributePathException>(() => EncodedItem.From(Item(("pk", S("a")), ("dup", SS("x", "x")))));

        Assert.Contains("twice", error.Message, StringComparison.Ordinal);
    }
}
