using System.Text;
using Amazon.DynamoDBv2.Model;

namespace DynamoDb.Connector.Formats.Items;

/// <summary>
/// DynamoDB's item-size rules: the sum over attributes of the UTF-8 name bytes plus the value's size.
/// String: UTF-8 bytes. Number: one byte per pair of significant digits plus one (see <see cref="OfNumber(string)"/>).
/// Binary: raw bytes. BOOL and NULL: 1. List and map: 3 + 1 per element + the elements (map names included).
/// Sets: the sum of their elements.
/// </summary>
public static class ItemSize
{
    /// <summary>The largest item DynamoDB stores: 400 KB (409,600 bytes).</summary>
    public const int MaxItemBytes = 409_600;

    /// <summary>What a BOOL or NULL weighs.</summary>
    internal const int ScalarBytes = 1;

    /// <summary>What a list or map weighs before its elements.</summary>
    internal const int ContainerBytes = 3;

    /// <summary>What each element of a list or map adds beside its own size (and a map element's name).</summary>
    internal const int ElementBytes = 1;

    /// <summary>The size of an item in bytes, as DynamoDB bills and limits it.</summary>
    public static int Of(IReadOnlyDictionary<string, AttributeValue> item)
    {
        ArgumentNullException.ThrowIfNull(item);
        long size = 0;
        foreach (var (name, value) in item)
        {
            size += Encoding.UTF8.GetByteCount(name) + OfValue(value);
        }
        return Clamp(size);
    }

    /// <summary>The size of one attribute value in bytes (without its name).</summary>
    public static long OfValue(AttributeValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        switch (AttributeValues.KindOf(value))
        {
            case AttributeKind.S: return Encoding.UTF8.GetByteCount(value.S);
            case AttributeKind.N: return OfNumber(value.N);
            case AttributeKind.B: return value.B.Length;
            case AttributeKind.Bool:
            case AttributeKind.Null: return ScalarBytes;
            case AttributeKind.SS:
                long ss = 0;
                foreach (var s in value.SS) ss += Encoding.UTF8.GetByteCount(s);
                return ss;
            case AttributeKind.NS:
                long ns = 0;
                foreach (var n in value.NS) ns += OfNumber(n);
                return ns;
            case AttributeKind.BS:
                long bs = 0;
                foreach (var b in value.BS) bs += b.Length;
                return bs;
            case AttributeKind.L:
                long l = ContainerBytes;
                foreach (var element in value.L) l += ElementBytes + OfValue(element);
                return l;
            case AttributeKind.M:
                long m = ContainerBytes;
                foreach (var (name, element) in value.M) m += ElementBytes + Encoding.UTF8.GetByteCount(name) + OfValue(element);
                return m;
            default: return 0;
        }
    }

    /// <summary>
    /// The stored size of a number: DynamoDB keeps numbers as base-100 digit pairs aligned on the decimal point,
    /// plus one exponent byte, plus one byte for a negative sign. Leading and trailing zeros cost nothing.
    /// This matches the documented "1 byte per 2 significant digits + 1" and never under-counts it.
    /// Text that is not a number is counted by its length, so a bad value still has a size.
    /// </summary>
    public static int OfNumber(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return OfNumber(text.AsSpan());
    }

    /// <inheritdoc cref="OfNumber(string)"/>
    internal static int OfNumber(ReadOnlySpan<char> text)
    {
        if (!NumberText.TryGetSignificantDigits(text, out var negative, out var mostSignificantPower, out var leastSignificantPower))
        {
            return text.Length;
        }
        if (mostSignificantPower == int.MinValue)
        {
            return 1; // zero
        }
        int pairs = FloorDiv2(mostSignificantPower) - FloorDiv2(leastSignificantPower) + 1;
        return pairs + 1 + (negative ? 1 : 0);
    }

    /// <summary>An item's size as an int (a size past int's range is past any limit anyway).</summary>
    internal static int Clamp(long size) => (int)Math.Min(size, int.MaxValue);

    private static int FloorDiv2(int value) => value >= 0 ? value / 2 : -((-value + 1) / 2);
}
