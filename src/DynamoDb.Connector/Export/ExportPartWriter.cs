using System.Security.Cryptography;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Json;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Streams;
using DynamoDb.Connector.Storage;
using Amazon.DynamoDBv2.Model;

namespace DynamoDb.Connector.Export;

/// <summary>A committed part file of an export: where it is and what it holds, as the manifests record it (and an export's checkpoint, as JSON).</summary>
/// <param name="Name">Its path relative to the export's data folder (a file name, or <c>data/x.json.gz</c> in the native layout's export folder).</param>
/// <param name="Url">Its absolute uri.</param>
/// <param name="ItemCount">Items (lines) in it.</param>
/// <param name="Bytes">Its size as stored (compressed).</param>
/// <param name="Sha256">SHA-256 of the stored bytes, 64 lower-case hex digits.</param>
/// <param name="Md5">MD5 of the stored bytes, base64 (as native export manifests record it).</param>
/// <param name="ETag">The store's entity tag when it reports one (S3), else null.</param>
public sealed record ExportPartFile(string Name, string Url, long ItemCount, long Bytes, string Sha256, string Md5, string? ETag);

/// <summary>
/// A write-only stream that hashes (SHA-256 and MD5) and counts every byte on its way to the stream under it, so a
/// part file's checksums come from the bytes actually stored, in the same pass. Does not dispose the stream under it.
/// </summary>
internal sealed class HashingWriteStream(Stream inner) : WriteOnlyStream
{
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);

    /// <summary>Bytes written so far.</summary>
    public long BytesWritten { get; private set; }

    public override long Position { get => BytesWritten; set => throw new NotSupportedException(); }

    /// <summary>SHA-256 and MD5 of everything written; call once, at the end.</summary>
    public (byte[] Sha256, byte[] Md5) Finish() => (_sha256.GetHashAndReset(), _md5.GetHashAndReset());

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Hash(buffer);
        inner.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Hash(buffer.Span);
        return inner.WriteAsync(buffer, cancellationToken);
    }

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sha256.Dispose();
            _md5.Dispose();
        }
        base.Dispose(disposing);
    }

    private void Hash(ReadOnlySpan<byte> bytes)
    {
        _sha256.AppendData(bytes);
        _md5.AppendData(bytes);
        BytesWritten += bytes.Length;
    }
}

/// <summary>
/// One part file being written, from <see cref="ExportOutput.CreatePartAsync"/>: items go through the line writer and
/// compressor to the object store, hashed on the way. Nothing is visible at its uri until
/// <see cref="ExportOutput.CommitAsync"/> commits it (the store's writer commits atomically: a local temporary file
/// renamed into place, an S3 upload completed); disposing it without a commit discards it. Not thread-safe: one writer
/// per flow; parts of one output may be written at the same time.
/// </summary>
public sealed class ExportPartWriter : IAsyncDisposable
{
    private readonly IObjectStore _store;
    private readonly IObjectWriter _object;
    private readonly HashingWriteStream _hashing;
    private readonly ItemFileFormat _format;
    private readonly CompressionKind _compression;
    private readonly Formats.Parquet.ParquetWriterOptions? _parquet;
    private IItemWriter? _items; // items given as objects, from the first one on
    private JsonLines? _lines; // items given as DynamoDB JSON, from the first one on

    private ExportPartWriter(IObjectStore store, string name, string url, IObjectWriter @object, HashingWriteStream hashing, ItemFileFormat format, CompressionKind compression, Formats.Parquet.ParquetWriterOptions? parquet)
    {
        _store = store;
        Name = name;
        Url = url;
        _object = @object;
        _hashing = hashing;
        _format = format;
        _compression = compression;
        _parquet = parquet;
    }

    /// <summary>The part's path relative to the data folder.</summary>
    public string Name { get; }

    /// <summary>The part's uri.</summary>
    public string Url { get; }

    /// <summary>Items written so far.</summary>
    public long ItemCount => _lines?.ItemsWritten ?? _items?.ItemsWritten ?? 0;

