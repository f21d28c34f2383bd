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
    /// <summary>
    /// <c>json</c>: plain JSON objects, one per line or in a top-level array (<c>[{...},{...}]</c>, streamed), by
    /// DynamoDB's document mapping: string S, number N (its text as written), true/false BOOL, null NULL, array L,
    /// object M. A schema forces other types. Written as one object per line: sets become arrays, B base64 strings.
    /// </summary>
    Json,
    /// <summary><c>ddb-scan</c>: DynamoDB-typed items in an array: <c>aws dynamodb scan</c> output (<c>{"Items":[...]}</c>) or a bare <c>[{"id":{"S":"a"}},...]</c>.</summary>
    DynamoDbScan,
    /// <summary><c>ddb-batch-write</c>: a BatchWriteItem request file, <c>{"Table":[{"PutRequest":{"Item":{...}}},{"DeleteRequest":{"Key":{...}}}]}</c>.</summary>
    DynamoDbBatchWrite,
    /// <summary>
    /// <c>parquet</c>: an Apache Parquet file (what Spark, Glue and Athena's UNLOAD write), read one row group at a time
    /// with the Parquet schema's types (<see cref="Parquet.ParquetFiles"/>); written with a schema inferred from the items.
    /// </summary>
    Parquet,
}

/// <summary>The command-line names of <see cref="ItemFileFormat"/> values.</summary>
public static class ItemFileFormatNames
{
    /// <summary>Every name, in the order of the enum.</summary>
    public static IReadOnlyList<string> All { get; } = ["data-pipeline", "ddb-json", "ddb-json-incremental", "csv", "json", "ddb-scan", "ddb-batch-write", "parquet"];

    /// <summary>The name of a format: <c>data-pipeline</c>, <c>ddb-json</c>, <c>ddb-json-incremental</c>, <c>csv</c>, <c>json</c>, <c>ddb-scan</c>, <c>ddb-batch-write</c> or <c>parquet</c>.</summary>
    public static string ToName(this ItemFileFormat format) => All[(int)format];

    /// <summary>
    /// Whether a file of the format can be cut into byte ranges at line ends and each read alone: true for the line
    /// formats (data-pipeline, ddb-json, ddb-json-incremental); false for CSV (newlines inside quotes) and the JSON
    /// document formats (an array or an envelope is one JSON text).
    /// </summary>
    public static bool CanSplitAtLines(this ItemFileFormat format) =>
        format is ItemFileFormat.DataPipeline or ItemFileFormat.DynamoDbJson or ItemFileFormat.DynamoDbJsonIncremental;

    /// <summary>What writing <see cref="ItemFileFormat.Json"/> loses, for a notice: plain JSON has no sets and no binary.</summary>
    public static string JsonLosses => Json.PlainJsonFormatter.Losses;

    /// <summary>What writing <see cref="ItemFileFormat.Parquet"/> loses, for a notice (<see cref="Parquet.ParquetFiles.Losses"/>).</summary>
    public static string ParquetLosses => Parquet.ParquetFiles.Losses;

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
