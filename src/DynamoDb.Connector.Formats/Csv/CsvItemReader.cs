using System.Buffers;
using System.Text;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Formats.Csv;

/// <summary>
/// Reads items from a CSV file (RFC 4180: quoted fields may hold the delimiter, doubled quotes and line breaks; lines
/// end with LF or CRLF), streaming, in memory bounded by <see cref="ItemReaderOptions.MaxLineBytes"/> per record.
/// A UTF-8 byte order mark is skipped, fully empty lines are skipped, and every bad record is reported with the line
/// it starts on. The stream is not disposed: its owner does that.
/// </summary>
internal sealed partial class CsvItemReader : IItemReader
{
    private const int BufferSize = 64 * 1024;
    private const byte Quote = (byte)'"';
    private const byte NewLine = (byte)'\n';

    private readonly Stream _stream;
    private readonly ItemReaderOptions _options;
    private readonly CsvSchema _schema;
    private readonly byte _delimiter;
    private byte[] _buffer;
    private int _pos, _len;
    private bool _eof, _started;
    private InvalidDataException? _damage; // the input cannot be read past _pos: the record it cuts is bad, and the file ends
    private long _streamBytes;

    // The raw bytes of the current record (without its line end), at most MaxLineBytes of them.
    private byte[] _record;
    private int _recordLength;
    private bool _recordTooLong, _recordUnterminated, _recordEndedWithNewLine, _recordEndedWithCr;
    private long _recordStartLine, _line, _badRecords;
    private int _cellIndex, _openQuoteAt, _openQuoteCell; // where the last quoted field of the record opened
    private int _strayQuoteAt, _strayQuoteClosedAt;        // a quoted field closed lines later and followed by text, or -1

    // The current record's cells, unquoted: bytes in _cells, extents in _cellStarts/_cellLengths.
    private byte[] _cells;
    private readonly List<(int Start, int Length, bool Quoted)> _cellExtents = [];

    private string[]? _names;
    private HashSet<string>? _nameSet;
    private AttributeKind[]? _types;
    private string? _headerLine;        // the header as read, to set bad records aside as CSV under it
    private long _headerLineNumber;
    private bool _headerToCheck;        // the first data row is still to be compared with the header
    private CsvRecordOrigin? _origin;   // null until the columns are known

    private enum ScanState { FieldStart, Unquoted, Quoted, QuoteInQuoted }

    /// <summary>Creates a reader over a raw (already decompressed) stream.</summary>
    /// <exception cref="ArgumentException">The options or the schema (<see cref="ItemReaderOptions.Csv"/>; null means a header row and every column a string) are not valid.</exception>
    public CsvItemReader(Stream stream, ItemReaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxLineBytes, 1024, nameof(options.MaxLineBytes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxLineBytes, 1 << 30, nameof(options.MaxLineBytes));
        _schema = options.Csv ?? new CsvSchema();
        _schema.Validate();
        _stream = stream;
        _options = options;
        _delimiter = (byte)_schema.Delimiter;
        _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        _record = ArrayPool<byte>.Shared.Rent(4096);
        _cells = ArrayPool<byte>.Shared.Rent(4096);
        if (!_schema.HasHeaderRow)
        {
            SetColumns(_schema.Columns.Select(c => c.Name).ToArray());
        }
    }

    /// <inheritdoc />
    public long LinesRead => _line;

    /// <inheritdoc />
    public long BytesRead => _streamBytes - (_len - _pos);

    /// <inheritdoc />
    public long BadRecords => _badRecords;