    /// <summary>Starts a part file at <paramref name="url"/>.</summary>
    internal static async Task<ExportPartWriter> CreateAsync(IObjectStore store, string name, string url, ItemFileFormat format, CompressionKind compression, Formats.Parquet.ParquetWriterOptions? parquet, CancellationToken cancellationToken)
    {
        var @object = await store.CreateAsync(url, cancellationToken).ConfigureAwait(false);
        try
        {
            var part = new ExportPartWriter(store, name, url, @object, new HashingWriteStream(@object.Stream), format, compression, parquet);
            // A ddb-json or data-pipeline part takes its items as objects or as DynamoDB JSON, known at the first; any other opens its writer now.
            if (JsonLines.Writes(format)) new ItemWriterOptions { Compression = compression, LeaveOpen = true }.Validate();
            else part._items = part.OpenItems();
            return part;
        }
        catch
        {
            await @object.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Writes one item as a line.</summary>
    public ValueTask WriteAsync(Dictionary<string, AttributeValue> item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (_lines is not null) throw new InvalidOperationException($"{Url}: this part is written as DynamoDB JSON (WriteDynamoDbJsonAsync); write all its items that way.");
        _items ??= OpenItems();
        return _items.WriteAsync(new ItemRecord(item, 0), cancellationToken);
    }

    /// <summary>
    /// Writes one item given as its DynamoDB JSON (UTF-8, a map of typed attributes on one line, as a Scan returns it
    /// and <see cref="Reading.TablePage.ItemsJson"/> holds it) as a line, without turning it into objects: in ddb-json
    /// <c>{"Item":...}</c>, in data-pipeline the same bytes with the EMR type keys (<c>s</c>, <c>bOOL</c>, ...). The
    /// part's format must be one of those two; a part takes its items one way (this, or <see cref="WriteAsync"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The bytes are not one JSON object on one line, or (data-pipeline) not a map of typed attributes.</exception>
    /// <exception cref="InvalidOperationException">The part is neither ddb-json nor data-pipeline, or was written with <see cref="WriteAsync"/>.</exception>
    public ValueTask WriteDynamoDbJsonAsync(ReadOnlyMemory<byte> item, CancellationToken cancellationToken = default)
    {
        if (!JsonLines.Writes(_format)) throw new InvalidOperationException($"{Url}: the part is {_format.ToName()}, not ddb-json nor data-pipeline: write its items as objects (WriteAsync).");
        if (_items is not null) throw new InvalidOperationException($"{Url}: this part is written as objects (WriteAsync); write all its items that way.");
        var span = item.Span;
        if (span.Length < 2 || span[0] != (byte)'{' || span[^1] != (byte)'}' || span.IndexOfAny((byte)'\n', (byte)'\r') >= 0)
        {
            throw new ArgumentException("An item's DynamoDB JSON must be one JSON object on one line.", nameof(item));
        }
        _lines ??= new JsonLines(StreamCompression.OpenWrite(_hashing, _compression, leaveOpen: true), _format);
        return _lines.WriteAsync(span, cancellationToken);
    }

    private IItemWriter OpenItems() => ItemFiles.OpenWriter(_hashing, _format, new ItemWriterOptions { Compression = _compression, LeaveOpen = true, Parquet = _parquet });

    /// <summary>Finishes the file (compression frame included), commits it and returns what the manifests record.</summary>
    /// <param name="withETag">Ask the store for the committed object's entity tag (the native layout records it).</param>
    /// <param name="cancellationToken">Cancels the commit.</param>
    internal async Task<ExportPartFile> CommitAsync(bool withETag, CancellationToken cancellationToken)
    {
        if (_lines is not null) await _lines.CompleteAsync(cancellationToken).ConfigureAwait(false);
        else await (_items ??= OpenItems()).CompleteAsync(cancellationToken).ConfigureAwait(false); // an empty part is a valid file of its format
        await _hashing.FlushAsync(cancellationToken).ConfigureAwait(false);
        var (sha256, md5) = _hashing.Finish();
        long stored = await _object.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (stored != _hashing.BytesWritten)
        {
            throw new IOException($"{Url}: the store committed {stored} bytes, but {_hashing.BytesWritten} were written.");
        }
        string? etag = withETag ? (await _store.GetInfoAsync(Url, cancellationToken).ConfigureAwait(false))?.ETag?.Trim('"') : null;
        return new ExportPartFile(Name, Url, ItemCount, stored, Convert.ToHexStringLower(sha256), Convert.ToBase64String(md5), etag);
    }

    /// <summary>Releases the file; without a commit first, discards it.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_items is not null) await _items.DisposeAsync().ConfigureAwait(false);
            if (_lines is not null) await _lines.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            await _hashing.DisposeAsync().ConfigureAwait(false);
            await _object.DisposeAsync().ConfigureAwait(false);
        }
    }
}
