using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;

namespace DynamoDb.Connector.Formats.Json;

/// <summary>
/// Builds the <see cref="AttributeValue"/> graph of canonical DynamoDB JSON that was checked when it was written (by
/// the transcoding of a line, or <see cref="EncodedItem.From"/>): no rule is checked again here, the rules are where
/// the bytes were made.
/// </summary>
public sealed partial class JsonItemParser
{
    [ThreadStatic]
    private static NameCache? t_names;

    /// <summary>
    /// The item of an <see cref="EncodedItem"/>'s bytes (canonical and checked). Names are cached per thread, as they
    /// repeat from item to item.
    /// </summary>
    /// <exception cref="AttributePathException">The bytes are not canonical DynamoDB JSON (not made by this package).</exception>
    internal static Dictionary<string, AttributeValue> Decode(ReadOnlySpan<byte> canonical) =>
        Decode(canonical, t_names ??= new NameCache(), 8);

    private static Dictionary<string, AttributeValue> Decode(ReadOnlySpan<byte> canonical, NameCache names, int capacity)
    {
        try
        {
            var reader = new Utf8JsonReader(canonical, ReaderOptions);
            Expect(ref reader, JsonTokenType.StartObject);
            return DecodeMap(ref reader, names, capacity);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw NotCanonical();
        }
    }

    private static Dictionary<string, AttributeValue> DecodeMap(ref Utf8JsonReader reader, NameCache names, int capacity)
    {
        var map = new Dictionary<string, AttributeValue>(capacity);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string name = reader.ValueIsEscaped ? reader.GetString()! : names.Get(reader.ValueSpan);
            Expect(ref reader, JsonTokenType.StartObject);
            if (!map.TryAdd(name, DecodeValue(ref reader, names)))
            {
                throw NotCanonical();
            }
        }
        return map;
    }

    /// <summary>The typed value the reader is on (at its StartObject); leaves the reader at its EndObject.</summary>
    private static AttributeValue DecodeValue(ref Utf8JsonReader reader, NameCache names)
    {
        if (!reader.Read() || !TypeKeys.TryParse(reader.ValueSpan, out var kind) || !reader.Read())
        {
            throw NotCanonical();
        }
        var value = kind switch
        {
            AttributeKind.S => new AttributeValue { S = reader.GetString() },
            AttributeKind.N => new AttributeValue { N = reader.GetString() },
            AttributeKind.B => new AttributeValue { B = DecodeBinary(ref reader) },
            AttributeKind.Bool => new AttributeValue { BOOL = reader.GetBoolean() },
            AttributeKind.Null => new AttributeValue { NULL = true },
            AttributeKind.SS => new AttributeValue { SS = DecodeStrings(ref reader) },
            AttributeKind.NS => new AttributeValue { NS = DecodeStrings(ref reader) },
            AttributeKind.BS => new AttributeValue { BS = DecodeBinaries(ref reader) },
            AttributeKind.L => new AttributeValue { L = DecodeList(ref reader, names) },
            _ => new AttributeValue { M = DecodeMap(ref reader, names, 0) },
        };
        Expect(ref reader, JsonTokenType.EndObject);
        return value;
    }

    private static List<string> DecodeStrings(ref Utf8JsonReader reader)
    {
        var set = new List<string>();
        while (reader.Read() && reader.TokenType == JsonTokenType.String) set.Add(reader.GetString()!);
        return set;
    }

    private static List<MemoryStream> DecodeBinaries(ref Utf8JsonReader reader)
    {
        var set = new List<MemoryStream>();
        while (reader.Read() && reader.TokenType == JsonTokenType.String) set.Add(DecodeBinary(ref reader));
        return set;
    }

    private static List<AttributeValue> DecodeList(ref Utf8JsonReader reader, NameCache names)
    {
        var list = new List<AttributeValue>();
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject) list.Add(DecodeValue(ref reader, names));
        return list;
    }

    /// <summary>Canonical base64 (padded, no escapes) decodes to exactly 3/4 of its length minus the padding.</summary>
    private static MemoryStream DecodeBinary(ref Utf8JsonReader reader)
    {
        var text = reader.ValueSpan;
        int padding = text.Length > 0 && text[^1] == (byte)'=' ? (text.Length > 1 && text[^2] == (byte)'=' ? 2 : 1) : 0;
        var bytes = new byte[Math.Max(0, (text.Length / 4 * 3) - padding)];
        if (reader.ValueIsEscaped || Base64.DecodeFromUtf8(text, bytes, out _, out int written) != OperationStatus.Done || written != bytes.Length)
        {
            throw NotCanonical();
        }
        return new MemoryStream(bytes, 0, bytes.Length, writable: true, publiclyVisible: true);
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType token)
    {
        if (!reader.Read() || reader.TokenType != token)
        {
            throw NotCanonical();
        }
    }

    private static AttributePathException NotCanonical() =>
        new("the encoded item is not the canonical DynamoDB JSON this package writes");
}
