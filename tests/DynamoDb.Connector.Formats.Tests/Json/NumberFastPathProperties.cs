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

public class SameNumberProperties
{
    private static readonly Gen<string> Numbers = Gen.OneOf(
        Gen.Elements("0", "-0", "0.0", "1", "1.0", "01", "1.50", "1.5", "15E-1", "0.15e1", "-1.5", "100", "1E2", "1e+2", "10E1", "0.001", "1E-3", "12.345", "1234.5E-2"),
        Gen.Choose(0, 3).SelectMany(zeros => Gen.Choose(1, 999).SelectMany(n => Gen.Choose(-3, 3).Select(e =>
            $"{n}{new string('0', zeros)}E{e}"))));

    [Property(MaxTest = 3000)]
    public Property SameNumber_AnyTwoNumbers_AgreesWithComparingCanonicalForms() => Prop.ForAll(
        Gen.Zip(Numbers, Numbers).ToArbitrary(),
        pair => JsonItemParser.SameNumber(pair.Item1, pair.Item2) == (NumberText.Canonical(pair.Item1) == NumberText.Canonical(pair.Item2)));

    [Theory]
    [InlineData("1.5", "1.50", true)]
    [InlineData("15E-1", "1.5", true)]
    [InlineData("100", "1E2", true)]
    [InlineData("-0", "0.000", true)]
    [InlineData("1.5", "-1.5", false)]
    [InlineData("1.5", "1.6", false)]
    [InlineData("105", "150", false)]
    public void SameNumber_Examples(string a, string b, bool same)
    {
        Assert.Equal(same, JsonItemParser.SameNumber(a, b));
    }
}
