using System.Text;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;

namespace DynamoDb.Connector.Formats.Tests.Items;

public class ItemSizeTests
{
    private static AttributeValue S(string s) => new() { S = s };
    private static AttributeValue N(string n) => new() { N = n };

    [Fact]
    public void Of_DocumentedShirtExample_Is23Bytes()
    {
        var item = new Dictionary<string, AttributeValue> { ["shirt-color"] = S("R"), ["shirt-size"] = S("M") };
        Assert.Equal(23, ItemSize.Of(item));
    }

    [Theory]
    [InlineData("0", 1)]
    [InlineData("1", 2)]
    [InlineData("12", 2)]
    [InlineData("123", 3)]
    [InlineData("1234", 3)]
    [InlineData("-1", 3)]
    [InlineData("1000000", 2)]
    [InlineData("0.001", 2)]
    [InlineData("12.5", 3)]
    [InlineData("1.5E3", 2)]
    [InlineData("12345678901234567890123456789012345678", 20)]
    public void OfNumber_CountsBase100DigitPairsPlusExponentByte(string number, int expected)
    {
        Assert.Equal(expected, ItemSize.OfNumber(number));
        // Never below DynamoDB's documented approximation: 1 byte per 2 significant digits, plus 1.
        string digits = number.TrimStart('-').Split('E')[0].Replace(".", "").Trim('0');
        Assert.True(ItemSize.OfNumber(number) >= (digits.Length + 1) / 2 + 1 || number == "0");
    }

    [Fact]
    public void Of_ListAndMap_Cost3PlusOnePerElement()
    {
        var item = new Dictionary<string, AttributeValue>
        {
            ["l"] = new() { L = [S("ab"), new AttributeValue { BOOL = true }] }, // 1 + (3 + (1+2) + (1+1))
            ["m"] = new() { M = new() { ["k"] = S("v") } },                    // 1 + (3 + 1 + 1 + 1)
            ["e"] = new() { L = [] },                                           // 1 + 3
        };
        Assert.Equal(1 + 8 + 1 + 6 + 1 + 3, ItemSize.Of(item));
    }

    [Fact]
    public void Of_SetsAndBinary_SumElementBytes()
    {
        var item = new Dictionary<string, AttributeValue>
        {
            ["ss"] = new() { SS = ["a", "bcd"] },
            ["bs"] = new() { BS = [new MemoryStream([1, 2, 3])] },
            ["b"] = new() { B = new MemoryStream(new byte[10]) },
            ["n"] = new() { NULL = true },
            ["ü"] = S("é"),
        };
        Assert.Equal(2 + 4 + 2 + 3 + 1 + 10 + 1 + 1 + Encoding.UTF8.GetByteCount("ü") + 2, ItemSize.Of(item));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(50, 1)]
    [InlineData(1024, 1)]
    [InlineData(1025, 2)]
    [InlineData(3520, 4)]
    [InlineData(409_600, 400)]
    public void ForWrite_RoundsUpPerKilobyte(int bytes, int units) => Assert.Equal(units, CapacityUnits.ForWrite(bytes));

    [Theory]
    [InlineData(1, true, 1)]
    [InlineData(1, false, 0.5)]
    [InlineData(4097, true, 2)]
    [InlineData(8192, false, 1)]
    public void ForRead_RoundsUpPerFourKilobytes(int bytes, bool consistent, double units) =>
        Assert.Equal(units, CapacityUnits.ForRead(bytes, consistent));

    [Fact]
    public void ImportEstimate_SecondsAreItemsTimesUnitsOverCapacity()
    {
        var estimate = new ImportEstimate();
        for (int i = 0; i < 1000; i++) estimate = estimate.Add(3520);
        Assert.Equal(4000, estimate.WriteUnits);
        Assert.Equal(40, estimate.SecondsAt(100));
        Assert.Equal(3520, estimate.AverageItemBytes);
    }
}
