using DynamoDb.Connector.Storage;

namespace DynamoDb.Connector.Import;

/// <summary>
/// A seekable read-only view of a stored object, by ranged reads (S3 GETs with a Range): what a Parquet reader needs
/// to read a footer first and then one row group's column chunks. The file's last <see cref="TailBytes"/> (magic,
/// footer length, footer) are fetched once and kept; any other read fetches what it asks for (a column chunk is read
/// whole, in one read), at least <see cref="MinFetchBytes"/>. Counts the bytes fetched.
/// </summary>
internal sealed class RandomAccessObjectStream(IObjectStore store, string uri, long length) : Stream
{
    /// <summary>How much of the file's end is fetched at once and kept: 64 KiB, which holds most footers.</summary>
    public const int TailBytes = 64 * 1024;

    /// <summary>The least bytes one fetch elsewhere asks for: 4 KiB.</summary>
    public const int MinFetchBytes = 4 * 1024;

    private (long Start, byte[] Bytes) _tail = (0, []);
    private (long Start, byte[] Bytes) _window = (0, []);
    private long _position;
    private long _bytesFetched;

    /// <summary>Bytes fetched from the store so far; read from any thread.</summary>
    public long BytesFetched => Interlocked.Read(ref _bytesFetched);

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => length + offset,
    };

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= length || buffer.IsEmpty) return 0;
        long tailStart = Math.Max(0, length - TailBytes);
        if (_position >= tailStart)
        {
            if (_tail.Bytes.Length == 0) _tail = (tailStart, await FetchAsync(tailStart, length - tailStart, cancellationToken).ConfigureAwait(false));
            return CopyFrom(_tail, buffer);
        }
        if (_position < _window.Start || _position >= _window.Start + _window.Bytes.Length)
        {
            long want = Math.Min(tailStart - _position, Math.Max(MinFetchBytes, buffer.Length));
            _window = (_position, await FetchAsync(_position, want, cancellationToken).ConfigureAwait(false));
        }
        return CopyFrom(_window, buffer);
    }

    private int CopyFrom((long Start, byte[] Bytes) window, Memory<byte> buffer)
    {
        int at = (int)(_position - window.Start);
        int count = Math.Max(0, Math.Min(buffer.Length, window.Bytes.Length - at));
        window.Bytes.AsMemory(at, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    private async Task<byte[]> FetchAsync(long offset, long count, CancellationToken cancellationToken)
    {
        var stream = await store.OpenReadAsync(uri, offset, count, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var bytes = new byte[count];
            int read = await stream.ReadAtLeastAsync(bytes, bytes.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref _bytesFetched, read);
            return read == bytes.Length ? bytes : bytes[..read];
        }
    }

    public override void Flush() { }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
