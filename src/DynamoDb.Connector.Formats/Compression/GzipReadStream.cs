using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using DynamoDb.Connector.Formats.Streams;

namespace DynamoDb.Connector.Formats.Compression;

/// <summary>
/// Decompresses gzip (RFC 1952) member after member and checks what <see cref="GZipStream"/> does not: every member
/// ends with a trailer whose CRC-32 and size match what was decompressed. GZipStream returns a short stream without
/// an error for a truncated file; here that is a <see cref="InvalidDataException"/> from <see cref="DamagedData"/>
/// saying whether the data ends early or is corrupt, so items are never lost silently.
/// </summary>
internal sealed class GzipReadStream : ReadOnlyStream
{
    private const int InitialBufferBytes = 64 * 1024;
    private const int MaxBufferBytes = 4 * 1024 * 1024;
    private readonly Stream _source;
    private readonly bool _leaveOpen;
    private readonly MemberInput _memberInput;
    private readonly byte[] _trailer = new byte[8];
    private byte[] _in;
    private int _start;      // first buffered byte not yet handed to the inflater or parsed
    private int _end;        // end of the buffered input
    private int _chunkStart; // start of the last chunk handed to the inflater: a member's deflate data ends inside it
    private bool _sourceEnded;
    private DeflateStream? _inflater;
    private uint _crc;
    private long _size;
    private int _members;
    private bool _finished;
    private bool _inflaterStarved; // the inflater asked for input after the input had ended
    private bool _disposed;

    public GzipReadStream(Stream source, bool leaveOpen)
    {
        _source = source;
        _leaveOpen = leaveOpen;
        _in = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
        _memberInput = new MemberInput(this);
    }

    public override bool CanRead => !_disposed;

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadCoreAsync(buffer.AsMemory(offset, count), useAsync: false, CancellationToken.None).GetAwaiter().GetResult();
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadCoreAsync(buffer.AsMemory(offset, count), useAsync: true, cancellationToken).AsTask();
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ReadCoreAsync(buffer, useAsync: true, cancellationToken);

