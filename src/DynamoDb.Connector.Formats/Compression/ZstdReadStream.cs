using DynamoDb.Connector.Formats.Streams;

namespace DynamoDb.Connector.Formats.Compression;

/// <summary>
/// Decompresses zstd frames (ZstdSharp), checking that the input does not end inside a frame, and turns the codec's
/// errors ("Premature end of stream", "Unknown frame descriptor") into <see cref="DamagedData"/>.
/// </summary>
internal sealed class ZstdReadStream(Stream source, bool leaveOpen) : ReadOnlyStream
{
    private readonly ZstdSharp.DecompressionStream _inner = new(source, checkEndOfStream: true, leaveOpen: leaveOpen);
    private long _decompressed;

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        try
        {
            return Counted(_inner.Read(buffer, offset, count));
        }
        catch (Exception e) when (Damage(e) is { } damage)
        {
            throw damage;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return Counted(await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (Damage(e) is { } damage)
        {
            throw damage;
        }
    }

    private int Counted(int read)
    {
        _decompressed += read;
        return read;
    }

    /// <summary>The damage <paramref name="e"/> reports, or null when it is not about the data (an I/O error of the source).</summary>
    private InvalidDataException? Damage(Exception e) => e switch
    {
        // ZstdSharp reports input that ends inside a frame as EndOfStreamException; the source's own errors are other IOExceptions.
        EndOfStreamException => DamagedData.Exception("the zstd stream is truncated", $"it ends inside a frame, {_decompressed:N0} bytes into the decompressed data", e),
        ZstdSharp.ZstdException => DamagedData.Exception("the zstd data is corrupt", $"{e.Message.TrimEnd('.')}, {_decompressed:N0} bytes into the decompressed data", e),
        _ => null,
    };

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}
