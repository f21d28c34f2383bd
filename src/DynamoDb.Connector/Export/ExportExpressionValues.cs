using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;

namespace DynamoDb.Connector.Export;

/// <summary>
/// Reads expression placeholders from JSON, as the AWS CLI takes them: names as <c>{"#n":"name"}</c> and values in
/// DynamoDB JSON, <c>{":v":{"S":"x"},":n":{"N":"5"}}</c> (type keys in any case; numbers keep their exact text).
/// </summary>
public static class ExportExpressionValues
{
    /// <summary>Parses <c>{":v":{"S":"x"},...}</c> into expression attribute values.</summary>
    /// <exception cref="FormatException">Not a JSON object of typed values; the message names the problem.</exception>
    public static Dictionary<string, AttributeValue> Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"Expression attribute values must be a JSON object such as {{\":v\":{{\"S\":\"x\"}}}}, not {document.RootElement.ValueKind}.");
            }
            var values = document.RootElement.EnumerateObject().Any()
                ? ExportJson.ParseMap(Encoding.UTF8.GetBytes(json))
                : new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
            foreach (var key in values.Keys)
            {
                if (!key.StartsWith(':')) throw new FormatException($"Expression attribute value placeholder '{key}' must start with ':'.");
            }
            return values;
        }
        catch (JsonException e)
        {
            throw new FormatException($"Expression attribute values are not valid: {e.Message}", e);
        }
    }

    /// <summary>Parses <c>{"#n":"name",...}</c> into expression attribute names.</summary>
    /// <exception cref="FormatException">Not a JSON object of strings, or a key without <c>#</c>.</exception>
    public static Dictionary<string, string> ParseNames(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        Dictionary<string, string>? names;
        try
        {
            names = JsonSerializer.Deserialize(json, ExportJsonContext.Default.DictionaryStringString);
        }
        catch (JsonException e)
        {
            throw new FormatException($"Expression attribute names must be a JSON object of strings such as {{\"#n\":\"name\"}}: {e.Message}", e);
        }
        if (names is null) throw new FormatException("Expression attribute names must be a JSON object, not null.");
        foreach (var (key, value) in names)
        {
            if (!key.StartsWith('#')) throw new FormatException($"Expression attribute name placeholder '{key}' must start with '#'.");
            if (string.IsNullOrEmpty(value)) throw new FormatException($"Expression attribute name {key} names no attribute.");
        }
        return new Dictionary<string, string>(names, StringComparer.Ordinal);
    }
}
