using DynamoDb.Connector.Formats.Streams;

namespace DynamoDb.Connector.Formats.Tests.Lines;

/// <summary>A read-only, non-seekable stream that returns at most <c>chunk</c> bytes per read, to hit every buffer boundary.</summary>
internal sealed class TrickleStream(byte[] data, int chunk) : ReadOnlyStream
{
    private int _position;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int count = Math.Min(Math.Min(chunk, buffer.Length), data.Length - _position);
        data.AsSpan(_position, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await Task.Yield(); // really asynchronous, like a network stream
        return Read(buffer.Span);
    }
}

/// <summary>Generates lines on the fly without ever holding the whole content: a file of any size in constant memory.</summary>
internal sealed class GeneratedLinesStream(long lines, Func<long, byte[]> line) : ReadOnlyStream
{
    private long _next = 1;
    private byte[] _current = [];
    private int _offset;

    public long BytesProduced { get; private set; }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int written = 0;
        while (written < buffer.Length)
        {
            if (_offset == _current.Length)
            {
                if (_next > lines) break;
                _current = line(_next++);
                _offset = 0;
            }
            int count = Math.Min(buffer.Length - written, _current.Length - _offset);
            _current.AsSpan(_offset, count).CopyTo(buffer[written..]);
            _offset += count;
            written += count;
        }
        BytesProduced += written;
        return written;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));
}
