using System.Buffers;
using System.Security.Cryptography;
using DynamoDb.Connector.Formats.Streams;

namespace DynamoDb.Connector.Formats.Manifests;

/// <summary>
/// A tee over a stored object's stream: every byte read from it is hashed (MD5 and/or SHA-256) and counted on the
/// way through, so one pass both decompresses and checksums a file. Buffered, so the first bytes can be peeked at to
/// detect compression. Does not dispose the stream under it.
/// </summary>
internal sealed class HashingReadStream : ReadOnlyStream
{
    private const int BufferSize = 64 * 1024;
    private readonly Stream _inner;
    private readonly IncrementalHash? _md5, _sha256;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    private int _pos, _len;
    private bool _eof;
    private byte[]? _md5Result, _sha256Result;

    public HashingReadStream(Stream inner, bool md5, bool sha256)
    {
        _inner = inner;
        _md5 = md5 ? IncrementalHash.CreateHash(HashAlgorithmName.MD5) : null;
        _sha256 = sha256 ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
    }

    /// <summary>Bytes read from the stream under this one so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>The MD5 of every byte, once the end was reached (null when not asked for or not at the end).</summary>
    public byte[]? Md5 => _eof ? _md5Result ??= _md5?.GetHashAndReset() : null;

    /// <summary>The SHA-256 of every byte, once the end was reached (null when not asked for or not at the end).</summary>
    public byte[]? Sha256 => _eof ? _sha256Result ??= _sha256?.GetHashAndReset() : null;

    /// <summary>The next bytes, up to <paramref name="count"/> (fewer only at the end), without consuming them.</summary>
    public async ValueTask<ReadOnlyMemory<byte>> PeekAsync(int count, CancellationToken cancellationToken)
    {
        if (_pos > 0)
        {
            _buffer.AsSpan(_pos, _len - _pos).CopyTo(_buffer);
            _len -= _pos;
            _pos = 0;
        }
        while (_len < count && await FillAsync(_len, cancellationToken).ConfigureAwait(false))
        {
        }
        return _buffer.AsMemory(0, Math.Min(count, _len));
    }

    /// <summary>Reads (and so hashes) whatever is left.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        _pos = _len = 0;
        while (await FillAsync(0, cancellationToken).ConfigureAwait(false))
        {
            _len = 0;
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_pos == _len)
        {
            _pos = _len = 0;
            if (!await FillAsync(0, cancellationToken).ConfigureAwait(false))
            {
                return 0;
            }
        }
        int count = Math.Min(buffer.Length, _len - _pos);
        _buffer.AsMemory(_pos, count).CopyTo(buffer);
        _pos += count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    protected override void Dispose(bool disposing)
    {
        if (disposing && _buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
            _md5?.Dispose();
            _sha256?.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>Reads more bytes into the buffer at <paramref name="at"/>, hashing them; false at the end.</summary>
    private async ValueTask<bool> FillAsync(int at, CancellationToken cancellationToken)
    {
        if (_eof)
        {
            return false;
        }
        int read = await _inner.ReadAsync(_buffer.AsMemory(at, BufferSize - at), cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            _eof = true;
            return false;
        }
        var fresh = _buffer.AsSpan(at, read);
        _md5?.AppendData(fresh);
        _sha256?.AppendData(fresh);
        BytesRead += read;
        _len = at + read;
        return true;
    }
}
