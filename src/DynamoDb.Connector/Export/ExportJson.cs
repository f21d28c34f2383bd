using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Json;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Export;

/// <summary>
/// A map of attribute values (an item, a key, expression values) in JSON as DynamoDB's wire format writes it,
/// <c>{"pk":{"S":"a"},"n":{"N":"1"}}</c>, through the Formats codec (numbers keep their exact text, binary is base64).
/// </summary>
internal sealed class AttributeMapJsonConverter : JsonConverter<IReadOnlyDictionary<string, AttributeValue>>
{
    public override IReadOnlyDictionary<string, AttributeValue>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        using var document = JsonDocument.ParseValue(ref reader);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"An attribute map must be a JSON object, not {document.RootElement.ValueKind}.");
        }
        if (!document.RootElement.EnumerateObject().Any()) return new Dictionary<string, AttributeValue>();
        return ExportJson.ParseMap(Encoding.UTF8.GetBytes(document.RootElement.GetRawText()));
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, AttributeValue> value, JsonSerializerOptions options)
    {
        if (value.Count == 0)
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
            return;
        }
        writer.WriteRawValue(ExportJson.FormatMap(value), skipInputValidation: true);
    }
}

/// <summary>The same as <see cref="AttributeMapJsonConverter"/> for a mutable dictionary.</summary>
internal sealed class AttributeDictionaryJsonConverter : JsonConverter<Dictionary<string, AttributeValue>>
{
    private static readonly AttributeMapJsonConverter Inner = new();

    public override Dictionary<string, AttributeValue>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Inner.Read(ref reader, typeToConvert, options) is { } map ? new Dictionary<string, AttributeValue>(map, StringComparer.Ordinal) : null;

    public override void Write(Utf8JsonWriter writer, Dictionary<string, AttributeValue> value, JsonSerializerOptions options) =>
        Inner.Write(writer, value, options);
}

/// <summary>Attribute maps to and from DynamoDB's JSON wire shape, with the Formats codec.</summary>
internal static class ExportJson
{
    /// <summary><paramref name="map"/> as <c>{"name":{"S":"..."},...}</c>.</summary>
    public static byte[] FormatMap(IReadOnlyDictionary<string, AttributeValue> map)
    {
        using var formatter = new JsonItemFormatter(dynamoDbKeys: true);
        formatter.WriteMap(map as Dictionary<string, AttributeValue> ?? new Dictionary<string, AttributeValue>(map, StringComparer.Ordinal));
        return formatter.Written.ToArray();
    }

    /// <summary>Parses <c>{"name":{"S":"..."},...}</c> (type keys in any case).</summary>
    /// <exception cref="JsonException">Not a valid attribute map; the message says why.</exception>
    public static Dictionary<string, AttributeValue> ParseMap(ReadOnlySpan<byte> json)
    {
        try
        {
            return new JsonItemParser(ItemFileFormat.DataPipeline).Parse(json, 1).Item;
        }
        catch (AttributePathException e)
        {
            throw new JsonException($"Not a valid attribute map: {e.Message}", e);
        }
    }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ExportPlan))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(NativeFileLine))]
[JsonSerializable(typeof(Formats.Manifests.NativeExportSummary))]
[JsonSerializable(typeof(ExportSegmentDocument))]
[JsonSerializable(typeof(ExportSegmentRunSummary))]
internal sealed partial class ExportJsonContext : JsonSerializerContext;
