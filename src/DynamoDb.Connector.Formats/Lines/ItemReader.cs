namespace DynamoDb.Connector.Formats.Lines;

/// <summary>What a reader does with a bad line.</summary>
public enum BadRecordHandling
{
    /// <summary>Throw a <see cref="RecordFormatException"/> at the first bad line (the default).</summary>
    Fail,
    /// <summary>Report the line through <see cref="ItemReaderOptions.OnBadRecord"/>, count it, and go on with the next line.</summary>
    Skip,
}

/// <summary>Options shared by every item reader.</summary>
public sealed class ItemReaderOptions
{
    /// <summary>The file name reported in errors. Default: empty.</summary>
    public string SourceName { get; set; } = "";

    /// <summary>Fail-fast (default) or skip-and-report.</summary>
    public BadRecordHandling BadRecords { get; set; } = BadRecordHandling.Fail;

    /// <summary>Called for each bad line when <see cref="BadRecords"/> is <see cref="BadRecordHandling.Skip"/>.</summary>
    public Action<RecordError>? OnBadRecord { get; set; }

    /// <summary>
    /// The longest line accepted, in bytes; a longer line is a bad line (and is not buffered whole).
    /// Default 4 MiB: a 400 KB item in any text format fits many times over. Valid: 1 KiB to 1 GiB.
    /// </summary>
    public int MaxLineBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// The CSV column layout; required for <see cref="ItemFileFormat.Csv"/>. For <see cref="ItemFileFormat.Json"/>
    /// its <see cref="Csv.CsvSchema.Columns"/> force the types of top-level attributes (a number kept in a string as
    /// N, arrays as SS/NS/BS, base64 strings as B); ignored otherwise.
    /// </summary>
    public Csv.CsvSchema? Csv { get; set; }

    /// <summary>
    /// For <see cref="ItemFileFormat.DynamoDbBatchWrite"/>: the table whose requests are read. Null (the default): the
    /// file's only table; a file with several is refused (<see cref="FormatRefusedException"/>) before any is read.
    /// </summary>
    public string? RequestTable { get; set; }

    /// <summary>
    /// Whether the file is a data file of a native DynamoDB export, listed by its <c>manifest-files.json</c>. Then each
    /// <see cref="ItemFileFormat.DynamoDbJsonIncremental"/> line must be as DynamoDB writes it: with <c>Keys</c> and
    /// <c>Metadata.WriteTimestampMicros</c> (a line without them is a bad record). Default false: ddb-json-incremental
    /// files this tool writes (export, convert, the dead letters of deletes) carry no write time, and a put no
    /// <c>Keys</c>, so both are optional there.
    /// </summary>
    public bool NativeExport { get; set; }

    /// <summary>Whether disposing the reader leaves the source stream open. Default false: the reader owns the stream.</summary>
    public bool LeaveOpen { get; set; }

    /// <summary>The smallest accepted <see cref="MaxLineBytes"/>: 1 KiB.</summary>
    public const int MinMaxLineBytes = 1024;

    /// <summary>The largest accepted <see cref="MaxLineBytes"/>: 1 GiB.</summary>
    public const int MaxMaxLineBytes = 1024 * 1024 * 1024;

    /// <summary>Throws when a value is out of its valid range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        if (MaxLineBytes is < MinMaxLineBytes or > MaxMaxLineBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxLineBytes), MaxLineBytes, $"MaxLineBytes must be between {MinMaxLineBytes} and {MaxMaxLineBytes}.");
        }
        if (!Enum.IsDefined(BadRecords))
        {
            throw new ArgumentOutOfRangeException(nameof(BadRecords), BadRecords, "Unknown bad-record handling.");
        }
        ArgumentNullException.ThrowIfNull(SourceName);
    }
}

/// <summary>Reads items from a line-oriented file, one at a time, in constant memory.</summary>
public interface IItemReader : IAsyncDisposable
{
    /// <summary>The next item, or null at the end of the file. Bad lines are handled by <see cref="ItemReaderOptions.BadRecords"/>.</summary>
    ValueTask<ItemRecord?> ReadAsync(CancellationToken cancellationToken = default);

    /// <summary>Lines consumed so far (including bad and empty lines).</summary>
    long LinesRead { get; }

    /// <summary>Bytes of the (decompressed) input consumed so far.</summary>
    long BytesRead { get; }

    /// <summary>Bad lines seen so far.</summary>
    long BadRecords { get; }
}

/// <summary>Writes items as lines of one format.</summary>
public interface IItemWriter : IAsyncDisposable
{
    /// <summary>Writes one record. Formats that cannot hold a delete throw <see cref="NotSupportedException"/> for one.</summary>
    ValueTask WriteAsync(ItemRecord record, CancellationToken cancellationToken = default);

    /// <summary>Flushes everything written to the underlying stream (and finishes compression frames). Call once at the end.</summary>
    ValueTask CompleteAsync(CancellationToken cancellationToken = default);

    /// <summary>Records written so far.</summary>
    long ItemsWritten { get; }
}
