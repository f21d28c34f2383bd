using System.Text.Json.Serialization;
using DynamoDb.Connector.Formats.Csv;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Import;

/// <summary>
/// Where a reader of a split stands: every record of the files before <see cref="File"/>, and of that file through
/// line <see cref="Line"/>, has been read. Small and serializable (a few numbers as JSON), so a host can store it with
/// the split (a checkpoint, a Step Functions payload) and open a reader there again
/// (<see cref="ImportInputFormat.OpenAsync"/>).
/// </summary>
/// <param name="File">The index, in <see cref="ImportSplit.Files"/>, of the file being read; <c>Files.Count</c> when all are read.</param>
/// <param name="Line">The last line of that file read (1-based; 0 before its first line). Inside a byte range, lines count from the range's first line.</param>
/// <param name="Offset">
/// Where the next line of that file starts, in bytes from the file's start, when the reader could tell (an uncompressed
/// JSON-lines file): a reader opened here seeks to it instead of reading the lines before it. Null: it reads and
/// skips them.
/// </param>
public readonly record struct ImportPosition(int File, long Line, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Offset = null)
{
    /// <summary>The start of a split: nothing read.</summary>
    public static ImportPosition Start => default;

    /// <summary>Whether this position is at or past <paramref name="other"/> (the same file and a later line count as past).</summary>
    public bool IsAtOrAfter(ImportPosition other) => File > other.File || (File == other.File && Line >= other.Line);
}

/// <summary>How a split's files are read.</summary>
/// <param name="Format">The line format (<see cref="ImportPlan.Format"/>).</param>
public sealed record ImportReadOptions(ItemFileFormat Format)
{
    /// <summary>The CSV column layout; required for <see cref="ItemFileFormat.Csv"/>, ignored otherwise (<see cref="ImportSourceOptions.Csv"/>).</summary>
    public CsvSchema? Csv { get; init; }

    /// <summary>The longest line accepted, in bytes; a longer line is a bad record. Default 4 MiB; valid 1 KiB to 1 GiB.</summary>
    public int MaxLineBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>The table whose requests a BatchWriteItem request file gives (<see cref="ImportSourceOptions.RequestTable"/>); null for the file's only table.</summary>
    public string? RequestTable { get; init; }

    /// <summary>For Parquet: nulls left out (the default) or <c>NULL</c> (<see cref="ImportSourceOptions.ParquetNulls"/>).</summary>
    public Formats.Parquet.ParquetNulls ParquetNulls { get; init; }

    /// <summary>
    /// The files are a native DynamoDB export's (<see cref="ImportSourceKind.NativeExport"/>): its incremental lines
    /// must carry <c>Keys</c> and <c>Metadata.WriteTimestampMicros</c> (<see cref="ItemReaderOptions.NativeExport"/>).
    /// </summary>
    public bool NativeExport { get; init; }

    /// <summary>The options to read the splits of <paramref name="plan"/>, planned with <paramref name="source"/>.</summary>
    public static ImportReadOptions For(ImportPlan plan, ImportSourceOptions? source = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return new ImportReadOptions(plan.Format)
        {
            Csv = source?.Csv, RequestTable = source?.RequestTable, ParquetNulls = source?.ParquetNulls ?? default, NativeExport = plan.Kind == ImportSourceKind.NativeExport,
        };
    }
}

/// <summary>
/// One record of a split, with where it came from and where the reader stands after it. Either an item
/// (<see cref="Record"/>) or a line that could not be read (<see cref="Error"/>, with the reason).
/// </summary>
/// <param name="Record">The item read, or null for a bad record.</param>
/// <param name="Error">Why the line could not be read (file, line, reason, the raw line), or null for an item.</param>
/// <param name="Source">The file it came from (with the byte range when the split holds a range of it).</param>
/// <param name="Line">Its line in that file (for CSV, the record's first line).</param>
/// <param name="Next">The position just after it: store it once everything up to here is written.</param>
public readonly record struct ImportRecord(ItemRecord? Record, RecordError? Error, string Source, long Line, ImportPosition Next)
{
    /// <summary>Whether this is a line that could not be read (see <see cref="Error"/>).</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(true, nameof(Error))]
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(false, nameof(Record))]
    public bool IsBad => Error is not null;
}
