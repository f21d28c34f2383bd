namespace DynamoDb.Connector.Formats.Streams;

/// <summary>
/// A forward-only write stream: no seeking, length, position or reading (all throw <see cref="NotSupportedException"/>);
/// <see cref="Flush"/> does nothing unless overridden. Subclasses implement the writes. The connector's object stores and part files build on it; a host implementing
/// <c>IObjectStore</c> may too.
/// </summary>
public abstract class WriteOnlyStream : Stream
{
    /// <inheritdoc />
    public sealed override bool CanRead => false;
    /// <inheritdoc />
    public sealed override bool CanSeek => false;
    /// <inheritdoc />
    public override bool CanWrite => true;
    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();
    /// <inheritdoc />
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    /// <inheritdoc />
    public override void Flush() { }
    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();
}
