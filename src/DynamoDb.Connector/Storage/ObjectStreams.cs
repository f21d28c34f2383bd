using DynamoDb.Connector.Formats.Streams;

namespace DynamoDb.Connector.Storage;

/// <summary>Where an <see cref="ObjectWriteStream"/> sends its bytes: a temporary file, or S3 parts.</summary>
internal interface IObjectWriteSink
{
    /// <summary>The uri being written, for errors.</summary>
    string Uri { get; }

    void Write(ReadOnlySpan<byte> buffer);

    ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken);
}

/// <summary>
/// The write-only, forward-only stream an <see cref="IObjectWriter"/> hands out. Disposing it only ends writing: it
/// neither commits nor aborts, so a compressor created without <c>leaveOpen</c> can be disposed before
/// <see cref="IObjectWriter.CommitAsync"/>. <see cref="Position"/> is the number of bytes written.
/// </summary>
internal sealed class ObjectWriteStream(IObjectWriteSink sink) : WriteOnlyStream
{
    private long _written;
    private bool _closed;

    public override bool CanWrite => !_closed;

    /// <summary>Bytes written so far.</summary>
    public long BytesWritten => _written;

    public override long Length => throw CannotSeek();

    public override long Position
    {
        get => _written;
        set => throw CannotSeek();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        EnsureOpen();
        sink.Write(buffer);
        _written += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        EnsureOpen();
        await sink.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        _written += buffer.Length;
    }

    public override void WriteByte(byte value) => Write([value]);

    // Flush (inherited) and FlushAsync do nothing: bytes become durable and visible at commit, not before.
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException($"The stream writing {sink.Uri} is write-only.");

    public override long Seek(long offset, SeekOrigin origin) => throw CannotSeek();

    public override void SetLength(long value) => throw CannotSeek();

    /// <summary>Ends writing; the writer still decides between commit and abort.</summary>
    protected override void Dispose(bool disposing)
    {
        _closed = true;
        base.Dispose(disposing);
    }

    private void EnsureOpen() => ObjectDisposedException.ThrowIf(_closed, this);

    private NotSupportedException CannotSeek() => new($"The stream writing {sink.Uri} cannot seek.");
}

/// <summary>
/// A read-only view of at most <c>length</c> bytes of another stream (from its current position); disposing it
/// disposes the inner stream and, if given, its owner (an S3 response).
/// </summary>
internal sealed class ReadWindowStream(Stream inner, long length, IDisposable? owner = null) : ReadOnlyStream
{
    private long _remaining = length;
    private long _position;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_remaining <= 0 || buffer.IsEmpty) return 0;
        int read = inner.Read(buffer[..Limit(buffer.Length)]);
        return Advance(read);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_remaining <= 0 || buffer.IsEmpty) return 0;
        int read = await inner.ReadAsync(buffer[..Limit(buffer.Length)], cancellationToken).ConfigureAwait(false);
        return Advance(read);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            owner?.Dispose();
        }
        base.Dispose(disposing);
    }

    private int Limit(int requested) => (int)Math.Min(requested, _remaining);

    private int Advance(int read)
    {
        _remaining -= read;
        _position += read;
        return read;
    }
}
