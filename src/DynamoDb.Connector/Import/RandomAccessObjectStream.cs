using DynamoDb.Connector.Storage;

namespace DynamoDb.Connector.Import;

/// <summary>
/// A seekable read-only view of a stored object, by ranged reads (S3 GETs with a Range): what a Parquet reader needs
/// to read a footer first and then one row group's column chunks. Each read past the buffered window fetches the next
/// window (at least <see cref="WindowBytes"/>), so small reads do not each cost a request. Counts the bytes fetched.
/// </summary>
internal sealed class RandomAccessObjectStream(IObjectStore store, string uri, long length) : Stream
{
    /// <summary>The least bytes one fetch asks for: 1 MiB.</summary>
    public const int WindowBytes = 1024 * 1024;

    private byte[] _window = [];
    private long _windowStart;
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
        if (_position < _windowStart || _position >= _windowStart + _window.Length)
        {
            long want = Math.Min(length - _position, Math.Max(WindowBytes, buffer.Length));
            var stream = await store.OpenReadAsync(uri, _position, want, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var window = new byte[want];
                int read = await stream.ReadAtLeastAsync(window, window.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                Interlocked.Add(ref _bytesFetched, read);
                _window = read == window.Length ? window : window[..read];
                _windowStart = _position;
            }
            if (_window.Length == 0) return 0;
        }
        int at = (int)(_position - _windowStart);
        int count = Math.Min(buffer.Length, _window.Length - at);
        _window.AsMemory(at, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    public override void Flush() { }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
