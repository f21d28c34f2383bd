using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Formats.Json;

/// <summary>The typed attribute values of a line: maps, scalars, sets, lists, and the checks on each.</summary>
public sealed partial class JsonItemParser
{
    private Dictionary<string, AttributeValue> ReadMap(ref Utf8JsonReader reader, int capacity)
    {
        var map = new Dictionary<string, AttributeValue>(capacity);
        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            string name = reader.ValueIsEscaped ? JsonText.GetString(ref reader, "an attribute name") : _names.Get(reader.ValueSpan);
            Next(ref reader);
            AttributeValue value;
            try
            {
                value = ReadValue(ref reader);
            }
            catch (AttributePathException e)
            {
                throw e.Within(name);
            }
            if (!map.TryAdd(name, value))
            {
                throw new AttributePathException("appears twice in the same map").Within(name);
            }
        }
        return map;
    }

    private AttributeValue ReadValue(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new AttributePathException($"the value is {JsonDocumentParser.Describe(reader.TokenType)}, not a typed value such as {{\"S\":\"text\"}} (plain JSON values are read with --format json)");
        }
        if (Next(ref reader) == JsonTokenType.EndObject)
        {
            throw new AttributePathException("the typed value has no type key; it needs exactly one, such as {\"S\":\"text\"}");
        }
        var kind = ReadTypeKey(ref reader);
        Next(ref reader);
        AttributeValue value = kind switch
        {
            AttributeKind.S => new AttributeValue { S = ReadString(ref reader, kind) },
            AttributeKind.N => new AttributeValue { N = ReadNumber(ref reader) },
            AttributeKind.B => new AttributeValue { B = ReadBinary(ref reader, kind) },
            AttributeKind.Bool => new AttributeValue { BOOL = ReadBoolean(ref reader) },
            AttributeKind.Null => ReadNull(ref reader),
            AttributeKind.SS => new AttributeValue { SS = ReadStringSet(ref reader, kind) },
            AttributeKind.NS => new AttributeValue { NS = ReadStringSet(ref reader, kind) },
            AttributeKind.BS => new AttributeValue { BS = ReadBinarySet(ref reader) },
            AttributeKind.L => new AttributeValue { L = ReadList(ref reader) },
            _ => new AttributeValue { M = ReadNestedMap(ref reader) },
        };
        if (Next(ref reader) != JsonTokenType.EndObject)
        {
            throw new AttributePathException($"the typed value has more than one type key ('{JsonDocumentParser.Name(kind)}' and '{Excerpt(JsonText.GetString(ref reader, "its second type key"))}')");
        }
        return value;
    }

    private static AttributeKind ReadTypeKey(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped && TypeKeys.TryParse(reader.ValueSpan, out var kind))
        {
            return kind;
        }
        string key = JsonText.GetString(ref reader, "the type key");
        if (reader.ValueIsEscaped && TypeKeys.TryParse(Encoding.UTF8.GetBytes(key), out kind))
        {
            return kind;
        }
        throw new AttributePathException($"unknown type key '{Excerpt(key)}'; expected one of S, N, B, BOOL, NULL, SS, NS, BS, L, M");
    }

    private static string ReadString(ref Utf8JsonReader reader, AttributeKind kind)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new AttributePathException($"the {JsonDocumentParser.Name(kind)} value is {JsonDocumentParser.Describe(reader.TokenType)}, expected a string");
        }
        return JsonText.GetString(ref reader, $"the {JsonDocumentParser.Name(kind)} value");
    }

    private static string ReadNumber(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new AttributePathException($"the N value is {JsonDocumentParser.Describe(reader.TokenType)}, expected a string holding the number's text");
        }
        if (!reader.ValueIsEscaped && IsPlainNumber(reader.ValueSpan))
        {
            return reader.GetString()!;
        }
        string text = JsonText.GetString(ref reader, "the N value");
        return NumberText.IsValid(text, out var reason) ? text : throw new AttributePathException(reason!);
    }

    /// <summary>
    /// The common case, decided on the bytes in a few nanoseconds (NumberText.IsValid takes several times longer):
    /// an optional '-', digits and at most one '.', at most 38 bytes. Such a number has at most 38 significant digits
    /// and lies between 1E-37 and 1E38, so DynamoDB accepts it. Anything else goes through the full check.
    /// </summary>
    internal static bool IsPlainNumber(ReadOnlySpan<byte> text)
    {
        if (text.IsEmpty || text.Length > NumberText.MaxSignificantDigits)
        {
            return false;
        }
        bool point = false, digit = false;
        for (int i = text[0] == (byte)'-' ? 1 : 0; i < text.Length; i++)
        {
            byte c = text[i];
            if ((uint)(c - '0') <= 9) digit = true;
            else if (c == (byte)'.' && !point) point = true;
            else return false;
        }
        return digit;
    }

    private static bool ReadBoolean(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        _ => throw new AttributePathException($"the BOOL value is {JsonDocumentParser.Describe(reader.TokenType)}, expected true or false"),
    };

    private static AttributeValue ReadNull(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.True => new AttributeValue { NULL = true },
        JsonTokenType.False => throw new AttributePathException("the NULL value is false; DynamoDB only has NULL: true"),
        _ => throw new AttributePathException($"the NULL value is {JsonDocumentParser.Describe(reader.TokenType)}, expected true"),
    };

    private static MemoryStream ReadBinary(ref Utf8JsonReader reader, AttributeKind kind)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new AttributePathException($"the {JsonDocumentParser.Name(kind)} value is {JsonDocumentParser.Describe(reader.TokenType)}, expected a base64 string");
        }
        byte[]? rented = null;
        try
        {
            ReadOnlySpan<byte> text = reader.ValueSpan;
            if (reader.ValueIsEscaped)
            {
                rented = ArrayPool<byte>.Shared.Rent(text.Length);
                text = rented.AsSpan(0, reader.CopyString(rented));
            }
            return DecodeBase64(text);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static MemoryStream DecodeBase64(ReadOnlySpan<byte> text)
    {
        // Padded base64 decodes to exactly 3/4 of its length minus the padding: allocate that, once.
        int padding = text.Length > 0 && text[^1] == (byte)'=' ? (text.Length > 1 && text[^2] == (byte)'=' ? 2 : 1) : 0;
        var bytes = new byte[Math.Max(0, (text.Length / 4 * 3) - padding)];
        var status = Base64.DecodeFromUtf8(text, bytes, out _, out int written);
        if (status == OperationStatus.DestinationTooSmall)
        {
            bytes = new byte[Base64.GetMaxDecodedFromUtf8Length(text.Length)];
            status = Base64.DecodeFromUtf8(text, bytes, out _, out written);
        }
        if (status != OperationStatus.Done)
        {
            throw new AttributePathException($"'{Excerpt(Encoding.UTF8.GetString(text))}' is not valid base64 (standard alphabet, '=' padding)");
        }
        return new MemoryStream(bytes, 0, written, writable: true, publiclyVisible: true);
    }

    private static List<string> ReadStringSet(ref Utf8JsonReader reader, AttributeKind kind)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new AttributePathException($"the {JsonDocumentParser.Name(kind)} value is {JsonDocumentParser.Describe(reader.TokenType)}, expected an array of strings");
        }
        var set = new List<string>();
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new AttributePathException($"{JsonDocumentParser.Name(kind)} element {set.Count} is {JsonDocumentParser.Describe(reader.TokenType)}, expected a string");
            }
            bool plain = kind == AttributeKind.NS && !reader.ValueIsEscaped && IsPlainNumber(reader.ValueSpan);
            string element = JsonText.GetString(ref reader, $"{JsonDocumentParser.Name(kind)} element {set.Count}");
            if (kind == AttributeKind.NS && !plain && !NumberText.IsValid(element, out var reason))
            {
                throw new AttributePathException($"NS element {set.Count}: {reason}");
            }
            set.Add(element);
        }
        // DynamoDB compares set numbers by value: "1.5" and "1.50" are the same element.
        if (FindDuplicate(set, numbers: kind == AttributeKind.NS) is int duplicate)
        {
            throw new AttributePathException($"the {JsonDocumentParser.Name(kind)} set has the element '{Excerpt(set[duplicate])}' twice; set elements must be distinct");
        }
        return set;
    }

    private static List<MemoryStream> ReadBinarySet(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new AttributePathException($"the BS value is {JsonDocumentParser.Describe(reader.TokenType)}, expected an array of base64 strings");
        }
        var set = new List<MemoryStream>();
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new AttributePathException($"BS element {set.Count} is {JsonDocumentParser.Describe(reader.TokenType)}, expected a base64 string");
            }
            set.Add(ReadBinary(ref reader, AttributeKind.BS));
        }
        var texts = set.ConvertAll(element => Convert.ToBase64String(AttributeValues.BytesOf(element)));
        if (FindDuplicate(texts, numbers: false) is int duplicate)
        {
            throw new AttributePathException($"the BS set has the element '{Excerpt(texts[duplicate])}' twice; set elements must be distinct");
        }
        return set;
    }

    private List<AttributeValue> ReadList(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new AttributePathException($"the L value is {JsonDocumentParser.Describe(reader.TokenType)}, expected an array of typed values");
        }
        var list = new List<AttributeValue>();
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            try
            {
                list.Add(ReadValue(ref reader));
            }
            catch (AttributePathException e)
            {
                throw e.Within($"[{list.Count}]");
            }
        }
        return list;
    }

    private Dictionary<string, AttributeValue> ReadNestedMap(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new AttributePathException($"the M value is {JsonDocumentParser.Describe(reader.TokenType)}, expected an object of typed values");
        }
        return ReadMap(ref reader, 0);
    }

    /// <summary>
    /// The index of the first element equal to an earlier one, or null. Strings compare by ordinal; numbers by value,
    /// as DynamoDB compares set elements ("1.5" and "1.50" are the same).
    /// </summary>
    internal static int? FindDuplicate(List<string> set, bool numbers)
    {
        if (set.Count <= SmallSet)
        {
            for (int i = 1; i < set.Count; i++)
            {
                for (int j = 0; j < i; j++)
                {
                    if (numbers ? SameNumber(set[i], set[j]) : string.Equals(set[i], set[j], StringComparison.Ordinal)) return i;
                }
            }
            return null;
        }
        var seen = new HashSet<string>(set.Count, StringComparer.Ordinal);
        for (int i = 0; i < set.Count; i++)
        {
            if (!seen.Add(numbers ? NumberText.Canonical(set[i]) : set[i])) return i;
        }
        return null;
    }

    /// <summary>Whether two valid numbers have the same value, without allocating (unlike comparing canonical forms).</summary>
    internal static bool SameNumber(string a, string b)
    {
        if (string.Equals(a, b, StringComparison.Ordinal))
        {
            return true;
        }
        if (!NumberText.TryGetSignificantDigits(a, out bool negativeA, out int highA, out int lowA)
            || !NumberText.TryGetSignificantDigits(b, out bool negativeB, out int highB, out int lowB)
            || negativeA != negativeB || highA != highB || lowA != lowB)
        {
            return false;
        }
        // Same sign and same powers of the first and last significant digit: compare those digits in order.
        int i = FirstSignificantDigit(a), j = FirstSignificantDigit(b);
        for (int remaining = highA == int.MinValue ? 0 : highA - lowA + 1; remaining > 0; remaining--)
        {
            if (a[i] != b[j]) return false;
            if (remaining > 1)
            {
                i = a[i + 1] == '.' ? i + 2 : i + 1;
                j = b[j + 1] == '.' ? j + 2 : j + 1;
            }
        }
        return true;
    }

    private static int FirstSignificantDigit(string number)
    {
        int i = number[0] is '-' or '+' ? 1 : 0;
        while (i < number.Length && number[i] is '0' or '.') i++;
        return i;
    }
    private static void StartObject(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new AttributePathException($"the line is {JsonDocumentParser.Describe(reader.TokenType)}, not a JSON object");
        }
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader) => reader.Read()
        ? reader.TokenType
        : throw new AttributePathException("the line ends in the middle of the JSON (truncated)");

    private static void EnsureEnd(ref Utf8JsonReader reader)
    {
        if (reader.Read())
        {
            throw new AttributePathException("there is more JSON after the object");
        }
    }

    private static string Excerpt(string text) => JsonText.Excerpt(text);
}