    private async ValueTask<int> ReadCoreAsync(Memory<byte> buffer, bool useAsync, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }
        while (!_finished)
        {
            if (_inflater is null && !await StartMemberAsync(useAsync, cancellationToken).ConfigureAwait(false))
            {
                _finished = true;
                break;
            }
            int read;
            try
            {
                read = useAsync
                    ? await _inflater!.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)
                    : _inflater!.Read(buffer.Span);
            }
            catch (InvalidDataException e) when (!DamagedData.Is(e))
            {
                // DeflateStream's words ("unsupported compression method", "block length does not match") are about zlib.
                throw DamagedData.Exception("the gzip data is corrupt", $"the deflate data of member {_members + 1} is invalid {_size:N0} bytes into it, so the lines just before may be damaged too", e);
            }
            if (read > 0)
            {
                _crc = Crc32.Append(_crc, buffer.Span[..read]);
                _size += read;
                return read;
            }
            await FinishMemberAsync(useAsync, cancellationToken).ConfigureAwait(false);
        }
        return 0;
    }

    /// <summary>Parses the next member's header; false at the clean end of the input.</summary>
    private async ValueTask<bool> StartMemberAsync(bool useAsync, CancellationToken cancellationToken)
    {
        if (!await EnsureAsync(1, useAsync, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }
        if (_members > 0 && (_in[_start] != 0x1F || !await EnsureAsync(2, useAsync, cancellationToken).ConfigureAwait(false) || _in[_start + 1] != 0x8B))
        {
            await SkipTrailingZerosAsync(useAsync, cancellationToken).ConfigureAwait(false);
            return false;
        }
        if (!await EnsureAsync(10, useAsync, cancellationToken).ConfigureAwait(false))
        {
            throw Truncated($"inside the header of member {_members + 1}");
        }
        if (_in[_start] != 0x1F || _in[_start + 1] != 0x8B)
        {
            throw DamagedData.Exception("the gzip data is corrupt", $"member {_members + 1} does not start with the bytes 1f 8b");
        }
        if (_in[_start + 2] != 8)
        {
            throw DamagedData.Exception("the gzip data is corrupt", $"member {_members + 1} names compression method {_in[_start + 2]}; only deflate (8) exists");
        }
        byte flags = _in[_start + 3];
        if ((flags & 0xE0) != 0)
        {
            throw DamagedData.Exception("the gzip data is corrupt", $"member {_members + 1} sets reserved header flags (0x{flags:X2})");
        }
        int length = 10;
        if ((flags & 0x04) != 0) // FEXTRA: a 2-byte length, then that many bytes
        {
            if (!await EnsureAsync(length + 2, useAsync, cancellationToken).ConfigureAwait(false))
            {
                throw Truncated($"inside the header of member {_members + 1}");
            }
            length += 2 + BinaryPrimitives.ReadUInt16LittleEndian(_in.AsSpan(_start + length));
            if (!await EnsureAsync(length, useAsync, cancellationToken).ConfigureAwait(false))
            {
                throw Truncated($"inside the header of member {_members + 1}");
            }
        }
        if ((flags & 0x08) != 0) // FNAME: zero-terminated
        {
            length = await SkipZeroTerminatedAsync(length, useAsync, cancellationToken).ConfigureAwait(false);
        }
        if ((flags & 0x10) != 0) // FCOMMENT: zero-terminated
        {
            length = await SkipZeroTerminatedAsync(length, useAsync, cancellationToken).ConfigureAwait(false);
        }
        if ((flags & 0x02) != 0) // FHCRC: 2 bytes
        {
            length += 2;
            if (!await EnsureAsync(length, useAsync, cancellationToken).ConfigureAwait(false))
            {
                throw Truncated($"inside the header of member {_members + 1}");
            }
        }
        _start += length;
        _chunkStart = _start;
        _crc = 0;
        _size = 0;
        _inflater = new DeflateStream(_memberInput, CompressionMode.Decompress, leaveOpen: true);
        return true;
    }

    private async ValueTask<int> SkipZeroTerminatedAsync(int offset, bool useAsync, CancellationToken cancellationToken)
    {
        while (true)
        {
            int zero = _in.AsSpan(_start + offset, _end - _start - offset).IndexOf((byte)0);
            if (zero >= 0)
            {
                return offset + zero + 1;
            }
            if (!await EnsureAsync(_end - _start + 1, useAsync, cancellationToken).ConfigureAwait(false))
            {
                throw Truncated($"inside the header of member {_members + 1}");
            }
        }
    }

    /// <summary>Some writers pad the end of a file with zeros; anything else after the last member is an error.</summary>
    private async ValueTask SkipTrailingZerosAsync(bool useAsync, CancellationToken cancellationToken)
    {
        do
        {
            if (_in.AsSpan(_start, _end - _start).ContainsAnyExcept((byte)0))
            {
                throw DamagedData.Exception("the gzip data is corrupt", $"unexpected bytes after member {_members}, not another gzip member");
            }
            _start = _end;
        }
        while (await EnsureAsync(1, useAsync, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// The member's deflate data ended inside the last chunk handed to the inflater; its 8-byte trailer (CRC-32 and
    /// size, little-endian) follows directly. Finding exactly those 8 bytes there proves the member is complete.
    /// </summary>
    private async ValueTask FinishMemberAsync(bool useAsync, CancellationToken cancellationToken)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_trailer, _crc);
        BinaryPrimitives.WriteUInt32LittleEndian(_trailer.AsSpan(4), (uint)_size);
        while (true)
        {
            int searchEnd = Math.Min(_end, _start + _trailer.Length);
            int found = _in.AsSpan(_chunkStart, searchEnd - _chunkStart).IndexOf(_trailer);
            if (found >= 0)
            {
                _start = _chunkStart + found + _trailer.Length;
                break;
            }
            bool trailerPresent = _end >= _start + _trailer.Length;
            if (trailerPresent || !await ReadMoreAsync(_chunkStart, useAsync, cancellationToken).ConfigureAwait(false))
            {
                throw TrailerMismatch(trailerPresent);
            }
        }
        await _inflater!.DisposeAsync().ConfigureAwait(false);
        _inflater = null;
        _members++;
    }

    /// <summary>Makes at least <paramref name="count"/> bytes available from <see cref="_start"/>; false if the input ends first.</summary>
    private async ValueTask<bool> EnsureAsync(int count, bool useAsync, CancellationToken cancellationToken)
    {
        while (_end - _start < count)
        {
            if (!await ReadMoreAsync(_start, useAsync, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Reads more input, keeping the bytes from <paramref name="keepFrom"/> on (indices shift to the buffer's start).</summary>
    private async ValueTask<bool> ReadMoreAsync(int keepFrom, bool useAsync, CancellationToken cancellationToken)
    {
        if (_sourceEnded)
        {
            return false;
        }
        if (keepFrom > 0)
        {
            _in.AsSpan(keepFrom, _end - keepFrom).CopyTo(_in);
            _start -= keepFrom;
            _chunkStart = Math.Max(0, _chunkStart - keepFrom);
            _end -= keepFrom;
        }
        if (_end == _in.Length)
        {
            if (_in.Length >= MaxBufferBytes)
            {
                throw DamagedData.Exception("the gzip data is corrupt", $"a member header is longer than {MaxBufferBytes:N0} bytes");
            }
            var larger = ArrayPool<byte>.Shared.Rent(_in.Length * 2);
            _in.AsSpan(0, _end).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_in);
            _in = larger;
        }
        int read = useAsync
            ? await _source.ReadAsync(_in.AsMemory(_end), cancellationToken).ConfigureAwait(false)
            : _source.Read(_in, _end, _in.Length - _end);
        if (read == 0)
        {
            _sourceEnded = true;
            return false;
        }
        _end += read;
        return true;
    }

    /// <summary>Gives the inflater the next chunk of compressed bytes (it asks only after using up the previous one).</summary>
    private async ValueTask<int> HandOutAsync(Memory<byte> destination, bool useAsync, CancellationToken cancellationToken)
    {
        if (_start == _end && !await ReadMoreAsync(_start, useAsync, cancellationToken).ConfigureAwait(false))
        {
            _inflaterStarved = true; // a deflate stream that is complete never asks past its end
            return 0;
        }
        int count = Math.Min(destination.Length, _end - _start);
        _in.AsSpan(_start, count).CopyTo(destination.Span);
        _chunkStart = _start;
        _start += count;
        return count;
    }

    /// <summary>
    /// Why the member's trailer was not found. Truncated: the inflater asked for input after the end, or the input ends
    /// with the start of the expected trailer. Corrupt: 8 bytes follow the deflate data and are not the trailer, or the
    /// input ends with this member's size (the trailer is there, with another CRC-32). Otherwise either.
    /// </summary>
    private InvalidDataException TrailerMismatch(bool trailerPresent)
    {
        string where = $"inside member {_members + 1}, {_size:N0} bytes into its decompressed data";
        var tail = _in.AsSpan(_chunkStart, _end - _chunkStart);
        bool endsInTrailer = false;
        for (int k = 1; k < _trailer.Length && !endsInTrailer; k++)
        {
            endsInTrailer = tail.EndsWith(_trailer.AsSpan(0, k));
        }
        if (_inflaterStarved || endsInTrailer)
        {
            return Truncated(where);
        }
        string corrupt = $"the CRC-32 and size at the end of member {_members + 1} do not match its {_size:N0} decompressed bytes, so the lines read from it may be damaged too";
        return trailerPresent || tail.EndsWith(_trailer.AsSpan(4))
            ? DamagedData.Exception("the gzip data is corrupt", corrupt)
            : DamagedData.Exception("the gzip data is truncated or corrupt", $"member {_members + 1} ends without the CRC-32 and size of its {_size:N0} decompressed bytes, so the lines read from it may be damaged too");
    }

    private static InvalidDataException Truncated(string where) => DamagedData.Exception("the gzip stream is truncated", $"it ends {where}");

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _inflater?.Dispose();
            ArrayPool<byte>.Shared.Return(_in);
            _in = [];
            if (!_leaveOpen)
            {
                _source.Dispose();
            }
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            _inflater?.Dispose();
            ArrayPool<byte>.Shared.Return(_in);
            _in = [];
            if (!_leaveOpen)
            {
                await _source.DisposeAsync().ConfigureAwait(false);
            }
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>The inflater's view of the compressed bytes: exactly the current member's deflate data and what follows.</summary>
    private sealed class MemberInput(GzipReadStream owner) : ReadOnlyStream
    {
        public override int Read(byte[] buffer, int offset, int count) =>
            owner.HandOutAsync(buffer.AsMemory(offset, count), useAsync: false, CancellationToken.None).GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            owner.HandOutAsync(buffer.AsMemory(offset, count), useAsync: true, cancellationToken).AsTask();

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            owner.HandOutAsync(buffer, useAsync: true, cancellationToken);
    }
}
