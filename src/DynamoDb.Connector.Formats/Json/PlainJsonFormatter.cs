using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;

namespace DynamoDb.Connector.Formats.Json;

/// <summary>
/// Writes an item as a plain JSON object (the <c>json</c> format), the reverse of the document mapping: S a string,
/// N a number (its text as stored when that is a JSON number, else the same value spelled as one), BOOL true/false,
/// NULL null, L an array, M an object. What plain JSON cannot say is lost: SS/NS/BS become arrays (of strings,
/// numbers, base64 strings) and B a base64 string; read back without a schema they are L and S.
/// </summary>
internal static class PlainJsonFormatter
{
    /// <summary>What writing <c>json</c> loses, for the notice the CLI prints.</summary>
    public const string Losses = "json keeps no DynamoDB types: sets (SS, NS, BS) are written as arrays and binary (B) as base64 strings; read back without a schema they come back as lists and strings";

    /// <summary>Writes <c>{"name":value,...}</c>.</summary>
    /// <exception cref="AttributePathException">A value has no type set, or a number is not valid.</exception>
    public static void WriteMap(JsonItemFormatter output, Dictionary<string, AttributeValue> map)
    {
        output.WriteByte((byte)'{');
        bool first = true;
        foreach (var (name, value) in map)
        {
            if (!first) output.WriteByte((byte)',');
            first = false;
            output.WriteString(name);
            output.WriteByte((byte)':');
            try
            {
                WriteValue(output, value);
            }
            catch (AttributePathException e)
            {
                throw e.Within(name);
            }
        }
        output.WriteByte((byte)'}');
    }

    private static void WriteValue(JsonItemFormatter output, AttributeValue value)
    {
        switch (value is null ? AttributeKind.Empty : AttributeValues.KindOf(value))
        {
            case AttributeKind.S:
                output.WriteString(value!.S);
                break;
            case AttributeKind.N:
                WriteNumber(output, value!.N);
                break;
            case AttributeKind.B:
                output.WriteBase64(value!.B);
                break;
            case AttributeKind.Bool:
                output.WriteRaw(value!.BOOL == true ? "true"u8 : "false"u8);
                break;
            case AttributeKind.Null:
                output.WriteRaw("null"u8);
                break;
            case AttributeKind.SS:
                WriteArray(output, value!.SS, static (o, s) => o.WriteString(s));
                break;
            case AttributeKind.NS:
                WriteArray(output, value!.NS, WriteNumber);
                break;
            case AttributeKind.BS:
                WriteArray(output, value!.BS, static (o, b) => o.WriteBase64(b));
                break;
            case AttributeKind.L:
                output.WriteByte((byte)'[');
                for (int i = 0; i < value!.L.Count; i++)
                {
                    if (i > 0) output.WriteByte((byte)',');
                    try
                    {
                        WriteValue(output, value.L[i]);
                    }
                    catch (AttributePathException e)
                    {
                        throw e.Within($"[{i}]");
                    }
                }
                output.WriteByte((byte)']');
                break;
            case AttributeKind.M:
                WriteMap(output, value!.M);
                break;
            default:
                throw new AttributePathException("the value has no type set (DynamoDB rejects empty attribute values)");
        }
    }

    private static void WriteArray<T>(JsonItemFormatter output, List<T> elements, Action<JsonItemFormatter, T> write)
    {
        output.WriteByte((byte)'[');
        for (int i = 0; i < elements.Count; i++)
        {
            if (i > 0) output.WriteByte((byte)',');
            write(output, elements[i]);
        }
        output.WriteByte((byte)']');
    }

    /// <summary>A number as a JSON number: its own text when JSON allows it ("1.50", "-2e5"), else the same value as "1.5E0" ("+1", ".5", "007").</summary>
    private static void WriteNumber(JsonItemFormatter output, string text)
    {
        if (!NumberText.IsValid(text, out var reason))
        {
            throw new AttributePathException(reason!);
        }
        output.WriteAscii(IsJsonNumber(text) ? text : NumberText.Canonical(text));
    }

    internal static bool IsJsonNumber(string text)
    {
        int i = 0;
        if (i < text.Length && text[i] == '-') i++;
        if (i >= text.Length || !char.IsAsciiDigit(text[i])) return false;
        if (text[i] == '0' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])) return false;
        while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
        if (i < text.Length && text[i] == '.')
        {
            i++;
            if (i >= text.Length || !char.IsAsciiDigit(text[i])) return false;
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
        }
        if (i < text.Length && text[i] is 'e' or 'E')
        {
            i++;
            if (i < text.Length && text[i] is '+' or '-') i++;
            if (i >= text.Length || !char.IsAsciiDigit(text[i])) return false;
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
        }
        return i == text.Length;
    }
}
