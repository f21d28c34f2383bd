using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;

namespace DynamoDb.Connector.Formats.Csv;

/// <summary>What a reader makes of an empty cell in a column of type <see cref="AttributeKind.S"/>.</summary>
public enum CsvEmptyCells
{
    /// <summary>An empty cell is an empty string, as DynamoDB's native CSV import does (the default).</summary>
    EmptyString,
    /// <summary>An empty cell leaves the attribute out of the item. A quoted empty cell (<c>""</c>) is still an empty string.</summary>
    Omit,
}

/// <summary>One CSV column: its name (the attribute name) and the DynamoDB type its cells hold.</summary>
/// <param name="Name">The attribute name; not empty.</param>
/// <param name="Type">The type of the cells; any kind but <see cref="AttributeKind.Empty"/>. Default <see cref="AttributeKind.S"/>.</param>
public sealed record CsvColumn(string Name, AttributeKind Type = AttributeKind.S);

/// <summary>
/// The layout of a CSV file and how its cells become DynamoDB values.
/// <para>
/// With <see cref="HasHeaderRow"/> (the default) the file's first line names the columns and <see cref="Columns"/> is a
/// type map: a column of the file not listed there holds strings (as in DynamoDB's native import). Without it,
/// <see cref="Columns"/> is the explicit header list, in file order, and line 1 is data.
/// </para>
/// <para>
/// Cells by type (surrounding blanks are ignored for every type but S and SS):
/// <c>S</c> the text as is; <c>N</c> a number (DynamoDB's rules, exact text kept); <c>B</c> standard base64;
/// <c>BOOL</c> <c>true</c>/<c>false</c> (any case); <c>NULL</c> <c>null</c> or <c>true</c> (any case);
/// <c>SS</c>/<c>NS</c>/<c>BS</c> elements separated by <see cref="ListDelimiter"/>;
/// <c>L</c>/<c>M</c> plain JSON (an array / an object: string to S, number to N with its exact text, true/false to
/// BOOL, null to NULL, array to L, object to M).
/// An empty cell is an empty string in an S column (or omitted, per <see cref="EmptyCells"/>); in every other
/// column it leaves the attribute out. A quoted empty cell (<c>""</c>) is always an empty string in an S column and
/// empty binary in a B column: that is how the writer keeps "empty" apart from "missing".
/// </para>
/// </summary>
public sealed class CsvSchema
{
    private static readonly JsonDocumentOptions JsonOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
    private static readonly string[] PropertyNames = ["header", "delimiter", "listDelimiter", "emptyCells", "columns"];
    private Dictionary<string, AttributeKind>? _types;

    /// <summary>Whether the file's first line is the header (default true). False: <see cref="Columns"/> is the header and line 1 is data.</summary>
    public bool HasHeaderRow { get; init; } = true;

    /// <summary>The field separator. Default <c>','</c>. Any ASCII character but <c>"</c>, CR, LF and NUL (tab is fine).</summary>
    public char Delimiter { get; init; } = ',';

    /// <summary>
    /// The separator of set elements (SS, NS, BS) inside one cell. Default <c>';'</c> (a comma would need every set
    /// cell quoted). Any character but CR and LF. A string set element holding this character cannot be written.
    /// </summary>
    public char ListDelimiter { get; init; } = ';';

    /// <summary>What an empty cell in an S column means. Default <see cref="CsvEmptyCells.EmptyString"/>.</summary>
    public CsvEmptyCells EmptyCells { get; init; } = CsvEmptyCells.EmptyString;

    /// <summary>
    /// The typed columns: a type map when <see cref="HasHeaderRow"/>, the explicit header list in file order otherwise
    /// (then at least one column is required). Names are unique. Default: none (every column is a string).
    /// </summary>
    public IReadOnlyList<CsvColumn> Columns { get; init; } = [];

    /// <summary>The type of the column named <paramref name="name"/>: as listed in <see cref="Columns"/>, else <see cref="AttributeKind.S"/>.</summary>
    public AttributeKind TypeOf(string name)
    {
        _types ??= Columns.ToDictionary(c => c.Name, c => c.Type, StringComparer.Ordinal);
        return _types.TryGetValue(name, out var type) ? type : AttributeKind.S;
    }

    /// <summary>Checks the settings; throws <see cref="ArgumentException"/> naming the first problem.</summary>
    public void Validate()
    {
        if (FindProblem() is { } problem)
        {
            throw new ArgumentException(problem);
        }
    }

