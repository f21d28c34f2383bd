using System.Text.Json;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Json;

namespace DynamoDb.Connector.Formats.Lines;

/// <summary>
/// The detection rules for what is not one typed item per line: Parquet's magic, a top-level JSON array (of typed
/// items or of plain objects), an <c>{"Items":[...]}</c> scan output, a BatchWriteItem request file, a pretty-printed
/// object, and plain JSON objects one per line. Each rule decides only on what it has seen whole; where the sample
/// cannot tell, it refuses and says which formats it considered.
/// </summary>
internal static class DocumentDetection
{
    /// <summary>The formats detection chooses among, for messages.</summary>
    public const string Considered = "ddb-json, ddb-json-incremental, data-pipeline, json (plain objects, one per line or in an array), ddb-scan, ddb-batch-write and csv";

    /// <summary>How much of an array or a pretty-printed object the sample holds before it is judged (unless the file ends first).</summary>
    public const int DocumentSampleBytes = 64 * 1024;

    /// <summary>Whether the sample starts a JSON document rather than lines: <c>[</c>, or a first line that is only <c>{</c>.</summary>
    public static bool StartsDocument(ReadOnlySpan<byte> content)
    {
        if (content.IsEmpty) return false;
        if (content[0] == (byte)'[') return true;
        int lineEnd = content.IndexOfAny((byte)'\n', (byte)'\r');
        return content[0] == (byte)'{' && lineEnd >= 0 && content[..lineEnd].TrimEnd(" \t"u8).Length == 1;
    }

    /// <summary>Parquet files start (and end) with the four bytes <c>PAR1</c>.</summary>
    public static bool IsParquet(ReadOnlySpan<byte> sample) => sample.StartsWith("PAR1"u8);

    /// <summary>
    /// A file starting with <c>PAR1</c> is Parquet and never read as another format; when the sample holds the whole
    /// file, it must end with <c>PAR1</c> too (else it is a damaged or cut Parquet file, refused).
    /// </summary>
    public static FormatDetection Parquet(ReadOnlySpan<byte> sample, bool ended) =>
        !ended || Formats.Parquet.ParquetFiles.IsParquet(sample, sample)
            ? new(ItemFileFormat.Parquet, CompressionKind.None, "the file starts with PAR1, the Parquet magic")
            : throw new FormatRefusedException("it starts with PAR1, the Parquet magic, but does not end with it: a damaged or incomplete Parquet file (copy it again); it is never read as another format, so no --format reads it");

    /// <summary>A file whose content starts with <c>[</c>: judged by its first element.</summary>
    public static FormatDetection DetectArray(ReadOnlySpan<byte> content, bool ended)
    {
        var rest = content[1..];
        int first = rest.IndexOfAnyExcept(" \t\r\n"u8);
        if (first < 0 || rest[first] == (byte)']')
        {
            return first < 0 && !ended
                ? throw Unsure("it starts with '[' and nothing else in its first bytes")
                : new(ItemFileFormat.Json, CompressionKind.None, "the file is an empty JSON array; every JSON format reads it as no items");
        }
        var element = rest[first..];
        if (element[0] != (byte)'{')
        {
            throw Unsure($"it is a JSON array, but its first element is {Describe(element)}, not an object (an item)");
        }
        if (WholeValue(element, ended) is int length)
        {
            element = element[..length];
            string? typedProblem = null, plainProblem = null;
            if (TryParse(ItemFileFormat.DynamoDbScan, element, ref typedProblem))
            {
                return new(ItemFileFormat.DynamoDbScan, CompressionKind.None, "the file is a JSON array whose first item is DynamoDB-typed ({\"id\":{\"S\":\"...\"}})");
            }
            if (TryParse(ItemFileFormat.Json, element, ref plainProblem))
            {
                return HasTypedLookingValuesOnly(element)
                    ? throw Unsure($"it is a JSON array whose first item is neither a valid DynamoDB-typed item ({typedProblem}) nor plainly a plain one (every value is an object)")
                    : new(ItemFileFormat.Json, CompressionKind.None, "the file is a JSON array of plain objects (no DynamoDB type keys)");
            }
            throw Unsure($"it is a JSON array whose first item is neither DynamoDB-typed ({typedProblem}) nor a plain JSON object ({plainProblem})");
        }
        // Longer than the sample: the first attribute's value tells typed from plain.
        return FirstValue(element) switch
        {
            JsonTokenType.String or JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null or JsonTokenType.StartArray =>
                new(ItemFileFormat.Json, CompressionKind.None, "the file is a JSON array whose first item (longer than the sample) has a plain value"),
            _ => throw Unsure("it is a JSON array whose first item is longer than the sample and does not show whether it is DynamoDB-typed"),
        };
    }

