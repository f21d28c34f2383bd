using System.Text;
using System.Text.Json;

namespace DynamoDb.Connector.Formats.Parquet;

/// <summary>One column of a <see cref="ParquetSchemaFile"/>: an attribute and its Parquet type, as written in the file.</summary>
/// <param name="Name">The attribute (the top-level column).</param>
/// <param name="Type">The type: <c>string</c>, <c>int64</c>, <c>decimal(38,s)</c>, <c>binary</c>, <c>bool</c>, <c>list&lt;T&gt;</c>, <c>map&lt;string, T&gt;</c>, <c>struct&lt;a: T, b: T&gt;</c>, or S, B, BOOL, SS, BS.</param>
public sealed record ParquetSchemaColumn(string Name, string Type);

/// <summary>
/// The Parquet schema file (the CLI's <c>--parquet-schema</c>), the same idea as the CSV and JSON schema file:
/// <c>{"nulls": "omit", "columns": [{"name": "pk", "type": "string"}, {"name": "n", "type": "int64"},
/// {"name": "doc", "type": "struct&lt;name: string, tags: list&lt;string&gt;&gt;"}]}</c>. Writing, <c>columns</c> are
/// the file's columns exactly (instead of inferring them): an item with another attribute, or a value its column's
/// type cannot hold, is refused naming the row and attribute; an attribute an item lacks is null. Reading,
/// <c>nulls</c> (<c>omit</c> or <c>null</c>) is what a Parquet null becomes, unless the <c>--nulls</c> flag says otherwise.
/// Every property is optional; unknown ones are errors, so a misspelt one is not silently ignored.
/// </summary>
public sealed class ParquetSchemaFile
{
    /// <summary>What a Parquet null becomes when read; null when the file does not say.</summary>
    public ParquetNulls? Nulls { get; init; }

    /// <summary>The columns to write, in order; empty: inferred from the items.</summary>
    public IReadOnlyList<ParquetSchemaColumn> Columns { get; init; } = [];

    /// <summary>Reads the file's JSON form.</summary>
    /// <exception cref="FormatException">The text is not a valid schema; the message names the file, the column and the problem.</exception>
    public static ParquetSchemaFile Parse(string json, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        string source = string.IsNullOrEmpty(sourceName) ? "Parquet schema" : sourceName;
        using (var document = Json.JsonText.ParseDocument(json, source, Json.JsonText.HandWritten))
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new FormatException($"{source}: a Parquet schema is a JSON object ({{\"nulls\": ..., \"columns\": [...]}}).");
            ParquetNulls? nulls = null;
            var columns = new List<ParquetSchemaColumn>();
            foreach (var property in root.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "nulls":
                        nulls = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()!.ToLowerInvariant() switch
                        {
                            "omit" => ParquetNulls.Omit,
                            "null" => ParquetNulls.Null,
                            _ => null,
                        } : null;
                        if (nulls is null) throw new FormatException($"{source}: \"nulls\" is omit or null, not {property.Value.GetRawText()}.");
                        break;
                    case "columns":
                        if (property.Value.ValueKind != JsonValueKind.Array) throw new FormatException($"{source}: \"columns\" is an array of {{\"name\": ..., \"type\": ...}}.");
                        foreach (var column in property.Value.EnumerateArray()) columns.Add(ColumnOf(column, source, columns.Count + 1));
                        break;
                    default:
                        throw new FormatException($"{source}: unknown property \"{property.Name}\" (a Parquet schema has \"nulls\" and \"columns\").");
                }
            }
            var schema = new ParquetSchemaFile { Nulls = nulls, Columns = columns };
            schema.Shapes(source);
            return schema;
        }
    }

    /// <summary>Reads the file's JSON form from a stream (see <see cref="Parse"/>).</summary>
    /// <exception cref="FormatException">The text is not a valid schema.</exception>
    public static async Task<ParquetSchemaFile> LoadAsync(Stream stream, string? sourceName = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        return Parse(await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false), sourceName);
    }

    /// <summary>The columns as the writer's, each with its shape.</summary>
    internal List<ParquetColumn> Shapes(string source = "Parquet schema")
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var columns = new List<ParquetColumn>(Columns.Count);
        foreach (var column in Columns)
        {
            if (!seen.Add(column.Name)) throw new FormatException($"{source}: column '{column.Name}' is listed twice.");
            try
            {
                var reader = new ParquetTypeText(column.Type);
                var shape = reader.ReadType();
                reader.End();
                columns.Add(new ParquetColumn(column.Name, shape));
            }
            catch (FormatException e)
            {
                throw new FormatException($"{source}: column '{column.Name}', type \"{column.Type}\": {e.Message}", e);
            }
        }
        return columns;
    }

    private static ParquetSchemaColumn ColumnOf(JsonElement column, string source, int number)
    {
        if (column.ValueKind != JsonValueKind.Object
            || !column.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || name.GetString() is not { Length: > 0 } n
            || !column.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
        {
            throw new FormatException($"{source}: column {number} needs a \"name\" and a \"type\" (strings).");
        }
        foreach (var property in column.EnumerateObject())
        {
            if (property.Name is not ("name" or "type")) throw new FormatException($"{source}: column '{n}': unknown property \"{property.Name}\".");
        }
        return new ParquetSchemaColumn(n, type.GetString()!);
    }
}
