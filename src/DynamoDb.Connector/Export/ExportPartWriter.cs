using System.Security.Cryptography;
using DynamoDb.Connector.Formats.Compression;
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
    private readonly IItemWriter _items;

    private ExportPartWriter(IObjectStore store, string name, string url, IObjectWriter @object, HashingWriteStream hashing, IItemWriter items)
    {
        _store = store;
        Name = name;
        Url = url;
        _object = @object;
        _hashing = hashing;
        _items = items;
    }

    /// <summary>The part's path relative to the data folder.</summary>
    public string Name { get; }

    /// <summary>The part's uri.</summary>
    public string Url { get; }

    /// <summary>Items written so far.</summary>
    public long ItemCount => _items.ItemsWritten;

    /// <summary>Starts a part file at <paramref name="url"/>.</summary>
    internal static async Task<ExportPartWriter> CreateAsync(IObjectStore store, string name, string url, ItemFileFormat format, CompressionKind compression, Formats.Parquet.ParquetWriterOptions? parquet, CancellationToken cancellationToken)
    {
        var @object = await store.CreateAsync(url, cancellationToken).ConfigureAwait(false);
        try
        {
            var hashing = new HashingWriteStream(@object.Stream);
            var items = ItemFiles.OpenWriter(hashing, format, new ItemWriterOptions { Compression = compression, LeaveOpen = true, Parquet = parquet });
            return new ExportPartWriter(store, name, url, @object, hashing, items);
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
        return _items.WriteAsync(new ItemRecord(item, 0), cancellationToken);
    }

    /// <summary>Finishes the file (compression frame included), commits it and returns what the manifests record.</summary>
    /// <param name="withETag">Ask the store for the committed object's entity tag (the native layout records it).</param>
    /// <param name="cancellationToken">Cancels the commit.</param>
    internal async Task<ExportPartFile> CommitAsync(bool withETag, CancellationToken cancellationToken)
    {
        await _items.CompleteAsync(cancellationToken).ConfigureAwait(false);
        await _hashing.FlushAsync(cancellationToken).ConfigureAwait(false);
        var (sha256, md5) = _hashing.Finish();
        long stored = await _object.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (stored != _hashing.BytesWritten)
        {
            throw new IOException($"{Url}: the store committed {stored} bytes, but {_hashing.BytesWritten} were written.");
        }
        string? etag = withETag ? (await _store.GetInfoAsync(Url, cancellationToken).ConfigureAwait(false))?.ETag?.Trim('"') : null;
        return new ExportPartFile(Name, Url, _items.ItemsWritten, stored, Convert.ToHexStringLower(sha256), Convert.ToBase64String(md5), etag);
    }

    /// <summary>Releases the file; without a commit first, discards it.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _items.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            await _hashing.DisposeAsync().ConfigureAwait(false);
            await _object.DisposeAsync().ConfigureAwait(false);
        }
    }
}
