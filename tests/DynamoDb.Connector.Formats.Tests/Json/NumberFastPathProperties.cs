using System.Text;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace DynamoDb.Connector.Formats.Tests.Json;

public class NumberFastPathProperties
{
    [Property(MaxTest = 2000)]
    public Property IsPlainNumber_AnyTextOfNumberCharacters_AcceptsOnlyWhatNumberTextAccepts() => Prop.ForAll(
        Gen.Choose(0, 45).SelectMany(n => Gen.ArrayOf(Gen.Elements('0', '1', '9', '.', '-', '+', 'e', '0', '5'), n))
            .Select(chars => new string(chars)).ToArbitrary(),
        text => !JsonItemParser.IsPlainNumber(Encoding.ASCII.GetBytes(text)) || NumberText.IsValid(text, out _));

    [Theory]
    [InlineData("0", true)]
    [InlineData("-12.5", true)]
    [InlineData("12345678901234567890123456789012345678", true)]
    [InlineData("0.000000000000000000000000000000000001", true)]
    [InlineData("123456789012345678901234567890123456789", false)]
    [InlineData("1E5", false)]
    [InlineData("-", false)]
    [InlineData(".", false)]
    [InlineData("1.2.3", false)]
    [InlineData("1-2", false)]
    [InlineData("", false)]
    public void IsPlainNumber_Examples(string text, bool plain)
    {
        Assert.Equal(plain, JsonItemParser.IsPlainNumber(Encoding.ASCII.GetBytes(text)));
    }
}
