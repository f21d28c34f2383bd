using System.Collections;
using System.Globalization;
using System.Numerics;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using Parquet.Data;

namespace DynamoDb.Connector.Formats.Parquet;

/// <summary>What a reader makes of a Parquet null.</summary>
public enum ParquetNulls
{
    /// <summary>A null top-level column or struct/map value leaves the attribute out (the default). A null inside a list is still NULL: a list keeps its positions.</summary>
    Omit,
    /// <summary>A null becomes <c>{"NULL":true}</c>.</summary>
    Null,
}

/// <summary>Thrown for a value a DynamoDB attribute cannot hold; the message names the column and the reason.</summary>
internal sealed class ParquetValueException(string column, string reason) : Exception($"column '{column}': {reason}")
{
    public string Column { get; } = column;

    public string Reason { get; } = reason;
}

/// <summary>
/// Parquet values (as Parquet.Net's untyped reader gives them) to DynamoDB values: integers, floats and decimals N
/// (decimals exactly with their scale, floats by their shortest round-trip text; NaN and infinities refused), strings
/// S, binary B, booleans BOOL, lists L, structs and maps M, dates and timestamps ISO-8601 strings S.
/// </summary>
internal static class ParquetValues
{
    /// <summary>The value for <paramref name="value"/>, or null for a Parquet null that <paramref name="nulls"/> leaves out.</summary>
    /// <exception cref="ParquetValueException">The value cannot be a DynamoDB value.</exception>
    public static AttributeValue? ToAttribute(object? value, string column, ParquetNulls nulls) => value switch
    {
        null => nulls == ParquetNulls.Null ? new AttributeValue { NULL = true } : null,
        string s => new AttributeValue { S = s },
        ReadOnlyMemory<char> chars => new AttributeValue { S = chars.ToString() },
        byte[] bytes => new AttributeValue { B = new MemoryStream(bytes, writable: false) },
        ReadOnlyMemory<byte> bytes => new AttributeValue { B = new MemoryStream(bytes.ToArray(), writable: false) },
        bool b => new AttributeValue { BOOL = b },
        sbyte or byte or short or ushort or int or uint or long or ulong or BigInteger => Number(Convert.ToString(value, CultureInfo.InvariantCulture)!, column),
        decimal d => Number(d.ToString(CultureInfo.InvariantCulture), column),
        BigDecimal big => Number(DecimalText(big.UnscaledValue, big.Scale), column),
        float f => float.IsFinite(f) ? Number(f.ToString("R", CultureInfo.InvariantCulture), column) : throw NotFinite(column, f.ToString(CultureInfo.InvariantCulture)),
        double d => double.IsFinite(d) ? Number(d.ToString("R", CultureInfo.InvariantCulture), column) : throw NotFinite(column, d.ToString(CultureInfo.InvariantCulture)),
        Half h => Half.IsFinite(h) ? Number(((float)h).ToString("R", CultureInfo.InvariantCulture), column) : throw NotFinite(column, h.ToString()),
        DateTime t => new AttributeValue { S = Timestamp(t) },
        DateTimeOffset t => new AttributeValue { S = t.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture) },
        DateOnly d => new AttributeValue { S = d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) },
        TimeOnly t => new AttributeValue { S = t.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture) },
        TimeSpan t => new AttributeValue { S = TimeOnly.FromTimeSpan(t).ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture) },
        Guid g => new AttributeValue { S = g.ToString() },
        ParquetMapEntries pairs => Map(pairs, column, nulls),
        IDictionary map => Map(map, column, nulls),
        IEnumerable list => List(list, column, nulls),
        _ => throw new ParquetValueException(column, $"values of type {value.GetType().Name} have no DynamoDB type"),
    };

    /// <summary>A timestamp as ISO-8601 text: <c>2024-01-02T03:04:05.123456Z</c> for UTC, without a zone when the file gives none; fractions without trailing zeros.</summary>
    public static string Timestamp(DateTime t) => t.ToString(t.Kind == DateTimeKind.Utc ? "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'" : "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);

    /// <summary>An unscaled integer and a scale as exact decimal text: (12345, 3) is <c>12.345</c>, (1200, 2) is <c>12.00</c>.</summary>
    public static string DecimalText(BigInteger unscaled, int scale)
    {
        if (scale <= 0) return (unscaled * BigInteger.Pow(10, -scale)).ToString(CultureInfo.InvariantCulture);
        string digits = BigInteger.Abs(unscaled).ToString(CultureInfo.InvariantCulture).PadLeft(scale + 1, '0');
        return $"{(unscaled.Sign < 0 ? "-" : "")}{digits[..^scale]}.{digits[^scale..]}";
    }

    private static AttributeValue Number(string text, string column) => NumberText.IsValid(text, out var reason)
        ? new AttributeValue { N = text }
        : throw new ParquetValueException(column, reason!);

    private static ParquetValueException NotFinite(string column, string value) =>
        new(column, $"the value is {value}, which a DynamoDB number cannot hold");

    private static AttributeValue Map(IDictionary map, string column, ParquetNulls nulls)
    {
        var m = new Dictionary<string, AttributeValue>(map.Count);
        foreach (DictionaryEntry entry in map)
        {
            string key = KeyText(entry.Key) ?? throw new ParquetValueException(column, "a map key is null");
            if (ToAttribute(entry.Value, $"{column}.{key}", nulls) is { } value) m[key] = value;
        }
        return new AttributeValue { M = m };
    }

    private static AttributeValue Map(ParquetMapEntries pairs, string column, ParquetNulls nulls)
    {
        var m = new Dictionary<string, AttributeValue>(pairs.Count);
        foreach (var pair in pairs)
        {
            string key = KeyText(pair[0]) ?? throw new ParquetValueException(column, "a map key is null");
            if (ToAttribute(pair[1], $"{column}.{key}", nulls) is { } value) m[key] = value;
        }
        return new AttributeValue { M = m };
    }

    private static string? KeyText(object? key) => key switch
    {
        null => null,
        string s => s,
        ReadOnlyMemory<char> chars => chars.ToString(),
        _ => Convert.ToString(key, CultureInfo.InvariantCulture),
    };

    private static AttributeValue List(IEnumerable list, string column, ParquetNulls nulls)
    {
        var l = new List<AttributeValue>();
        int index = 0;
        foreach (object? element in list)
        {
            // A null element is NULL, so the list keeps its positions; the fields of a struct in it follow the option.
            l.Add(element is null ? new AttributeValue { NULL = true } : ToAttribute(element, $"{column}[{index}]", nulls)!);
            index++;
        }
        return new AttributeValue { L = l };
    }
}
