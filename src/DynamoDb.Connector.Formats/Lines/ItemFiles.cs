using System.Text;
using System.Text.Json;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Json;

namespace DynamoDb.Connector.Formats.Lines;

/// <summary>What <see cref="ItemFiles.DetectFormatAsync(Stream, CancellationToken)"/> found, and why.</summary>
/// <param name="Format">The format the content looks like.</param>
/// <param name="Compression">The compression found by magic bytes (<see cref="CompressionKind.None"/> for <see cref="ItemFiles.DetectFormat"/>).</param>
/// <param name="Reason">A short explanation, such as <c>first line is {"Item":{...}}</c>, for logs and the CLI.</param>
public sealed record FormatDetection(ItemFileFormat Format, CompressionKind Compression, string Reason);

/// <summary>
/// The entry point for item files: readers and writers for every line format, with compression handled
/// (detected by magic bytes on read, chosen by <see cref="ItemWriterOptions.Compression"/> on write), and format
/// detection from a file's first line.
/// </summary>
public static class ItemFiles
{
    /// <summary>The most bytes <see cref="DetectFormatAsync(Stream, CancellationToken)"/> reads: 1 MiB (it stops at the end of the second non-empty line).</summary>
    public const int MaxDetectionBytes = 1024 * 1024;

    /// <summary>
    /// Opens a reader over <paramref name="stream"/> (plain, gzip or zstd: detected from the first bytes).
    /// </summary>
    /// <param name="stream">The file's bytes; owned by the reader unless <see cref="ItemReaderOptions.LeaveOpen"/>.</param>
    /// <param name="format">The line format.</param>
    /// <param name="options">Error handling, line limit and source name; defaults when null. Validated here.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static IItemReader OpenReader(Stream stream, ItemFileFormat format, ItemReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= new ItemReaderOptions();
        options.Validate();
        switch (format)
        {
            case ItemFileFormat.DataPipeline:
            case ItemFileFormat.DynamoDbJson:
            case ItemFileFormat.DynamoDbJsonIncremental:
                return new JsonItemReader(StreamCompression.OpenRead(stream, options.SourceName, options.LeaveOpen), format, options);
            case ItemFileFormat.Csv:
                return Csv.CsvFiles.OpenReader(stream, options);
            case ItemFileFormat.Json:
            case ItemFileFormat.DynamoDbScan:
            case ItemFileFormat.DynamoDbBatchWrite:
                return new JsonDocumentReader(StreamCompression.OpenRead(stream, options.SourceName, options.LeaveOpen), format, options);
            case ItemFileFormat.Parquet:
                return Parquet.ParquetFiles.OpenReader(stream, options);
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown item file format.");
        }
    }

    /// <summary>
    /// Opens a writer that writes items to <paramref name="stream"/> in <paramref name="format"/>, compressed as
    /// <see cref="ItemWriterOptions.Compression"/> says. Call <see cref="IItemWriter.CompleteAsync"/> at the end.
    /// </summary>
    /// <param name="stream">Where the file's bytes go; owned by the writer unless <see cref="ItemWriterOptions.LeaveOpen"/>.</param>
    /// <param name="format">The line format.</param>
    /// <param name="options">Compression and CSV layout; defaults when null. Validated here.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="ArgumentException">The format is CSV and <see cref="ItemWriterOptions.Csv"/> is not set.</exception>
    public static IItemWriter OpenWriter(Stream stream, ItemFileFormat format, ItemWriterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= new ItemWriterOptions();
        options.Validate();
        return format switch
        {
            ItemFileFormat.DataPipeline or ItemFileFormat.DynamoDbJson or ItemFileFormat.DynamoDbJsonIncremental or ItemFileFormat.Json =>
                new JsonItemWriter(stream, format, options),
            ItemFileFormat.DynamoDbScan or ItemFileFormat.DynamoDbBatchWrite =>
                throw new NotSupportedException($"Writing {format.ToName()} is not supported: write ddb-json (DynamoDB-typed, one item per line) or json (plain) instead."),
            ItemFileFormat.Csv => Csv.CsvFiles.OpenWriter(stream, options),
            // Parquet compresses inside the file (column chunks): Compression does not apply.
            ItemFileFormat.Parquet => Parquet.ParquetFiles.OpenWriter(stream, options.Parquet, options.LeaveOpen),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown item file format."),
        };
    }

    /// <summary>
    /// Detects the format (and compression) of a file from its first non-empty line (and the second, when the first is
    /// not JSON: a damaged first line of a JSON file does not make it CSV). Reads at most
    /// <see cref="MaxDetectionBytes"/> decompressed bytes and leaves <paramref name="stream"/> open, but consumes
    /// them: open the file again to read it. A file whose compressed data is damaged is judged by the lines before the
    /// damage; when not even one line can be read, the <see cref="InvalidDataException"/> says what is wrong.
    /// </summary>
    /// <exception cref="InvalidDataException">The compressed data is damaged before the end of the first line.</exception>
    public static ValueTask<FormatDetection> DetectFormatAsync(Stream stream, CancellationToken cancellationToken = default) =>
        DetectFormatAsync(stream, name: null, cancellationToken);

    /// <summary>
    /// <see cref="DetectFormatAsync(Stream, CancellationToken)"/> for a file named <paramref name="name"/>: a name that
    /// says gzip or zstd on bytes that are neither that nor text is an <see cref="InvalidDataException"/>, as reading says.
    /// </summary>
    /// <param name="stream">The file's bytes, as stored (compressed or not); read from its current position.</param>
    /// <param name="name">The file's name or uri, or null when unknown.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    public static async ValueTask<FormatDetection> DetectFormatAsync(Stream stream, string? name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        await using var decompressed = new DecompressingReadStream(stream, leaveOpen: true, StreamCompression.FromFileName(name));
        var sample = new byte[64 * 1024];
        int length = 0;
        bool ended = false;
        // Two lines: a first line that is not JSON may be a bad line of a JSON file rather than a CSV header. An array
        // or a pretty-printed object: enough of it to hold its first item.
        while (!ended && length < MaxDetectionBytes && (!HasCompleteLines(sample.AsSpan(0, length), 2)
            || (length < DocumentDetection.DocumentSampleBytes && DocumentDetection.StartsDocument(Content(sample.AsSpan(0, length))))))
        {
            if (length == sample.Length)
            {
                Array.Resize(ref sample, Math.Min(sample.Length * 2, MaxDetectionBytes));
            }
            int read;
            try
            {
                read = await decompressed.ReadAsync(sample.AsMemory(length), cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException e) when (DamagedData.Is(e) && HasCompleteLines(sample.AsSpan(0, length), 1))
            {
                // Damaged further on: the lines before the damage still show the format (reading reports the damage).
                var partial = Detect(sample.AsSpan(0, length), ended: false);
                return partial with { Compression = decompressed.Kind ?? CompressionKind.None, Reason = $"{partial.Reason} ({e.Message} after its first {length:N0} bytes)" };
            }
            ended = read == 0;
            length += read;
        }
        try
        {
            var detection = Detect(sample.AsSpan(0, length), ended);
            return detection with { Compression = decompressed.Kind ?? CompressionKind.None };
        }
        catch (FormatRefusedException e) when (name is not null)
        {
            throw new FormatRefusedException($"{name}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Detects the format from the first bytes of a file's decompressed content (at least its first non-empty line,
    /// or all of a shorter file). Rules, in order: Parquet's magic <c>PAR1</c> is parquet (never another format; a whole file must end with it too); content
    /// starting with <c>[</c> is an array, ddb-scan when its first item is DynamoDB-typed, json when it is a plain
    /// object; an object whose first field is an <c>"Items"</c> array is ddb-scan, one whose first field is an array of
    /// PutRequest/DeleteRequest is ddb-batch-write; another object spread over lines is refused; a first line that
    /// parses as ddb-json, ddb-json-incremental or data-pipeline is that format, one that is a plain JSON object (some
    /// value not an object) is json; a line that does not start with <c>{</c> is the legacy data-pipeline framing when
    /// it holds a 0x03 byte, the format of the next line when that is a whole JSON item (a damaged first line), CSV otherwise; an incomplete or invalid JSON line is judged by its first field name.
    /// </summary>
    /// <exception cref="ArgumentException">The bytes are gzip or zstd compressed (use <see cref="DetectFormatAsync(Stream, CancellationToken)"/>).</exception>
    /// <exception cref="FormatRefusedException">The content cannot be told apart for sure, or starts like Parquet but does not end like it; the message says which formats were considered.</exception>
    public static FormatDetection DetectFormat(ReadOnlySpan<byte> start)
    {
        if (StreamCompression.Detect(start) is var kind and not CompressionKind.None)
        {
            throw new ArgumentException($"The bytes are {kind.ToName()}-compressed; pass the stream to DetectFormatAsync.", nameof(start));
        }
        return Detect(start, ended: true);
    }

    private static bool HasCompleteLines(ReadOnlySpan<byte> sample, int count)
    {
        sample = SkipByteOrderMark(sample);
        for (int found = 0; found < count; found++)
        {
            int content = sample.IndexOfAnyExcept("\r\n \t"u8);
            if (content < 0) return false;
            int end = sample[content..].IndexOfAny((byte)'\n', (byte)'\r');
            if (end < 0) return false;
            sample = sample[(content + end)..];
        }
        return true;
    }

    /// <summary>The format a complete JSON line parses as, or null.</summary>
    private static (ItemFileFormat Format, string Why)? ParsesAs(ReadOnlySpan<byte> line, ref string? problem)
    {
        foreach (var (format, why) in Candidates)
        {
            try
            {
                new JsonItemParser(format).Parse(line, 1);
                return (format, why);
            }
            catch (AttributePathException e)
            {
                problem ??= e.Reason;
            }
        }
        return null;
    }

    private static FormatDetection Detect(ReadOnlySpan<byte> sample, bool ended)
    {
        if (DocumentDetection.IsParquet(sample))
        {
            return DocumentDetection.Parquet(sample, ended);
        }
        sample = SkipByteOrderMark(sample);
        int start = sample.IndexOfAnyExcept("\r\n \t"u8);
        if (start < 0)
        {
            return new(ItemFileFormat.DataPipeline, CompressionKind.None, "the file has no lines; every JSON format reads it as no items");
        }
        var rest = sample[start..];
        if (rest[0] == (byte)'[')
        {
            return DocumentDetection.DetectArray(rest, ended);
        }
        if (rest[0] == (byte)'{' && DocumentDetection.DetectEnvelope(rest, ended) is { } envelope)
        {
            return envelope;
        }
        if (DocumentDetection.StartsDocument(rest))
        {
            throw DocumentDetection.PrettyPrintedObject();
        }
        int lineEnd = rest.IndexOfAny((byte)'\n', (byte)'\r');
        bool complete = lineEnd >= 0 || ended;
        var line = lineEnd >= 0 ? rest[..lineEnd] : rest;
        string? problem = null;
        if (line[0] != (byte)'{')
        {
            if (line.Contains((byte)0x03))
            {
                return new(ItemFileFormat.DataPipeline, CompressionKind.None, "the first line uses the legacy Data Pipeline framing (name\\x03{value}\\x02...)");
            }
            // A JSON file whose first line is damaged is not a CSV file: when the next line is a whole item, read the
            // file as its format, and the first line is reported as bad instead of every line.
            if (lineEnd >= 0 && rest[lineEnd..] is var after && after.IndexOfAnyExcept("\r\n \t"u8) is int next and >= 0)
            {
                var second = after[next..];
                int secondEnd = second.IndexOfAny((byte)'\n', (byte)'\r');
                if ((secondEnd >= 0 || ended) && second[0] == (byte)'{' && ParsesAs(secondEnd >= 0 ? second[..secondEnd] : second, ref problem) is { } json)
                {
                    return new(json.Format, CompressionKind.None, $"the first line is not JSON (a damaged line?), but the second is: {json.Why.Replace("the first line", "it", StringComparison.Ordinal)}");
                }
            }
            return new(ItemFileFormat.Csv, CompressionKind.None, "the first line is not a JSON object");
        }
        if (complete && ParsesAs(line, ref problem) is { } parsed)
        {
            return new(parsed.Format, CompressionKind.None, parsed.Why);
        }
        if (complete && DocumentDetection.IsPlainLine(line, ref problem))
        {
            return new(ItemFileFormat.Json, CompressionKind.None, "the first line is a plain JSON object (values without DynamoDB type keys, such as {\"id\":\"a\",\"n\":1})");
        }
        string field = FirstFieldName(line);
        string note = complete ? $" (but it is not a valid item: {problem})" : " (the line is longer than the sample)";
        return field switch
        {
            "Item" => new(ItemFileFormat.DynamoDbJson, CompressionKind.None, "the first line starts with \"Item\"" + note),
            "Keys" or "NewImage" or "OldImage" or "Metadata" => new(ItemFileFormat.DynamoDbJsonIncremental, CompressionKind.None, $"the first line starts with \"{field}\"" + note),
            _ => new(ItemFileFormat.DataPipeline, CompressionKind.None, "the first line is a JSON object of attributes" + note),
        };
    }

    private static readonly (ItemFileFormat Format, string Why)[] Candidates =
    [
        (ItemFileFormat.DynamoDbJson, "the first line is {\"Item\":{...}}, a native DynamoDB JSON export"),
        (ItemFileFormat.DynamoDbJsonIncremental, "the first line has \"Keys\"/\"NewImage\", a native incremental export"),
        (ItemFileFormat.DataPipeline, "the first line is an object of typed attributes such as {\"id\":{\"s\":\"...\"}}, the EMR / Data Pipeline format"),
    ];

    private static ReadOnlySpan<byte> Content(ReadOnlySpan<byte> sample)
    {
        sample = SkipByteOrderMark(sample);
        int start = sample.IndexOfAnyExcept("\r\n \t"u8);
        return start < 0 ? default : sample[start..];
    }

    private static ReadOnlySpan<byte> SkipByteOrderMark(ReadOnlySpan<byte> sample) =>
        sample.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? sample[3..] : sample;

    private static string FirstFieldName(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line, isFinalBlock: false, state: default);
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject && reader.Read() && reader.TokenType == JsonTokenType.PropertyName
                ? reader.GetString() ?? ""
                : "";
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return "";
        }
    }
}