    /// <inheritdoc />
    public async ValueTask<ItemRecord?> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (_damage is not null && _eof)
        {
            return null; // the damage was reported: the file ends there
        }
        while (await NextRecordAsync(cancellationToken).ConfigureAwait(false))
        {
            if (_damage is not null)
            {
                // Never parsed: a row cut short can still split into cells of the right types, with a value cut short.
                _eof = true;
                Bad(DamagedData.ReasonAfter(_damage, _recordStartLine - 1), RawText(), whole: false);
                return null;
            }
            if (_recordLength == 0 && !_recordTooLong && _recordStartLine == _line)
            {
                continue; // a fully empty line
            }
            if (_recordUnterminated)
            {
                ReportUnterminated();
                continue;
            }
            if (_recordTooLong)
            {
                Bad($"record is longer than {_options.MaxLineBytes:N0} bytes (MaxLineBytes)", raw: null);
                continue;
            }
            if (SplitCells() is { } splitProblem)
            {
                if (_strayQuoteAt >= 0 && ReadOnAfterTheQuotesLine(_strayQuoteAt, StrayQuote()))
                {
                    continue;
                }
                if (_names is null) throw HeaderError(splitProblem);
                Bad(splitProblem, RawText());
                continue;
            }
            if (_names is null)
            {
                ReadHeader();
                continue;
            }
            if (_headerToCheck)
            {
                RefuseHeaderThatLooksLikeData();
            }
            if (ToItem(out var problem) is { } item)
            {
                return new ItemRecord(item, _recordStartLine);
            }
            Bad(problem!, RawText());
        }
        return null;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        ArrayPool<byte>.Shared.Return(_record);
        ArrayPool<byte>.Shared.Return(_cells);
        _buffer = _record = _cells = [];
        _pos = _len = 0;
        return ValueTask.CompletedTask;
    }

    /// <summary>Reads the next record's raw bytes into <see cref="_record"/>; false at the end of the input.</summary>
    private async ValueTask<bool> NextRecordAsync(CancellationToken cancellationToken)
    {
        _recordLength = 0;
        _recordTooLong = _recordUnterminated = _recordEndedWithNewLine = _recordEndedWithCr = false;
        _recordStartLine = _line + 1;
        _cellIndex = _openQuoteAt = _openQuoteCell = 0;
        var state = ScanState.FieldStart;
        bool any = false;
        while (true)
        {
            if (_pos == _len && !await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                if (_damage is not null)
                {
                    return true; // the record it cuts, even if empty so far, is reported by ReadAsync
                }
                if (!any)
                {
                    return false;
                }
                _line++; // the last line had no line end
                _recordUnterminated = state == ScanState.Quoted;
                return true;
            }
            any = true;
            var span = _buffer.AsSpan(_pos, _len - _pos);
            int consumed, kept;
            bool end = false;
            switch (state)
            {
                case ScanState.FieldStart:
                case ScanState.QuoteInQuoted:
                    byte b = span[0];
                    consumed = kept = 1;
                    if (b == Quote)
                    {
                        if (state == ScanState.FieldStart)
                        {
                            _openQuoteAt = _recordLength;
                            _openQuoteCell = _cellIndex;
                        }
                        state = ScanState.Quoted; // an opening quote, or the second of a doubled one
                    }
                    else if (b == _delimiter) { state = ScanState.FieldStart; _cellIndex++; }
                    else if (b == NewLine) { end = true; kept = 0; }
                    else { state = ScanState.Unquoted; consumed = kept = 0; }
                    break;
                case ScanState.Unquoted:
                    int stop = span.IndexOfAny(_delimiter, NewLine);
                    if (stop < 0) consumed = kept = span.Length;
                    else if (span[stop] == NewLine) { consumed = stop + 1; kept = stop; end = true; }
                    else { consumed = kept = stop + 1; state = ScanState.FieldStart; _cellIndex++; }
                    break;
                default: // Quoted
                    int next = span.IndexOfAny(Quote, NewLine);
                    if (next < 0) consumed = kept = span.Length;
                    else
                    {
                        consumed = kept = next + 1;
                        if (span[next] == NewLine) _line++; // a line break inside a quoted field
                        else state = ScanState.QuoteInQuoted;
                    }
                    break;
            }
            Keep(span[..kept]);
            _pos += consumed;
            if (end)
            {
                _line++;
                _recordEndedWithNewLine = true;
                if (!_recordTooLong && _recordLength > 0 && _record[_recordLength - 1] == (byte)'\r')
                {
                    _recordLength--; // CRLF
                    _recordEndedWithCr = true;
                }
                return true;
            }
        }
    }

    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_eof || _damage is not null)
        {
            return false;
        }
        int read = await ReadSomeAsync(_buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false);
        if (!_started)
        {
            _started = true;
            // Gather three bytes to see a byte order mark even from a stream that returns one byte at a time.
            while (read is > 0 and < 3)
            {
                int more = await ReadSomeAsync(_buffer.AsMemory(read, BufferSize - read), cancellationToken).ConfigureAwait(false);
                if (more == 0) break;
                read += more;
            }
            _streamBytes += read;
            _pos = read >= 3 && _buffer.AsSpan(0, 3).SequenceEqual("\uFEFF"u8) ? 3 : 0;
            _len = read;
            _eof = read == 0 && _damage is null;
            return _pos < _len || (!_eof && await FillAsync(cancellationToken).ConfigureAwait(false));
        }
        if (read == 0)
        {
            _eof = _damage is null;
            return false;
        }
        _streamBytes += read;
        _pos = 0;
        _len = read;
        return true;
    }

    /// <summary>One read of the input; 0 at its end, and when it cannot be read further (<see cref="_damage"/> says why).</summary>
    private async ValueTask<int> ReadSomeAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await _stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException e) when (DamagedData.Is(e))
        {
            _damage = e;
            return 0;
        }
    }

    private void Keep(ReadOnlySpan<byte> bytes)
    {
        if (_recordTooLong || bytes.IsEmpty)
        {
            return;
        }
        if (_recordLength + bytes.Length > _options.MaxLineBytes)
        {
            _recordTooLong = true; // keep what there is for the excerpt, scan on to the record's end
            return;
        }
        if (_recordLength + bytes.Length > _record.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(Math.Max(_record.Length * 2, _recordLength + bytes.Length), _options.MaxLineBytes));
            _record.AsSpan(0, _recordLength).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_record);
            _record = bigger;
        }
        bytes.CopyTo(_record.AsSpan(_recordLength));
        _recordLength += bytes.Length;
    }
}