    private string? FindProblem()
    {
        if (Delimiter is '"' or '\r' or '\n' or '\0' || Delimiter > 127)
        {
            return $"CSV delimiter {Show(Delimiter)} is not allowed: use an ASCII character other than '\"', CR, LF and NUL.";
        }
        if (ListDelimiter is '\r' or '\n' or '\0')
        {
            return $"CSV list delimiter {Show(ListDelimiter)} is not allowed: use a character other than CR, LF and NUL.";
        }
        if (!Enum.IsDefined(EmptyCells))
        {
            return $"CSV empty-cell policy {(int)EmptyCells} is not defined.";
        }
        if (Columns is null)
        {
            return "CSV columns are null.";
        }
        if (!HasHeaderRow && Columns.Count == 0)
        {
            return "A CSV schema without a header row needs its columns listed (the explicit header).";
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < Columns.Count; i++)
        {
            var column = Columns[i];
            if (column is null || string.IsNullOrEmpty(column.Name))
            {
                return $"CSV column {i + 1} has no name.";
            }
            if (column.Type == AttributeKind.Empty || !Enum.IsDefined(column.Type))
            {
                return $"CSV column '{column.Name}' has no valid type.";
            }
            if (!seen.Add(column.Name))
            {
                return $"CSV column '{column.Name}' is listed twice.";
            }
        }
        return null;
    }

    /// <summary>
    /// Reads a schema from its JSON form, for example
    /// <c>{"header":true,"delimiter":",","listDelimiter":";","emptyCells":"omit","columns":[{"name":"pk","type":"S"},{"name":"n","type":"N"}]}</c>.
    /// Every property is optional (defaults as on this class); <c>type</c> is one of S, N, B, BOOL, NULL, SS, NS, BS,
    /// L, M (any case; default S); <c>emptyCells</c> is <c>empty-string</c> or <c>omit</c>. Unknown properties are
    /// errors, so a misspelt option is not silently ignored.
    /// </summary>
    /// <param name="json">The schema text.</param>
    /// <param name="sourceName">The file name used in error messages. Default "CSV schema".</param>
    /// <exception cref="FormatException">The text is not a valid schema; the message names the file, the place and the problem.</exception>
    public static CsvSchema Parse(string json, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        string source = string.IsNullOrEmpty(sourceName) ? "CSV schema" : sourceName;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new FormatException($"{source}: not valid JSON at line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}: {Json.JsonText.WithoutPosition(e)}", e);
        }
        using (document)
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
            writer.WriteString("emptyCells", EmptyCells == CsvEmptyCells.Omit ? "omit" : "empty-string");
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

    /// <summary>
    /// Derives a schema that can hold <paramref name="items"/>: a header row, the union of their attribute names in
    /// first-seen order, each typed with the kind it holds. <see cref="EmptyCells"/> is <see cref="CsvEmptyCells.Omit"/>,
    /// so reading the written file back leaves missing attributes missing.
    /// </summary>
    /// <exception cref="FormatException">An attribute holds different kinds in different items (a CSV column holds one type), or a value has no type.</exception>
    public static CsvSchema Infer(IEnumerable<IReadOnlyDictionary<string, AttributeValue>> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var columns = new List<CsvColumn>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        long itemNumber = 0;
        foreach (var item in items)
        {
            itemNumber++;
            foreach (var (name, value) in item)
            {
                var kind = AttributeValues.KindOf(value);
                if (kind == AttributeKind.Empty)
                {
                    throw new FormatException($"Attribute '{name}' of item {itemNumber} has no type set.");
                }
                if (!index.TryGetValue(name, out int at))
                {
                    index[name] = columns.Count;
                    columns.Add(new CsvColumn(name, kind));
                }
                else if (columns[at].Type != kind)
                {
                    throw new FormatException(
                        $"Attribute '{name}' is {CsvCells.TypeName(columns[at].Type)} in an earlier item but {CsvCells.TypeName(kind)} in item {itemNumber}; a CSV column holds one type. Write a schema by hand or use a JSON format.");
                }
            }
        }
        return new CsvSchema { HasHeaderRow = true, EmptyCells = CsvEmptyCells.Omit, Columns = columns };
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
                    emptyCells = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()!.ToLowerInvariant() switch
                    {
                        "empty-string" => CsvEmptyCells.EmptyString,
                        "omit" => CsvEmptyCells.Omit,
                        var other => throw new FormatException($"{source}: \"emptyCells\" is '{other}'; use \"empty-string\" or \"omit\"."),
                    } : throw new FormatException($"{source}: \"emptyCells\" must be a string, \"empty-string\" or \"omit\".");
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
        var schema = new CsvSchema { HasHeaderRow = header, Delimiter = delimiter, ListDelimiter = listDelimiter, EmptyCells = emptyCells, Columns = columns };
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

    private static string Show(char c) => char.IsControl(c) ? $"U+{(int)c:X4}" : $"'{c}'";
}