    /// <summary>A file whose content starts with <c>{</c>: a scan output or a request file by its first field, else null (lines).</summary>
    public static FormatDetection? DetectEnvelope(ReadOnlySpan<byte> content, bool ended)
    {
        try
        {
            var reader = new Utf8JsonReader(content, isFinalBlock: ended, state: default);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject || !reader.Read() || reader.TokenType != JsonTokenType.PropertyName)
            {
                return null;
            }
            string name = reader.GetString() ?? "";
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                return null;
            }
            if (name == "Items")
            {
                return new(ItemFileFormat.DynamoDbScan, CompressionKind.None, "the file is an object with an \"Items\" array, the output of aws dynamodb scan or query");
            }
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject && reader.Read() && reader.TokenType == JsonTokenType.PropertyName
                && (reader.ValueTextEquals("PutRequest"u8) || reader.ValueTextEquals("DeleteRequest"u8)))
            {
                return new(ItemFileFormat.DynamoDbBatchWrite, CompressionKind.None, $"the file is a BatchWriteItem request file (its first table is '{name}')");
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not even the start parses (or a name is not text): the line rules judge it.
        }
        return null;
    }

    /// <summary>A pretty-printed object that is not an envelope: not lines, and nothing says what it is.</summary>
    public static FormatRefusedException PrettyPrintedObject() => Unsure(
        "its first line is only '{': a JSON object spread over several lines. JSON lines hold one whole object per line; " +
        "put the objects in an array ([{...},{...}]) or one per line, or, if it is an aws dynamodb scan output or a BatchWriteItem request, check its first field (\"Items\", or a table of PutRequest/DeleteRequest)");

    /// <summary>Whether a complete line is a plain JSON object and not a (damaged) typed one: some top-level value is not an object, which no typed format has.</summary>
    public static bool IsPlainLine(ReadOnlySpan<byte> line, ref string? problem)
    {
        string? plainProblem = null;
        if (!TryParse(ItemFileFormat.Json, line, ref plainProblem)) return false;
        return !HasTypedLookingValuesOnly(line);
    }

    public static FormatRefusedException Unsure(string why) =>
        new($"the format cannot be told for sure: {why}. Considered: {Considered}. Pass the right one with --format.");

    private static bool TryParse(ItemFileFormat format, ReadOnlySpan<byte> json, ref string? problem)
    {
        try
        {
            new JsonDocumentParser(format, null).Parse(json, 1);
            return true;
        }
        catch (AttributePathException e)
        {
            problem ??= e.Reason;
            return false;
        }
    }

    /// <summary>Whether every top-level value of a (valid) object is an object, as in every typed format.</summary>
    private static bool HasTypedLookingValuesOnly(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject) return false;
            reader.Skip();
        }
        return true;
    }

    private static int? WholeValue(ReadOnlySpan<byte> json, bool ended)
    {
        try
        {
            var reader = new Utf8JsonReader(json, isFinalBlock: ended, state: default);
            return reader.Read() && reader.TrySkip() ? (int)reader.BytesConsumed : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonTokenType FirstValue(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, isFinalBlock: false, state: default);
            return reader.Read() && reader.Read() && reader.TokenType == JsonTokenType.PropertyName && reader.Read() ? reader.TokenType : JsonTokenType.None;
        }
        catch (JsonException)
        {
            return JsonTokenType.None;
        }
    }

    private static string Describe(ReadOnlySpan<byte> value) => value[0] switch
    {
        (byte)'"' => "a string",
        (byte)'[' => "an array",
        (byte)'t' or (byte)'f' => "a boolean",
        (byte)'n' => "null",
        _ => "a number",
    };
}
