using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;

namespace DynamoDb.Connector.Formats.Csv;

// The schema's JSON form: Parse, LoadAsync and ToJson.
public sealed partial class CsvSchema
{
    private static readonly string[] PropertyNames = ["header", "delimiter", "listDelimiter", "emptyCells", "ragged", "extraCells", "columns"];
    /// <summary>
    /// Reads a schema from its JSON form, for example
    /// <c>{"header":true,"delimiter":",","listDelimiter":";","emptyCells":"omit","ragged":"pad","columns":[{"name":"pk","type":"S"},{"name":"n","type":"N"}]}</c>.
    /// Every property is optional (defaults as on this class); <c>type</c> is one of S, N, B, BOOL, NULL, SS, NS, BS,
    /// L, M (any case; default S); <c>emptyCells</c> is <c>empty-string</c>, <c>omit</c> or <c>null</c>;
    /// <c>ragged</c> is <c>error</c> or <c>pad</c>; <c>extraCells</c> is <c>error</c> or <c>keep</c>. Unknown
    /// properties are errors, so a misspelt option is not silently ignored.
    /// </summary>
    /// <param name="json">The schema text.</param>
    /// <param name="sourceName">The file name used in error messages. Default "CSV schema".</param>
    /// <exception cref="FormatException">The text is not a valid schema; the message names the file, the place and the problem.</exception>
    public static CsvSchema Parse(string json, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        string source = string.IsNullOrEmpty(sourceName) ? "CSV schema" : sourceName;
        using (var document = Json.JsonText.ParseDocument(json, source, Json.JsonText.HandWritten))
        {
            return FromJson(document.RootElement, source);
        }
    }

    /// <summary>Reads a schema from a stream holding its JSON form (see <see cref="Parse"/>).</summary>
    /// <exception cref="FormatException">The text is not a valid schema.</exception>
    public static async Task<CsvSchema> LoadAsync(Stream stream, string? sourceName = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        string json = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        return Parse(json, sourceName);
    }

    /// <summary>The schema's JSON form, as <see cref="Parse"/> reads it (indented, every property written).</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("header", HasHeaderRow);
            writer.WriteString("delimiter", Delimiter.ToString());
            writer.WriteString("listDelimiter", ListDelimiter.ToString());
            writer.WriteString("emptyCells", EmptyCellsNames[(int)EmptyCells]);
            writer.WriteString("ragged", RaggedNames[(int)Ragged]);
            writer.WriteString("extraCells", ExtraCellsNames[(int)ExtraCells]);
            writer.WriteStartArray("columns");
            foreach (var column in Columns)
            {
                writer.WriteStartObject();
                writer.WriteString("name", column.Name);
                writer.WriteString("type", CsvCells.TypeName(column.Type));
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
    private static CsvSchema FromJson(JsonElement root, string source)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{source}: expected a JSON object with \"columns\", found {Describe(root.ValueKind)}.");
        }
        bool header = true;
        char delimiter = ',', listDelimiter = ';';
        var emptyCells = CsvEmptyCells.EmptyString;
        var ragged = CsvRaggedRows.Error;
        var extraCells = CsvExtraCells.Error;
        var columns = new List<CsvColumn>();
        foreach (var property in root.EnumerateObject())
        {
            switch (property.Name)
            {
                case "header":
                    header = property.Value.ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => throw new FormatException($"{source}: \"header\" must be true or false, found {Describe(property.Value.ValueKind)}."),
                    };
                    break;
                case "delimiter":
                    delimiter = SingleChar(property, source);
                    break;
                case "listDelimiter":
                    listDelimiter = SingleChar(property, source);
                    break;
                case "emptyCells":
                    emptyCells = (CsvEmptyCells)OneOf(property, EmptyCellsNames, source);
                    break;
                case "ragged":
                    ragged = (CsvRaggedRows)OneOf(property, RaggedNames, source);
                    break;
                case "extraCells":
                    extraCells = (CsvExtraCells)OneOf(property, ExtraCellsNames, source);
                    break;
                case "columns":
                    if (property.Value.ValueKind != JsonValueKind.Array)
                    {
                        throw new FormatException($"{source}: \"columns\" must be an array of {{\"name\":...,\"type\":...}} objects.");
                    }
                    int number = 0;
                    foreach (var element in property.Value.EnumerateArray())
                    {
                        number++;
                        columns.Add(ColumnFromJson(element, number, source));
                    }
                    break;
                default:
                    throw new FormatException($"{source}: unknown property \"{property.Name}\"; expected one of: {string.Join(", ", PropertyNames)}.");
            }
        }
        var schema = new CsvSchema { HasHeaderRow = header, Delimiter = delimiter, ListDelimiter = listDelimiter, EmptyCells = emptyCells, Ragged = ragged, ExtraCells = extraCells, Columns = columns };
        if (schema.FindProblem() is { } problem)
        {
            throw new FormatException($"{source}: {problem}");
        }
        return schema;
    }

    private static CsvColumn ColumnFromJson(JsonElement element, int number, string source)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{source}: column {number} must be an object like {{\"name\":\"pk\",\"type\":\"S\"}}.");
        }
        string? name = null;
        var type = AttributeKind.S;
        foreach (var property in element.EnumerateObject())
        {
            switch (property.Name)
            {
                case "name":
                    name = property.Value.ValueKind == JsonValueKind.String
                        ? property.Value.GetString()
                        : throw new FormatException($"{source}: column {number}: \"name\" must be a string.");
                    break;
                case "type":
                    string? text = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
                    type = CsvCells.TryParseTypeName(text, out var kind)
                        ? kind
                        : throw new FormatException($"{source}: column {number}{(name is null ? "" : $" '{name}'")}: unknown type '{text ?? property.Value.GetRawText()}'; use one of S, N, B, BOOL, NULL, SS, NS, BS, L, M.");
                    break;
                default:
                    throw new FormatException($"{source}: column {number}: unknown property \"{property.Name}\"; expected \"name\" and \"type\".");
            }
        }
        if (string.IsNullOrEmpty(name))
        {
            throw new FormatException($"{source}: column {number} has no \"name\".");
        }
        return new CsvColumn(name, type);
    }

    private static readonly string[] EmptyCellsNames = ["empty-string", "omit", "null"];
    private static readonly string[] RaggedNames = ["error", "pad"];
    private static readonly string[] ExtraCellsNames = ["error", "keep"];

    /// <summary>The index in <paramref name="names"/> of the property's value (any case), which must be one of them.</summary>
    private static int OneOf(JsonProperty property, string[] names, string source)
    {
        string choices = string.Join(" or ", names.Select(n => $"\"{n}\""));
        if (property.Value.ValueKind != JsonValueKind.String)
        {
            throw new FormatException($"{source}: \"{property.Name}\" must be {choices}, found {Describe(property.Value.ValueKind)}.");
        }
        string value = property.Value.GetString()!;
        int index = Array.FindIndex(names, n => string.Equals(n, value, StringComparison.OrdinalIgnoreCase));
        return index >= 0 ? index : throw new FormatException($"{source}: \"{property.Name}\" is '{value}'; use {choices}.");
    }

    private static char SingleChar(JsonProperty property, string source) =>
        property.Value.ValueKind == JsonValueKind.String && property.Value.GetString() is { Length: 1 } text
            ? text[0]
            : throw new FormatException($"{source}: \"{property.Name}\" must be a string of exactly one character (use \"\\t\" for tab).");

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
