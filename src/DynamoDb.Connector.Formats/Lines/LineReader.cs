using System.Buffers;

namespace DynamoDb.Connector.Formats.Lines;

/// <summary>What <see cref="LineReader.TryRead"/> found.</summary>
internal enum LineStatus
{
    /// <summary>A line is in <see cref="LineReader.Line"/>.</summary>
    Line,
    /// <summary>A line longer than the limit was skipped; <see cref="LineReader.OversizeHead"/> holds its start.</summary>
    TooLong,
    /// <summary>No complete line is buffered: call <see cref="LineReader.FillAsync"/>.</summary>
    NeedMore,
    /// <summary>The input has ended.</summary>
    End,
}

/// <summary>
/// Splits a stream into lines in constant memory: one pooled buffer that grows only up to the longest accepted line.
/// Lines end with <c>\n</c>, <c>\r\n</c> or a lone <c>\r</c>; the last line needs no terminator. Empty lines are counted
/// but not returned. A UTF-8 byte order mark at the start is skipped. A line longer than the limit is never buffered
/// whole: its start is kept for the error message and the rest is skipped up to the next line end.
/// </summary>
/// <remarks>
/// Synchronous <see cref="TryRead"/> over buffered bytes plus an asynchronous <see cref="FillAsync"/> keep the hot loop
/// free of async state machines: one <see cref="Stream.ReadAsync(Memory{byte}, CancellationToken)"/> per 64 KiB.
/// </remarks>
internal sealed class LineReader : IDisposable
{
    /// <summary>How many bytes of an oversize line are kept for the error message.</summary>
    public const int OversizeHeadBytes = 512;

    private const int InitialBufferBytes = 64 * 1024;
    private const int MinReadBytes = 16 * 1024;
    private static readonly SearchValues<byte> LineEnds = SearchValues.Create("\r\n"u8);

    private readonly Stream _stream;
    private readonly int _maxLineBytes;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private int _scanned;          // bytes after _start already searched for a line end
    private bool _eof;
    private bool _bomChecked;
    private bool _skipLineFeed;    // the previous line ended with \r: a \n right after it belongs to that line end
    private bool _discarding;      // inside an oversize line
    private long _discardedBytes;
    private int _lineStart;
    private int _lineLength;
    private byte[]? _oversizeHead;
    private bool _disposed;

