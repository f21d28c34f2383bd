using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using static DynamoDb.Connector.Formats.Tests.Lines.ItemFilesTestKit;

namespace DynamoDb.Connector.Formats.Tests.Items;

public class ItemComparerTests
{
    private static Dictionary<string, AttributeValue> Sample() => Item(
        ("pk", S("a")),
        ("n", N("1.50")),
        ("b", B(1, 2)),
        ("ss", SS("x", "y")),
        ("ns", NS("1", "2")),
        ("bs", BS([1], [2])),
        ("l", L(S("x"), L(), M())),
        ("m", M(("k", Bool(true)), ("z", Null()))));

    [Fact]
    public void Equals_SameContentDifferentOrder_IsEqualWithTheSameHash()
    {
        var reordered = Sample().Reverse().ToDictionary();
        reordered["ss"] = SS("y", "x");
        reordered["bs"] = BS([2], [1]);

        Assert.Equal(Sample(), reordered, ItemComparer.Instance);
        Assert.Equal(ItemComparer.Instance.GetHashCode(Sample()), ItemComparer.Instance.GetHashCode(reordered));
        Assert.Null(ItemComparer.Difference(Sample(), reordered));
    }

    public static TheoryData<string, AttributeValue, string> Changes() => new()
    {
        { "n", N("1.5"), "attribute 'n': N differs (1.50 vs 1.5)" },
        { "b", B(1, 3), "attribute 'b': B differs" },
        { "ss", SS("x"), "attribute 'ss': SS differs" },
        { "ss", SS("x", "x"), "attribute 'ss': SS differs" },
        { "bs", BS([1], [3]), "attribute 'bs': BS differs" },
        { "pk", N("1"), "attribute 'pk': S vs N" },
        { "l", L(S("x"), L(), L()), "attribute 'l[2]': M vs L" },
        { "l", L(S("x"), L()), "attribute 'l': L has 3 vs 2 elements" },
        { "m", M(("k", Bool(false)), ("z", Null())), "attribute 'm.k': Bool differs" },
        { "m", M(("k", Bool(true))), "attribute 'm.z' is missing" },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void Difference_OneValueChanged_SaysWhere(string name, AttributeValue changed, string expected)
    {
        var other = Sample();
        other[name] = changed;

        Assert.NotEqual(Sample(), other, ItemComparer.Instance);
        Assert.StartsWith(expected, ItemComparer.Difference(Sample(), other));
    }

    [Fact]
    public void Difference_EmptyListVersusMissingAttribute_IsADifference()
    {
        var withEmpty = Item(("pk", S("a")), ("l", L()));
        var without = Item(("pk", S("a")));

        Assert.Equal("attribute 'l' is missing from the actual item", ItemComparer.Difference(withEmpty, without));
        Assert.Equal("attribute 'l' is only in the actual item", ItemComparer.Difference(without, withEmpty));
        Assert.False(ItemComparer.Values.Equals(L(), M()));
        Assert.True(ItemComparer.Values.Equals(M(), M()));
    }
}
