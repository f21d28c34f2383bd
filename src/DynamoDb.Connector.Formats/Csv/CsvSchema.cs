using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;

namespace DynamoDb.Connector.Formats.Csv;

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
/// column it leaves the attribute out; with <see cref="CsvEmptyCells.Null"/> it is NULL in every column. A record with
/// fewer cells than the header is an error unless <see cref="Ragged"/> pads it; cells past the header's last column are
/// an error unless <see cref="ExtraCells"/> keeps them. A quoted empty cell (<c>""</c>) is always an empty string in an S column and
/// empty binary in a B column: that is how the writer keeps "empty" apart from "missing".
/// </para>
/// </summary>
public sealed partial class CsvSchema
{
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

    /// <summary>What an empty cell means. Default <see cref="CsvEmptyCells.EmptyString"/>.</summary>
    public CsvEmptyCells EmptyCells { get; init; } = CsvEmptyCells.EmptyString;

    /// <summary>What a record with fewer cells than the header means. Default <see cref="CsvRaggedRows.Error"/>.</summary>
    public CsvRaggedRows Ragged { get; init; } = CsvRaggedRows.Error;

    /// <summary>What the cells past the header's last column mean. Default <see cref="CsvExtraCells.Error"/>.</summary>
    public CsvExtraCells ExtraCells { get; init; } = CsvExtraCells.Error;

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
        if (!Enum.IsDefined(Ragged))
        {
            return $"CSV ragged-row policy {(int)Ragged} is not defined.";
        }
        if (!Enum.IsDefined(ExtraCells))
        {
            return $"CSV extra-cell policy {(int)ExtraCells} is not defined.";
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

    private static string Show(char c) => char.IsControl(c) ? $"U+{(int)c:X4}" : $"'{c}'";
}
