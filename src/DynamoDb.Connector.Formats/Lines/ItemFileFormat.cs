namespace DynamoDb.Connector.Formats.Lines;

/// <summary>The line formats DynamoDB bulk data lives in.</summary>
public enum ItemFileFormat
{
    /// <summary><c>data-pipeline</c>: the EMR connector / Data Pipeline export lines, <c>{"id":{"s":"a"}}</c>.</summary>
    DataPipeline,
    /// <summary><c>ddb-json</c>: DynamoDB's native export lines, <c>{"Item":{"id":{"S":"a"}}}</c>.</summary>
    DynamoDbJson,
    /// <summary><c>ddb-json-incremental</c>: native incremental export lines with <c>Keys</c>, <c>NewImage</c>, <c>OldImage</c>.</summary>
    DynamoDbJsonIncremental,
    /// <summary><c>csv</c>: a header line (or an explicit header) and typed columns.</summary>
    Csv,
}

/// <summary>The command-line names of <see cref="ItemFileFormat"/> values.</summary>
public static class ItemFileFormatNames
{
    /// <summary>Every name, in the order of the enum.</summary>
    public static IReadOnlyList<string> All { get; } = ["data-pipeline", "ddb-json", "ddb-json-incremental", "csv"];

    /// <summary>The name of a format: <c>data-pipeline</c>, <c>ddb-json</c>, <c>ddb-json-incremental</c> or <c>csv</c>.</summary>
    public static string ToName(this ItemFileFormat format) => All[(int)format];

    /// <summary>Parses a format name (case-insensitive).</summary>
    public static bool TryParse(string? name, out ItemFileFormat format)
    {
        for (int i = 0; i < All.Count; i++)
        {
            if (string.Equals(All[i], name, StringComparison.OrdinalIgnoreCase))
            {
                format = (ItemFileFormat)i;
                return true;
            }
        }
        format = default;
        return false;
    }

    /// <summary>Parses a format name or throws a <see cref="FormatException"/> that lists the valid names.</summary>
    public static ItemFileFormat Parse(string name) => TryParse(name, out var format)
        ? format
        : throw new FormatException($"Unknown format '{name}'. Use one of: {string.Join(", ", All)}.");
}
