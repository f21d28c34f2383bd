using DynamoDb.Connector.Formats.Streams;

namespace DynamoDb.Connector.Formats.Compression;

/// <summary>Writes straight to the destination; disposing it leaves the destination open when asked (like the compressors).</summary>
internal sealed class PassThroughWriteStream(Stream destination, bool leaveOpen) : WriteOnlyStream
{
    public override void Flush() => destination.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => destination.FlushAsync(cancellationToken);
    public override void Write(byte[] buffer, int offset, int count) => destination.Write(buffer, offset, count);
    public override void Write(ReadOnlySpan<byte> buffer) => destination.Write(buffer);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        destination.WriteAsync(buffer, offset, count, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        destination.WriteAsync(buffer, cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (leaveOpen) destination.Flush();
            else destination.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (leaveOpen) await destination.FlushAsync().ConfigureAwait(false);
        else await destination.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}
