using DynamoDb.Connector.Formats.Lines;
using Parquet;

namespace DynamoDb.Connector.Formats.Parquet;

/// <summary>One row group of a Parquet file, from its footer.</summary>
/// <param name="Index">Its index in the file, from 0.</param>
/// <param name="FirstRow">Rows in the file before it.</param>
/// <param name="Rows">Its rows.</param>
/// <param name="Start">The offset of its first byte (its first column chunk) in the file.</param>
/// <param name="Bytes">Its compressed size in bytes.</param>
public sealed record ParquetRowGroup(int Index, long FirstRow, long Rows, long Start, long Bytes);

/// <summary>
/// Parquet files (<see cref="ItemFileFormat.Parquet"/>), through Parquet.Net: fully managed (no native binaries to
/// ship), and it reads and writes one row group at a time, so memory is bounded by a row group whatever the file's
/// size. Reading maps the Parquet schema's types to DynamoDB's (<see cref="ParquetFiles.OpenReader"/>); writing infers
/// a schema from the items (<see cref="Losses"/> says what the mapping loses).
/// </summary>
public static class ParquetFiles
{
    /// <summary>The four bytes a Parquet file starts and ends with: <c>PAR1</c>.</summary>
    public static ReadOnlySpan<byte> Magic => "PAR1"u8;

    /// <summary>
    /// What writing Parquet loses or changes, for a notice: sets (SS, NS, BS) become lists of their element type; lists
    /// (L) are LISTs, maps (M) STRUCTs (a MAP&lt;string, value&gt; past <see cref="ParquetShape.MaxStructFields"/> keys),
    /// NULL a Parquet null; an attribute whose values one Parquet type cannot hold (a number in one item and a map in
    /// another, a number a decimal cannot hold exactly, only NULLs) is its DynamoDB JSON text in a string column, and the
    /// writer reports it (<see cref="ParquetWriterOptions.OnFallback"/>).
    /// </summary>
    public const string Losses = "parquet keeps one type per column: sets (SS, NS, BS) become lists; lists (L) are written as Parquet lists and maps (M) as structs (maps with many keys as Parquet maps); NULL inside them becomes a Parquet null; an attribute whose values no one Parquet type can hold is written as its DynamoDB JSON text ({\"M\":{...}}) in a string column, named below, and reads back as a string (S)";

    /// <summary>Whether <paramref name="head"/> starts with the Parquet magic (and, when <paramref name="tail"/> is given, whether it ends with it too).</summary>
    public static bool IsParquet(ReadOnlySpan<byte> head, ReadOnlySpan<byte> tail = default) =>
        head.StartsWith(Magic) && (tail.IsEmpty || tail.EndsWith(Magic));

