using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Tests.Writing;

public sealed class StoredItemMatchTests
{
    private static Dictionary<string, AttributeValue> Item(string n, params string[] set) => new()
    {
        ["pk"] = new() { S = "a" },
        ["n"] = new() { N = n },
        ["m"] = new() { M = new() { ["deep"] = new() { L = [new() { N = n }] } } },
        ["ns"] = new() { NS = [.. set] },
    };

    [Fact]
    public void Same_ANumberAsDynamoDbStoresIt_IsTheItemThatWasPut()
    {
        Assert.True(StoredItemMatch.Same(Item("1.50", "2.0", "10"), Item("1.5", "10", "2")));
    }

    [Fact]
    public void Same_ANumberOfAnotherValue_OrAnotherString_IsAnotherItem()
    {
        Assert.False(StoredItemMatch.Same(Item("1.50", "2"), Item("1.51", "2")));
        Assert.False(StoredItemMatch.Same(Item("1", "2"), Item("1", "3")));
        var other = Item("1", "2");
        other["pk"] = new() { S = "b" };
        Assert.False(StoredItemMatch.Same(Item("1", "2"), other));
    }
}