    public LineReader(Stream stream, int maxLineBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 1);
        _stream = stream;
        _maxLineBytes = maxLineBytes;
        _buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(InitialBufferBytes, (long)maxLineBytes + MinReadBytes));
    }

    /// <summary>The line found by the last <see cref="TryRead"/> that returned <see cref="LineStatus.Line"/>, without its line end. Valid until the next call.</summary>
    public ReadOnlySpan<byte> Line => _buffer.AsSpan(_lineStart, _lineLength);

    /// <summary>The 1-based number of the last line returned (empty lines are counted too).</summary>
    public long LineNumber { get; private set; }

    /// <summary>Bytes consumed, up to the end of the last line returned (including line ends and a byte order mark).</summary>
    public long BytesConsumed { get; private set; }

    /// <summary>For <see cref="LineStatus.TooLong"/>: the first bytes of the skipped line.</summary>
    public ReadOnlySpan<byte> OversizeHead => _oversizeHead is null ? default : _oversizeHead.AsSpan(0, (int)Math.Min(_oversizeHead.Length, OversizeLength));

    /// <summary>For <see cref="LineStatus.TooLong"/>: the length of the skipped line in bytes.</summary>
    public long OversizeLength { get; private set; }

    /// <summary>The longest line accepted, in bytes.</summary>
    public int MaxLineBytes => _maxLineBytes;

    /// <summary>
    /// When the input cannot be read further (a <see cref="FillAsync"/> failed): the number of the line it cuts, whose
    /// bytes so far are in <see cref="UnfinishedLine"/>. Every line before it was returned whole.
    /// </summary>
    public long UnfinishedLineNumber => _discarding ? LineNumber : LineNumber + 1;

    /// <summary>Whether the line <see cref="UnfinishedLineNumber"/> is over the limit (only its first bytes are kept).</summary>
    public bool UnfinishedLineTooLong => _discarding;

    /// <summary>The bytes buffered of the line <see cref="UnfinishedLineNumber"/> (its first ones when it is over the limit).</summary>
    public ReadOnlySpan<byte> UnfinishedLine => _discarding
        ? _oversizeHead.AsSpan(0, (int)Math.Min(OversizeHeadBytes, _discardedBytes))
        : _buffer.AsSpan(_start, _end - _start);

    /// <summary>Returns the next line from the buffered bytes, or says more input is needed or the input has ended.</summary>
    public LineStatus TryRead()
    {
        while (true)
        {
            if (!_bomChecked)
            {
                if (_end - _start < 3 && !_eof)
                {
                    return LineStatus.NeedMore;
                }
                _bomChecked = true;
                if (_buffer.AsSpan(_start, _end - _start).StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
                {
                    _start += 3;
                    BytesConsumed += 3;
                }
            }
            if (_skipLineFeed)
            {
                if (_start == _end)
                {
                    if (!_eof) return LineStatus.NeedMore;
                }
                else if (_buffer[_start] == (byte)'\n')
                {
                    _start++;
                    BytesConsumed++;
                }
                _skipLineFeed = false;
            }
            if (_discarding)
            {
                var rest = _buffer.AsSpan(_start, _end - _start);
                int lineEnd = rest.IndexOfAny(LineEnds);
                if (lineEnd < 0)
                {
                    _discardedBytes += rest.Length;
                    BytesConsumed += rest.Length;
                    _start = _end = 0;
                    if (!_eof) return LineStatus.NeedMore;
                    _discarding = false;
                    OversizeLength = _discardedBytes;
                    return LineStatus.TooLong;
                }
                _discardedBytes += lineEnd;
                Consume(lineEnd);
                _discarding = false;
                OversizeLength = _discardedBytes;
                return LineStatus.TooLong;
            }

            var pending = _buffer.AsSpan(_start, _end - _start);
            int end = pending[_scanned..].IndexOfAny(LineEnds);
            if (end >= 0)
            {
                end += _scanned;
                _scanned = 0;
                LineNumber++;
                if (end > _maxLineBytes)
                {
                    KeepOversizeHead(pending);
                    OversizeLength = end;
                    Consume(end);
                    return LineStatus.TooLong;
                }
                _lineStart = _start;
                _lineLength = end;
                Consume(end);
                if (end == 0) continue; // an empty line is not an item
                return LineStatus.Line;
            }
            _scanned = pending.Length;
            if (pending.Length > _maxLineBytes)
            {
                // Too long already: keep its start for the message, drop the rest up to the next line end.
                LineNumber++;
                KeepOversizeHead(pending);
                _discarding = true;
                _discardedBytes = pending.Length;
                BytesConsumed += pending.Length;
                _start = _end = _scanned = 0;
                continue;
            }
            if (!_eof)
            {
                return LineStatus.NeedMore;
            }
            if (pending.Length == 0)
            {
                return LineStatus.End;
            }
            // The last line has no line end.
            LineNumber++;
            _lineStart = _start;
            _lineLength = pending.Length;
            BytesConsumed += pending.Length;
            _start = _end = _scanned = 0;
            return LineStatus.Line;
        }
    }

    /// <summary>Reads more input into the buffer. After it, call <see cref="TryRead"/> again (which reports the end).</summary>
    public async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_eof)
        {
            return;
        }
        if (_start > 0)
        {
            // Move the unfinished line to the front; it is at most one line long.
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        if (_buffer.Length - _end < MinReadBytes)
        {
            // Grow only as far as the longest accepted line needs (plus room for one read).
            long wanted = Math.Min((long)_buffer.Length * 2, (long)_maxLineBytes + 1 + MinReadBytes);
            if (wanted > _buffer.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent((int)wanted);
                _buffer.AsSpan(0, _end).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = larger;
            }
        }
        int read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            _eof = true;
        }
        _end += read;
    }

    private void Consume(int lineLength)
    {
        byte terminator = _buffer[_start + lineLength];
        _start += lineLength + 1;
        BytesConsumed += lineLength + 1;
        _skipLineFeed = terminator == (byte)'\r';
    }

    private void KeepOversizeHead(ReadOnlySpan<byte> line)
    {
        _oversizeHead ??= new byte[OversizeHeadBytes];
        line[..Math.Min(line.Length, OversizeHeadBytes)].CopyTo(_oversizeHead);
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }
}
