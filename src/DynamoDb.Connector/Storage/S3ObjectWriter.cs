using System.Buffers;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace DynamoDb.Connector.Storage;

/// <summary>
/// Writes one S3 object, holding at most one part in memory: bytes collect in a part buffer; when it is full and more
/// bytes come, it goes out as the next part of a multipart upload (started then). Commit sends a single-part object
/// with PutObject, or the last part and CompleteMultipartUpload. Dispose without commit aborts the upload.
/// </summary>
internal sealed class S3ObjectWriter : IObjectWriter, IObjectWriteSink
{
    // The part buffer grows from here up to the part size, so a small object never holds a whole part.
    private const int InitialBufferSize = 64 * 1024;

    private readonly IAmazonS3 _s3;
    private readonly string _bucket;
    private readonly string _key;
    private readonly int _partSize;
    private readonly ObjectWriteStream _stream;
    private readonly List<PartETag> _parts = [];
    private byte[]? _buffer;
    private int _count;
    private long _size;
    private string? _uploadId;
    private State _state;

    public S3ObjectWriter(IAmazonS3 s3, string bucket, string key, string uri, int partSize)
    {
        _s3 = s3;
        _bucket = bucket;
        _key = key;
        _partSize = partSize;
        Uri = uri;
        _stream = new ObjectWriteStream(this);
    }

    private enum State
    {
        Open,
        Failed,
        Committed,
        Disposed,
    }

    public string Uri { get; }

    public Stream Stream => _stream;

    /// <summary>Parts uploaded so far (the multipart upload's, none for an object sent with PutObject).</summary>
    internal int PartsUploaded => _parts.Count;

    /// <summary>Blocks while a full part uploads; prefer <see cref="WriteAsync"/>.</summary>
    public void Write(ReadOnlySpan<byte> buffer)
    {
        while (true)
        {
            buffer = buffer[Append(buffer)..];
            if (buffer.IsEmpty) return;
            UploadFullPartAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            buffer = buffer[Append(buffer.Span)..];
            if (buffer.IsEmpty) return;
            await UploadFullPartAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<long> CommitAsync(CancellationToken cancellationToken = default)
    {
        EnsureOpen();
        await GuardAsync(async () =>
        {
            if (_uploadId is null)
            {
                using var body = new MemoryStream(_buffer ?? [], 0, _count, writable: false);
                await _s3.PutObjectAsync(new PutObjectRequest
                {
                    BucketName = _bucket,
                    Key = _key,
                    InputStream = body,
                    UseChunkEncoding = false,
                }, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                if (_count > 0) await UploadPartAsync(cancellationToken).ConfigureAwait(false);
                await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
                {
                    BucketName = _bucket,
                    Key = _key,
                    UploadId = _uploadId,
                    PartETags = [.. _parts],
                }, cancellationToken).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
        _state = State.Committed;
        _stream.Dispose();
        ReturnBuffer();
        return _size;
    }

    public async ValueTask DisposeAsync()
    {
        if (_state == State.Disposed) return;
        bool committed = _state == State.Committed;
        _state = State.Disposed;
        _stream.Dispose();
        ReturnBuffer();
        if (!committed && _uploadId is not null)
        {
            await AbortQuietlyAsync(_s3, _bucket, _key, _uploadId).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Aborts a multipart upload, ignoring failure: this runs on dispose and error paths, where throwing would hide the
    /// original error; a bucket lifecycle rule (AbortIncompleteMultipartUpload) removes what a failed abort leaves.
    /// </summary>
    internal static async Task AbortQuietlyAsync(IAmazonS3 s3, string bucket, string key, string uploadId)
    {
        try
        {
            await s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = uploadId }, CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AmazonServiceException or AmazonClientException or IOException or HttpRequestException)
        {
            // See the summary: the abort is best effort.
        }
    }

    /// <summary>Copies what fits of <paramref name="data"/> into the part buffer; returns how many bytes it took.</summary>
    private int Append(ReadOnlySpan<byte> data)
    {
        EnsureOpen();
        int take = Math.Min(data.Length, _partSize - _count);
        if (take == 0) return 0;
        EnsureCapacity(_count + take);
        data[..take].CopyTo(_buffer.AsSpan(_count));
        _count += take;
        _size += take;
        return take;
    }

    private void EnsureCapacity(int needed)
    {
        if (_buffer is not null && _buffer.Length >= needed) return;
        int size = Math.Max(needed, Math.Min(_partSize, Math.Max(InitialBufferSize, (_buffer?.Length ?? 0) * 2)));
        byte[] grown = ArrayPool<byte>.Shared.Rent(size);
        if (_buffer is not null)
        {
            _buffer.AsSpan(0, _count).CopyTo(grown);
            ArrayPool<byte>.Shared.Return(_buffer);
        }
        _buffer = grown;
    }

    /// <summary>Sends the full part buffer as the next part, starting the multipart upload with the first.</summary>
    private Task UploadFullPartAsync(CancellationToken cancellationToken) => GuardAsync(async () =>
    {
        if (_parts.Count == S3ObjectStore.MaxParts - 1)
        {
            throw new IOException($"{Uri} is larger than S3's {S3ObjectStore.MaxParts} parts of {_partSize} bytes: raise S3ObjectStoreOptions.PartSize.");
        }
        if (_uploadId is null)
        {
            var started = await _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = _bucket, Key = _key }, cancellationToken)
                .ConfigureAwait(false);
            _uploadId = started.UploadId;
        }
        await UploadPartAsync(cancellationToken).ConfigureAwait(false);
    });

    private async Task UploadPartAsync(CancellationToken cancellationToken)
    {
        int number = _parts.Count + 1;
        using var body = new MemoryStream(_buffer!, 0, _count, writable: false);
        var uploaded = await _s3.UploadPartAsync(new UploadPartRequest
        {
            BucketName = _bucket,
            Key = _key,
            UploadId = _uploadId,
            PartNumber = number,
            PartSize = _count,
            InputStream = body,
            UseChunkEncoding = false,
        }, cancellationToken).ConfigureAwait(false);
        _parts.Add(new PartETag(number, uploaded.ETag));
        _count = 0;
    }

    /// <summary>Runs an upload step; any failure leaves the writer failed (only dispose is left), S3 errors name the uri.</summary>
    private async Task GuardAsync(Func<Task> step)
    {
        try
        {
            await step().ConfigureAwait(false);
        }
        catch (AmazonServiceException ex)
        {
            _state = State.Failed;
            throw S3Errors.Translate(ex, "writing", Uri);
        }
        catch
        {
            _state = State.Failed;
            throw;
        }
    }

    private void EnsureOpen()
    {
        ObjectDisposedException.ThrowIf(_state == State.Disposed, this);
        if (_state == State.Committed) throw new InvalidOperationException($"{Uri} is already committed.");
        if (_state == State.Failed) throw new InvalidOperationException($"Writing {Uri} failed earlier; dispose this writer and write the object again.");
    }

    private void ReturnBuffer()
    {
        if (_buffer is null) return;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = null;
    }
}
