using DynamoDb.Connector.Formats.Streams;

namespace DynamoDb.Connector.Import;

/// <summary>
/// The lines of a file that start inside the byte range [start, end): skips the partial line before the range and
/// continues past <c>end</c> to the end of the line that crosses it. Every line of the file belongs to exactly one of a
/// set of adjoining ranges. The inner stream must start at byte <c>start - 1</c> (or 0 when <c>start</c> is 0), so
/// the reader can tell whether <c>start</c> is itself the start of a line; or, when <c>start</c> is known to be a line's
/// start (a reader resuming at a byte offset it recorded), at <c>start</c> itself.
/// </summary>
internal sealed class LineRangeStream : ReadOnlyStream
{
    private readonly Stream _inner;
    private readonly long _end;
    private long _position; // absolute offset in the file of the next byte of _inner
    private bool _skipping;
    private bool _done;

    public LineRangeStream(Stream inner, long start, long end, bool atLineStart = false)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfLessThan(end, start);
        _inner = inner;
        _end = end;
        _position = InnerOffset(start, atLineStart);
        _skipping = start > 0 && !atLineStart;
        _done = start == end;
        FirstLineStart = atLineStart ? start : -1;
    }

    /// <summary>The offset the inner stream has to begin at for a range starting at <paramref name="start"/>.</summary>
    public static long InnerOffset(long start, bool atLineStart = false) => start == 0 || atLineStart ? start : start - 1;

    /// <summary>The offset in the file of the first byte this stream returns; -1 until it is known (the first read).</summary>
    public long FirstLineStart { get; private set; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!_done)
        {
            int read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                _done = true;
                return 0;
            }
            var span = buffer.Span[..read];
            long chunkStart = _position;
            _position += read;
            int from = 0;
            if (_skipping)
            {
                int newline = span.IndexOf((byte)'\n');
                if (newline < 0) continue; // still inside the line that began before the range
                _skipping = false;
                from = newline + 1;
                if (chunkStart + from >= _end)
                {
                    _done = true; // the range holds no line start
                    return 0;
                }
            }
            // The last line to keep is the one holding byte _end - 1; stop after its newline.
            long lastKeptOffset = _end - 1;
            int count = read - from;
            if (chunkStart + read > lastKeptOffset)
            {
                int searchFrom = (int)Math.Max(from, lastKeptOffset - chunkStart);
                int newline = span[searchFrom..].IndexOf((byte)'\n');
                if (newline >= 0)
                {
                    count = searchFrom + newline + 1 - from;
                    _done = true;
                }
            }
            if (count == 0) continue;
            if (FirstLineStart < 0) FirstLineStart = chunkStart + from;
            if (from > 0) span.Slice(from, count).CopyTo(buffer.Span);
            return count;
        }
        return 0;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return _inner.DisposeAsync();
    }
}
