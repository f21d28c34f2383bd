namespace DynamoDb.Connector.Formats.Streams;

/// <summary>
/// A forward-only write stream: no seeking, length, position or reading (all throw <see cref="NotSupportedException"/>);
/// <see cref="Flush"/> does nothing unless overridden. Subclasses implement the writes.
/// </summary>
internal abstract class WriteOnlyStream : Stream
{
    public sealed override bool CanRead => false;
    public sealed override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
