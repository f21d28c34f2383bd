using DynamoDb.Connector.Formats.Streams;

namespace DynamoDb.Connector.Formats.Compression;

/// <summary>
/// Detects the compression from the first bytes at the first read (so opening never blocks and works on streams
/// that cannot seek), replays those bytes, and decompresses the rest.
/// </summary>
/// <param name="source">The stored bytes.</param>
/// <param name="leaveOpen">Whether disposing leaves <paramref name="source"/> open.</param>
/// <param name="named">
/// The compression the file's name suggests. Bytes without that compression's magic are read as they are when they are
/// text (a <c>.gz</c> object decompressed in transit); when they are not text either, the first read throws the
/// <see cref="DamagedData"/> exception that says so, instead of every line of binary data being a bad line.
/// </param>
internal sealed class DecompressingReadStream(Stream source, bool leaveOpen, CompressionKind named = CompressionKind.None) : ReadOnlyStream
{
    /// <summary>How many bytes of an uncompressed file with a compressed name are looked at to tell text from binary data.</summary>
    internal const int SniffBytes = 512;

    private Stream? _inner;
    private bool _disposed;

    /// <summary>The compression found at the first read; null before it.</summary>
    public CompressionKind? Kind { get; private set; }

    public override bool CanRead => !_disposed;

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        var inner = _inner ?? OpenAsync(useAsync: false, CancellationToken.None).GetAwaiter().GetResult();
        return inner.Read(buffer, offset, count);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _inner is { } inner ? inner.ReadAsync(buffer, cancellationToken) : OpenThenReadAsync(buffer, cancellationToken);

    private async ValueTask<int> OpenThenReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var inner = await OpenAsync(useAsync: true, cancellationToken).ConfigureAwait(false);
        return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<Stream> OpenAsync(bool useAsync, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var head = new byte[named == CompressionKind.None ? StreamCompression.MagicBytes : SniffBytes];
        int length = 0;
        while (length < head.Length)
        {
            int read = useAsync
                ? await source.ReadAsync(head.AsMemory(length), cancellationToken).ConfigureAwait(false)
                : source.Read(head, length, head.Length - length);
            if (read == 0)
            {
                break;
            }
            length += read;
        }
        var kind = StreamCompression.Detect(head.AsSpan(0, length));
        if (kind == CompressionKind.None && named != CompressionKind.None && !LooksLikeText(head.AsSpan(0, length), ended: length < head.Length))
        {
            var start = head.Take(Math.Min(length, StreamCompression.MagicBytes)).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            throw DamagedData.Exception(
                $"the file's name says {named.ToName()} but its bytes are neither {named.ToName()} data nor text",
                $"it starts with the bytes {string.Join(' ', start)}");
        }
        var replay = new PrefixedReadStream(head, length, source, leaveOpen);
        _inner = kind switch
        {
            CompressionKind.Gzip => new GzipReadStream(replay, leaveOpen: false),
            CompressionKind.Zstd => new ZstdReadStream(replay, leaveOpen: false),
            _ => replay,
        };
        Kind = kind;
        return _inner;
    }

    /// <summary>UTF-8 without NUL bytes (which no JSON or CSV line holds); a character cut by the end of the sample is fine.</summary>
    private static bool LooksLikeText(ReadOnlySpan<byte> sample, bool ended)
    {
        if (sample.Contains((byte)0))
        {
            return false;
        }
        Span<char> chars = stackalloc char[SniffBytes];
        var status = System.Text.Unicode.Utf8.ToUtf16(sample, chars, out _, out _, replaceInvalidSequences: false, isFinalBlock: ended);
        return status is System.Buffers.OperationStatus.Done or System.Buffers.OperationStatus.NeedMoreData;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            if (_inner is not null) _inner.Dispose();
            else if (!leaveOpen) source.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            if (_inner is not null) await _inner.DisposeAsync().ConfigureAwait(false);
            else if (!leaveOpen) await source.DisposeAsync().ConfigureAwait(false);
        }
        GC.SuppressFinalize(this);
    }
}

/// <summary>A stream that first returns bytes already read from its source, then the rest of the source.</summary>
internal sealed class PrefixedReadStream(byte[] prefix, int prefixLength, Stream source, bool leaveOpen) : ReadOnlyStream
{
    private int _position;

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int Read(Span<byte> buffer)
    {
        if (_position < prefixLength)
        {
            return CopyPrefix(buffer);
        }
        return source.Read(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position < prefixLength)
        {
            return new ValueTask<int>(CopyPrefix(buffer.Span));
        }
        return source.ReadAsync(buffer, cancellationToken);
    }

    private int CopyPrefix(Span<byte> buffer)
    {
        int count = Math.Min(buffer.Length, prefixLength - _position);
        prefix.AsSpan(_position, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !leaveOpen)
        {
            source.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!leaveOpen)
        {
            await source.DisposeAsync().ConfigureAwait(false);
        }
        GC.SuppressFinalize(this);
    }
}
