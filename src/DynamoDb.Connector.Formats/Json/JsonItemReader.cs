using System.Text;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Formats.Json;

/// <summary>Reads the JSON line formats (data-pipeline, ddb-json, ddb-json-incremental) from a decompressed stream.</summary>
internal sealed class JsonItemReader : IItemReader
{
    private readonly Stream _stream;
    private readonly LineReader _lines;
    private readonly JsonItemParser? _parser;
    private readonly JsonDocumentParser? _documents;
    private readonly ItemReaderOptions _options;
    private readonly ItemFileFormat _format;
    private long _firstLine;
    private bool _disposed;
    private bool _damaged;

    /// <param name="stream">The decompressed input, owned by the reader (it leaves the file's stream open or not, as the options say).</param>
    /// <param name="format">A JSON line format.</param>
    /// <param name="options">Validated options.</param>
    /// <param name="documents">For <c>json</c> lines: the parser of plain objects (then <paramref name="format"/> is only named).</param>
    public JsonItemReader(Stream stream, ItemFileFormat format, ItemReaderOptions options, JsonDocumentParser? documents = null)
    {
        _stream = stream;
        _options = options;
        _lines = new LineReader(stream, options.MaxLineBytes);
        _documents = documents;
        _format = format;
        _parser = documents is null
            ? new JsonItemParser(format) { RequireKeysAndMetadata = options.NativeExport && format == ItemFileFormat.DynamoDbJsonIncremental }
            : null;
    }

    public long LinesRead => _lines.LineNumber;

    public long BytesRead => _lines.BytesConsumed;

    public long BadRecords { get; private set; }

    public ValueTask<ItemRecord?> ReadAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (_damaged)
        {
            return new ValueTask<ItemRecord?>((ItemRecord?)null);
        }
        // Most calls find a whole line already buffered: no async state machine for them.
        return TryReadBuffered(out var record) ? new ValueTask<ItemRecord?>(record) : ReadWithInputAsync(cancellationToken);
    }

    private async ValueTask<ItemRecord?> ReadWithInputAsync(CancellationToken cancellationToken)
    {
        ItemRecord? record;
        do
        {
            try
            {
                await _lines.FillAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException e) when (DamagedData.Is(e))
            {
                // The lines before the damage were returned; the one it cuts is never parsed (a cut line can still be
                // valid JSON, or a legacy line missing attributes): it is the file's one bad record, and the file ends.
                _damaged = true;
                string text = Encoding.UTF8.GetString(_lines.UnfinishedLine);
                Report(new RecordError(_options.SourceName, _lines.UnfinishedLineNumber, DamagedData.ReasonAfter(e, _lines.UnfinishedLineNumber - 1), RecordError.ExcerptOf(text),
                    _lines.UnfinishedLineTooLong ? null : text));
                return null;
            }
        }
        while (!TryReadBuffered(out record));
        return record;
    }

    /// <summary>The next record from buffered input (null at the end); false when more input is needed.</summary>
    private bool TryReadBuffered(out ItemRecord? record)
    {
        while (true)
        {
            switch (_lines.TryRead())
            {
                case LineStatus.Line:
                    var line = _lines.Line;
                    if (_firstLine == 0) _firstLine = _lines.LineNumber;
                    if ((line[0] == (byte)' ' || line[0] == (byte)'\t') && JsonItemParser.IsBlank(line))
                    {
                        continue; // a blank line is not an item
                    }
                    try
                    {
                        record = _parser is not null ? _parser.Parse(line, _lines.LineNumber) : _documents!.Parse(line, _lines.LineNumber);
                        return true;
                    }
                    catch (AttributePathException e)
                    {
                        string text = Encoding.UTF8.GetString(line);
                        string reason = _lines.LineNumber == _firstLine && line.TrimStart(" \t"u8) is [(byte)'[', ..] && _documents is null
                            ? $"the line starts a JSON array, and {_format.ToName()} holds one item per line: read a file that is one array with --format json (plain objects) or ddb-scan (DynamoDB-typed items)"
                            : e.Reason;
                        Report(new RecordError(_options.SourceName, _lines.LineNumber, reason, RecordError.ExcerptOf(text), text));
                    }
                    continue;
                case LineStatus.TooLong:
                    Report(new RecordError(
                        _options.SourceName,
                        _lines.LineNumber,
                        $"the line is {_lines.OversizeLength:N0} bytes, longer than the {_lines.MaxLineBytes:N0} accepted (an item is at most 400 KB); it was skipped unread",
                        RecordError.ExcerptOf(Encoding.UTF8.GetString(_lines.OversizeHead))));
                    continue;
                case LineStatus.End:
                    record = null;
                    return true;
                default:
                    record = null;
                    return false;
            }
        }
    }

    private void Report(RecordError error)
    {
        BadRecords++;
        if (_options.BadRecords == BadRecordHandling.Fail)
        {
            throw new RecordFormatException(error);
        }
        _options.OnBadRecord?.Invoke(error);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _lines.Dispose();
        // Always: it releases the decompressor; the file's own stream stays open when LeaveOpen says so.
        await _stream.DisposeAsync().ConfigureAwait(false);
    }
}
