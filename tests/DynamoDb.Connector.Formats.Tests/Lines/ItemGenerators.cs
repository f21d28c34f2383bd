using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using FsCheck;
using FsCheck.Fluent;

namespace DynamoDb.Connector.Formats.Tests.Lines;

/// <summary>FsCheck generators for DynamoDB items of every type and nesting, with the awkward cases on purpose.</summary>
internal static class ItemGenerators
{
    /// <summary>Pieces strings are made of: ASCII, JSON-special and control characters, line separators, non-BMP.</summary>
    private static readonly string[] Pieces =
    [
        "a", "b", "Z", "0", " ", "user#42", "\"", "\\", "/", "<", ">", "&", "'", "=", "\0", "\u0001", "\u0002", "\u0003", "\b", "\t",
        "\n", "\f", "\r", "\u001f", "\u007f", "\u0085", "\u00a0", "é", "ü", "日本", "\u2028", "\u2029", "😀", "𝄞", "\uFEFF",
    ];

    public static Gen<string> Text { get; } =
        Gen.Choose(0, 8).SelectMany(n => Gen.ArrayOf(Gen.Elements(Pieces), n)).Select(parts => string.Concat(parts));

    /// <summary>Valid DynamoDB numbers: up to 38 significant digits, signs, points, exponents.</summary>
    public static Gen<string> Number { get; } =
        from digits in Gen.Choose(1, 38)
        from mantissa in Gen.ArrayOf(Gen.Choose(0, 9), digits)
        from first in Gen.Choose(1, 9)
        from point in Gen.Choose(0, digits)
        from negative in Gen.Elements(true, false)
        from exponent in Gen.Frequency((3, Gen.Constant<int?>(null)), (1, Gen.Choose(-80, 80).Select(e => (int?)e)))
        from leadingZeros in Gen.Elements("", "", "0.", "0.000")
        select Compose(first, mantissa, point, negative, exponent, leadingZeros);

    private static string Compose(int first, int[] mantissa, int point, bool negative, int? exponent, string leadingZeros)
    {
        var digits = string.Concat(mantissa.Skip(1).Select(d => (char)('0' + d)).Prepend((char)('0' + first)));
        string body = leadingZeros.Length > 0 ? leadingZeros + digits : point == 0 || point == digits.Length ? digits : $"{digits[..point]}.{digits[point..]}";
        return $"{(negative ? "-" : "")}{body}{(exponent is { } e ? $"E{e}" : "")}";
    }

    public static Gen<byte[]> Bytes { get; } = Gen.Choose(0, 40).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), n));

    public static Gen<string> Name { get; } = Gen.OneOf(
        Gen.Elements("pk", "sk", "id", "data", "a b", "\"quoted\"", "é", "日本", "😀", "s", "S", "Item", "NewImage", "l", "m", "nULL"),
        Text);

    public static Gen<AttributeValue> Value(int size)
    {
        var scalars = new List<(int, Gen<AttributeValue>)>
        {
            (4, Text.Select(s => new AttributeValue { S = s })),
            (4, Number.Select(n => new AttributeValue { N = n })),
            (2, Bytes.Select(b => new AttributeValue { B = new MemoryStream(b) })),
            (1, Gen.Elements(true, false).Select(b => new AttributeValue { BOOL = b })),
            (1, Gen.Constant(0).Select(_ => new AttributeValue { NULL = true })),
            (2, Set(Text, s => s).Select(s => new AttributeValue { SS = s })),
            (2, Set(Number, NumberText.Canonical).Select(s => new AttributeValue { NS = s })),
            (1, Set(Bytes, Convert.ToBase64String).Select(s => new AttributeValue { BS = s.ConvertAll(b => new MemoryStream(b)) })),
        };
        if (size > 1)
        {
            var smaller = Gen.Sized(_ => Value(size / 3));
            scalars.Add((2, Gen.Choose(0, 4).SelectMany(n => Gen.ArrayOf(smaller, n)).Select(l => new AttributeValue { L = [.. l] })));
            scalars.Add((2, MapOf(smaller, 4).Select(m => new AttributeValue { M = m })));
        }
        else
        {
            scalars.Add((1, Gen.Constant(0).Select(_ => new AttributeValue { L = [] })));
            scalars.Add((1, Gen.Constant(0).Select(_ => new AttributeValue { M = [] })));
        }
        return Gen.Frequency(scalars);
    }

    /// <summary>Distinct elements (by <paramref name="identity"/>, as DynamoDB compares them); at least one.</summary>
    private static Gen<List<T>> Set<T>(Gen<T> element, Func<T, string> identity) =>
        Gen.Choose(1, 5).SelectMany(n => Gen.ArrayOf(element, n)).Select(elements => elements.DistinctBy(identity).ToList());

    private static Gen<Dictionary<string, AttributeValue>> MapOf(Gen<AttributeValue> value, int max) =>
        Gen.Choose(0, max).SelectMany(n => Gen.ArrayOf(Gen.Zip(Name, value), n))
            .Select(pairs => pairs.DistinctBy(p => p.Item1).ToDictionary(p => p.Item1, p => p.Item2));

    /// <summary>An item: at least one attribute, nested up to a few levels.</summary>
    public static Gen<Dictionary<string, AttributeValue>> Item { get; } =
        Gen.Sized(size => MapOf(Value(Math.Min(size, 60)), 8)).Where(item => item.Count > 0);

    public static Arbitrary<List<Dictionary<string, AttributeValue>>> Items { get; } =
        Gen.Choose(0, 12).SelectMany(n => Gen.ArrayOf(Item, n)).Select(items => items.ToList()).ToArbitrary();
}