    /// <summary>The row groups of the Parquet file in <paramref name="stream"/> (seekable), from its footer.</summary>
    /// <exception cref="InvalidDataException">The stream is not a Parquet file (its magic or footer is wrong).</exception>
    public static async Task<IReadOnlyList<ParquetRowGroup>> ReadRowGroupsAsync(Stream stream, string sourceName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            await using var reader = await ParquetReader.CreateAsync(stream, ParquetItemReader.Options, leaveStreamOpen: true, cancellationToken).ConfigureAwait(false);
            return RowGroupsOf(reader);
        }
        catch (Exception e) when (e is IOException or NotSupportedException or ArgumentException or InvalidOperationException or ParquetException)
        {
            throw new InvalidDataException($"{sourceName}: not a readable Parquet file: {e.Message}", e);
        }
    }

    /// <summary>
    /// Opens a reader of the Parquet file in <paramref name="stream"/> (seekable: the footer is read first). Only the
    /// row groups whose first byte lies in [<paramref name="rangeStart"/>, <paramref name="rangeEnd"/>) are read; rows
    /// numbered <paramref name="skipThrough"/> or lower are skipped (row groups wholly before it unread). A row's
    /// <see cref="ItemRecord.Line"/> is its 1-based row number in the whole file.
    /// </summary>
    /// <param name="stream">The file's bytes; owned by the reader unless <see cref="ItemReaderOptions.LeaveOpen"/>.</param>
    /// <param name="options">Bad-record handling and source name.</param>
    /// <param name="nulls">Parquet nulls left out (default) or NULL.</param>
    /// <param name="rangeStart">The first byte of the range (0: from the start).</param>
    /// <param name="rangeEnd">The byte after the range (<see cref="long.MaxValue"/>: to the end).</param>
    /// <param name="skipThrough">The last row already read (0: none).</param>
    /// <exception cref="NotSupportedException">The stream cannot seek.</exception>
    public static IItemReader OpenReader(Stream stream, ItemReaderOptions? options = null, ParquetNulls nulls = ParquetNulls.Omit, long rangeStart = 0, long rangeEnd = long.MaxValue, long skipThrough = 0)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= new ItemReaderOptions();
        options.Validate();
        return new ParquetItemReader(stream, options, nulls, rangeStart, rangeEnd, skipThrough);
    }

    /// <summary>
    /// Opens a writer of a Parquet file to <paramref name="stream"/> (need not seek): items are buffered into row groups
    /// of at most <see cref="ParquetWriterOptions.RowGroupRows"/> rows and <see cref="ParquetWriterOptions.RowGroupBytes"/>
    /// bytes, the schema inferred from the first row group. Call <see cref="IItemWriter.CompleteAsync"/> at the end.
    /// </summary>
    public static IItemWriter OpenWriter(Stream stream, ParquetWriterOptions? options = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= new ParquetWriterOptions();
        options.Validate();
        return new ParquetItemWriter(stream, options, leaveOpen);
    }

    internal static IReadOnlyList<ParquetRowGroup> RowGroupsOf(ParquetReader reader)
    {
        var groups = new List<ParquetRowGroup>(reader.RowGroupCount);
        long rows = 0;
        for (int i = 0; i < reader.Metadata!.RowGroups.Count; i++)
        {
            var group = reader.Metadata.RowGroups[i];
            long start = long.MaxValue, bytes = 0;
            foreach (var chunk in group.Columns)
            {
                if (chunk.MetaData is not { } meta) continue;
                long first = meta.DictionaryPageOffset is > 0 and var dictionary ? Math.Min(dictionary, meta.DataPageOffset) : meta.DataPageOffset;
                start = Math.Min(start, first);
                bytes += meta.TotalCompressedSize;
            }
            groups.Add(new ParquetRowGroup(i, rows, group.NumRows, start == long.MaxValue ? group.FileOffset ?? 4 : start, bytes));
            rows += group.NumRows;
        }
        return groups;
    }
}

/// <summary>How <see cref="ParquetFiles.OpenWriter"/> bounds its row groups: memory holds one row group.</summary>
public sealed class ParquetWriterOptions
{
    /// <summary>The most rows in a row group. Default 10,000; valid 1 to 10,000,000.</summary>
    public int RowGroupRows { get; set; } = 10_000;

    /// <summary>The most bytes of items (DynamoDB item size) in a row group. Default 64 MiB; valid 1 KiB to 1 GiB.</summary>
    public long RowGroupBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// The columns to write (<see cref="ParquetSchemaFile.Columns"/>), instead of inferring them from the first row
    /// group: every item is held to them. Default null (or no columns): inferred.
    /// </summary>
    public ParquetSchemaFile? Schema { get; set; }

    /// <summary>
    /// Called once per file for each attribute written as its DynamoDB JSON text instead of a Parquet type (its values
    /// disagree in a way one Parquet type cannot hold, e.g. a number in one item and a map in another): the attribute's
    /// name and why. Null: not reported.
    /// </summary>
    public Action<string, string>? OnFallback { get; set; }

    /// <summary>Throws when a value is out of its valid range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        if (RowGroupRows is < 1 or > 10_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(RowGroupRows), RowGroupRows, "RowGroupRows must be between 1 and 10,000,000.");
        }
        if (RowGroupBytes is < 1024 or > 1024L * 1024 * 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(RowGroupBytes), RowGroupBytes, "RowGroupBytes must be between 1 KiB and 1 GiB.");
        }
    }
}
