using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Parquet;
using DynamoDb.Connector.Formats.Streams;
using DynamoDb.Connector.Storage;

namespace DynamoDb.Connector.Import;

/// <summary>
/// The items of one file or file range of a split, opened from its start or from a byte offset where a line starts:
/// the store's stream, the range, decompression, the line format; and, for an uncompressed JSON-lines file, the offset
/// where the line after the last one read starts, so a reader can resume there without reading what came before.
/// </summary>
internal sealed partial class SplitFileReader : IItemReader
{
    private readonly StoredBytesStream _stored;
    private readonly LineRangeStream? _range;
    private readonly long _base;
    private readonly bool _resumed;
    private readonly bool _lineFormat;
    private readonly string _uri;

    private SplitFileReader(IItemReader reader, StoredBytesStream stored, LineRangeStream? range, long @base, bool resumed, bool lineFormat, string uri)
    {
        Reader = reader;
        _stored = stored;
        _range = range;
        _base = @base;
        _resumed = resumed;
        _lineFormat = lineFormat;
        _uri = uri;
    }

    /// <summary>The item reader. Its line numbers count from where the file was opened.</summary>
    public IItemReader Reader { get; }

    /// <summary>Bytes read from the store so far (as stored, compressed or not).</summary>
    public long StoredBytesRead => _random?.BytesFetched ?? _stored.BytesRead;

    /// <summary>
    /// The offset in the file where the line after the last one <see cref="Reader"/> returned starts, when it can be
    /// told: the file is JSON lines (a CSV record may span lines, and its header is at the start) and not compressed.
    /// </summary>
    public long? NextLineOffset
    {
        get
        {
            if (!_lineFormat) return null;
            // Offsets are only ever recorded for plain files, so a file opened at one is plain.
            if (!_resumed && (StreamCompression.FromFileName(_uri) != CompressionKind.None || !_stored.HeadIsPlain)) return null;
            long start = _range is null ? _base : _range.FirstLineStart;
            return start < 0 ? null : start + Reader.BytesRead;
        }
    }

    /// <summary>
    /// Opens <paramref name="file"/> as <paramref name="format"/>, from its start or, with <paramref name="offset"/>,
    /// from that byte (the start of a line, as <see cref="NextLineOffset"/> gave it).
    /// <see cref="ItemReaderOptions.SourceName"/> is set to the file's display name (with its byte range when it is one).
    /// </summary>
    public static async Task<SplitFileReader> OpenAsync(ObjectStores stores, SplitFile file, ItemFileFormat format, ItemReaderOptions options, long? offset, CancellationToken cancellationToken)
    {
        if (format == ItemFileFormat.Parquet) return await OpenParquetAsync(stores, file, options, skipThrough: 0, ParquetNulls.Omit, cancellationToken).ConfigureAwait(false);
        var store = stores.For(file.Uri);
        long start = file.Start;
        if (offset is { } at)
        {
            // A line ended by \r\n whose \r came last: the \n at the offset still belongs to it.
            start = at + (await LineFeedAtAsync(store, file, at, cancellationToken).ConfigureAwait(false) ? 1 : 0);
        }
        bool atLineStart = offset.HasValue;
        Stream stream;
        LineRangeStream? range = null;
        if (file.IsWholeFile && !offset.HasValue)
        {
            stream = await store.OpenReadAsync(file.Uri, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // Read to the end of the file if need be: the range's last line may run past its end.
            var inner = await store.OpenReadAsync(file.Uri, LineRangeStream.InnerOffset(start, atLineStart), cancellationToken: cancellationToken).ConfigureAwait(false);
            stream = range = new LineRangeStream(inner, start, Math.Max(start, file.End), atLineStart);
        }
        var stored = new StoredBytesStream(stream);
        var readerOptions = new ItemReaderOptions
        {
            SourceName = file.DisplayName,
            BadRecords = options.BadRecords,
            OnBadRecord = options.OnBadRecord,
            MaxLineBytes = options.MaxLineBytes,
            Csv = options.Csv,
            RequestTable = options.RequestTable,
            NativeExport = options.NativeExport,
        };
        try
        {
            var reader = ItemFiles.OpenReader(stored, format, readerOptions);
            return new SplitFileReader(reader, stored, range, start, offset.HasValue, format != ItemFileFormat.Csv, file.Uri);
        }
        catch
        {
            await stored.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Whether the byte at <paramref name="offset"/> is a \n right after a \r.</summary>
    private static async Task<bool> LineFeedAtAsync(IObjectStore store, SplitFile file, long offset, CancellationToken cancellationToken)
    {
        if (offset <= 0 || offset >= file.Size) return false;
        var stream = await store.OpenReadAsync(file.Uri, offset - 1, 2, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var two = new byte[2];
            int read = await stream.ReadAtLeastAsync(two, 2, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            return read == 2 && two[0] == (byte)'\r' && two[1] == (byte)'\n';
        }
    }

    public ValueTask<ItemRecord?> ReadAsync(CancellationToken cancellationToken = default) => Reader.ReadAsync(cancellationToken);

    public long LinesRead => Reader.LinesRead;

    public long BytesRead => Reader.BytesRead;

    public long BadRecords => Reader.BadRecords;

    public ValueTask DisposeAsync() => Reader.DisposeAsync();
}

/// <summary>Passes reads through, counting the bytes and keeping the first few (to tell a compressed file by its magic bytes).</summary>
internal sealed class StoredBytesStream(Stream inner) : ReadOnlyStream
{
    private readonly byte[] _head = new byte[4];
    private int _headLength;
    private bool _ended;
    private long _bytesRead;

    /// <summary>Bytes read so far; read from any thread.</summary>
    public long BytesRead => Interlocked.Read(ref _bytesRead);

    /// <summary>Whether the first bytes read are not a compression format's magic bytes (false until they are known).</summary>
    public bool HeadIsPlain => (_headLength == _head.Length || _ended) && StreamCompression.Detect(_head.AsSpan(0, _headLength)) == CompressionKind.None;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Count(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        int read = inner.Read(buffer, offset, count);
        Count(buffer.AsSpan(offset, read));
        return read;
    }

    private void Count(ReadOnlySpan<byte> read)
    {
        if (read.Length == 0) _ended = true;
        if (_headLength < _head.Length)
        {
            int take = Math.Min(read.Length, _head.Length - _headLength);
            read[..take].CopyTo(_head.AsSpan(_headLength));
            _headLength += take;
        }
        Interlocked.Add(ref _bytesRead, read.Length);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return inner.DisposeAsync();
    }
}
