using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;

namespace DynamoDb.Connector.Formats.Lines;

/// <summary>What applying a record to a table does.</summary>
public enum RecordOperation
{
    /// <summary>Put the item (the default for every format but incremental exports' deletes).</summary>
    Put,
    /// <summary>Delete the item whose key <see cref="ItemRecord.Item"/> holds.</summary>
    Delete,
}

/// <summary>One item read from a file, with where it came from.</summary>
public sealed class ItemRecord
{
    private readonly EncodedItem? _encoded;
    private Dictionary<string, AttributeValue>? _item;

    /// <summary>Creates a record.</summary>
    public ItemRecord(Dictionary<string, AttributeValue> item, long line, RecordOperation operation = RecordOperation.Put)
    {
        ArgumentNullException.ThrowIfNull(item);
        _item = item;
        Line = line;
        Operation = operation;
    }

    private ItemRecord(EncodedItem item, long line, RecordOperation operation)
    {
        _encoded = item;
        Line = line;
        Operation = operation;
    }

    /// <summary>
    /// A record of an item in its wire encoding (as the JSON line readers read them): <see cref="Item"/> is built from
    /// it only when asked for.
    /// </summary>
    public static ItemRecord FromEncoded(EncodedItem item, long line, RecordOperation operation = RecordOperation.Put)
    {
        ArgumentNullException.ThrowIfNull(item);
        return new ItemRecord(item, line, operation);
    }

    /// <summary><see cref="FromEncoded(EncodedItem, long, RecordOperation)"/> of a change made at <paramref name="writeTimestampMicros"/>.</summary>
    internal static ItemRecord FromEncoded(EncodedItem item, long line, RecordOperation operation, long? writeTimestampMicros) =>
        new(item, line, operation) { WriteTimestampMicros = writeTimestampMicros };

    /// <summary>
    /// The item to put, or for <see cref="RecordOperation.Delete"/> the key to delete. For a record read in its wire
    /// encoding (<see cref="Encoded"/>), built from it at the first call (and kept: changes to it are what is written).
    /// </summary>
    public Dictionary<string, AttributeValue> Item => _item ??= _encoded!.ToItem();

    /// <summary>
    /// The item as DynamoDB JSON bytes when the reader read it so and <see cref="Item"/> was not asked for since (then
    /// the dictionary, which the caller may have changed, is the item): the writer sends these bytes as they are.
    /// </summary>
    public EncodedItem? Encoded => _item is null ? _encoded : null;

    /// <summary>The 1-based line number in the source file (for CSV, of the record's first line); 0 when not from a file.</summary>
    public long Line { get; }

    /// <summary>Put or delete.</summary>
    public RecordOperation Operation { get; }

    /// <summary>
    /// When the change was made, in microseconds since the epoch: an incremental export's
    /// <c>Metadata.WriteTimestampMicros</c>, which orders the changes to one key across its files. Null when the line
    /// does not say (every other format).
    /// </summary>
    public long? WriteTimestampMicros { get; init; }
}

/// <summary>Why a line could not be read, and where it is.</summary>
/// <param name="Source">The file (path or uri) the line is in.</param>
/// <param name="Line">The 1-based line number.</param>
/// <param name="Reason">What is wrong, in words a person can act on.</param>
/// <param name="Excerpt">The start of the line (at most 120 characters), to find it by eye.</param>
/// <param name="RawLine">The whole line as read (null when it was too long to keep), so it can be fixed and re-imported.</param>
public sealed record RecordError(string Source, long Line, string Reason, string Excerpt, string? RawLine = null)
{
    /// <summary>
    /// Set when <see cref="RawLine"/> is one whole record of a CSV file: the header it was read under, so it can be set
    /// aside as CSV that imports again with the same schema. Null for every other bad line.
    /// </summary>
    public Csv.CsvRecordOrigin? Csv { get; init; }

    /// <summary>Formats the error as <c>file:line: reason</c> plus the excerpt.</summary>
    public override string ToString() => $"{Source}:{Line}: {Reason} (line starts: {Excerpt})";

    /// <summary>The excerpt of a line: its first 120 characters, control characters shown as escapes.</summary>
    public static string ExcerptOf(ReadOnlySpan<char> line)
    {
        const int max = 120;
        var builder = new System.Text.StringBuilder(Math.Min(line.Length, max) + 3);
        foreach (char c in line)
        {
            if (builder.Length >= max)
            {
                builder.Append("...");
                break;
            }
            if (char.IsControl(c)) builder.Append($"\\x{(int)c:X2}");
            else builder.Append(c);
        }
        return builder.ToString();
    }
}

/// <summary>Thrown by a reader in fail-fast mode at the first bad line.</summary>
public sealed class RecordFormatException : FormatException
{
    /// <summary>Creates the exception for <paramref name="error"/>.</summary>
    public RecordFormatException(RecordError error)
        : base(error?.ToString())
    {
        ArgumentNullException.ThrowIfNull(error);
        Error = error;
    }

    /// <summary>The bad line: file, line number, reason and excerpt.</summary>
    public RecordError Error { get; }
}
