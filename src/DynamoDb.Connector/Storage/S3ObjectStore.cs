using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using DynamoDb.Connector.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DynamoDb.Connector.Storage;

/// <summary>
/// S3 as an object store, through the <see cref="IAmazonS3"/> client from dependency injection, for <c>s3://</c>
/// uris (<c>s3n://</c> and <c>s3a://</c> read as <c>s3://</c>; the uris it returns use <c>s3://</c>).
/// </summary>
/// <remarks>
/// <para>A prefix uri names a directory: <c>s3://b/data</c> lists the keys under <c>data/</c>, not <c>database.json</c>.
/// Keys ending with <c>/</c> (console "folders") are not objects and are never listed.</para>
/// <para>Reads stream the response body. Writes buffer one part (<see cref="S3ObjectStoreOptions.PartSize"/>) at a
/// time: an object that fits in one part is sent with PutObject at commit, a bigger one with a multipart upload whose
/// parts go out as they fill; dispose without commit aborts the upload. If that abort fails, the parts stay until a
/// bucket lifecycle rule (AbortIncompleteMultipartUpload) removes them. Renames copy then delete; objects larger than
/// <see cref="S3ObjectStoreOptions.MultipartCopyThreshold"/> are copied with UploadPartCopy. Copies are pinned to the
/// source's ETag, so a source that changes mid-rename fails the rename instead of producing a mixed object.</para>
/// <para>Uploads set <c>UseChunkEncoding = false</c>: real S3 accepts either, while local S3-compatible servers (s3rver)
/// store aws-chunked bodies verbatim.</para>
/// </remarks>
internal sealed class S3ObjectStore : IObjectStore
{
    /// <summary>S3's limit on the parts of one multipart upload.</summary>
    internal const int MaxParts = 10_000;

    private readonly Lazy<IAmazonS3> _client;
    private readonly S3ObjectStoreOptions _options;

    /// <summary>Creates the store over <paramref name="s3"/>.</summary>
    /// <exception cref="OptionsValidationException">The options are out of range.</exception>
    public S3ObjectStore(IAmazonS3 s3, IOptions<S3ObjectStoreOptions> options)
        : this(() => s3, options)
    {
        ArgumentNullException.ThrowIfNull(s3);
    }

    /// <summary>
    /// Creates the store with a client resolved on first use, so a host that never touches <c>s3://</c> needs no
    /// <see cref="IAmazonS3"/>; <paramref name="client"/> should throw a clear error when there is none.
    /// </summary>
    internal S3ObjectStore(Func<IAmazonS3> client, IOptions<S3ObjectStoreOptions> options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        _client = new Lazy<IAmazonS3>(client);
        _options = options.Value;
        OptionsValidation.ThrowIfInvalid(new S3ObjectStoreOptionsValidator(), _options);
    }

    private IAmazonS3 S3 => _client.Value;

    /// <inheritdoc />
    public bool CanHandle(string uri) => !string.IsNullOrEmpty(uri) && ObjectUri.KindOf(uri) == ObjectUriKind.S3;

    /// <inheritdoc />
    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefixUri, bool recursive, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string directoryUri = ObjectUri.AsDirectory(prefixUri);
        var (bucket, prefix) = ObjectUri.ParseS3(directoryUri);
        var request = new ListObjectsV2Request
        {
            BucketName = bucket,
            Prefix = prefix,
            // With a delimiter S3 folds deeper keys into CommonPrefixes, which are directories and not listed.
            Delimiter = recursive ? null : "/",
            MaxKeys = _options.ListPageSize,
        };
        while (true)
        {
            ListObjectsV2Response page;
            try
            {
                page = await S3.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonServiceException ex)
            {
                throw S3Errors.Translate(ex, "listing", directoryUri);
            }
            foreach (var entry in page.S3Objects ?? [])
            {
                if (entry.Key.EndsWith('/')) continue;
                yield return new ObjectInfo(ObjectUri.FormatS3(bucket, entry.Key), entry.Size ?? 0, AsUtc(entry.LastModified), entry.ETag);
            }
            if (page.IsTruncated != true || string.IsNullOrEmpty(page.NextContinuationToken)) yield break;
            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    /// <inheritdoc />
    public async Task<ObjectInfo?> GetInfoAsync(string uri, CancellationToken cancellationToken = default)
    {
        string normalized = ObjectUri.Normalize(uri);
        if (ObjectUri.IsDirectoryLike(normalized)) return null;
        var head = await HeadAsync(normalized, cancellationToken).ConfigureAwait(false);
        return head is null ? null : new ObjectInfo(normalized, head.ContentLength, AsUtc(head.LastModified), head.ETag);
    }

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(string uri, long offset = 0, long? length = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (length is < 0) throw new ArgumentOutOfRangeException(nameof(length), length, "The length to read must not be negative.");
        string normalized = ObjectUri.Normalize(uri);
        if (ObjectUri.IsDirectoryLike(normalized)) throw new FileNotFoundException($"No object at {normalized}: it names a directory.", normalized);
        var (bucket, key) = ObjectUri.ParseS3(normalized);

        // S3 cannot answer an empty range (a Range header asks for at least one byte), nor one starting at the end.
        if (length == 0) return await EmptyReadAsync(normalized, offset, cancellationToken).ConfigureAwait(false);
        var request = new GetObjectRequest { BucketName = bucket, Key = key };
        if (offset > 0 || length is not null)
        {
            request.ByteRange = length is { } limit ? new ByteRange(offset, offset + limit - 1) : new ByteRange($"bytes={offset}-");
        }
        try
        {
            var response = await S3.GetObjectAsync(request, cancellationToken).ConfigureAwait(false);
            // The body is the live HTTP stream: reading it streams, disposing it releases the connection. The window
            // also holds servers that ignore part of a range (s3rver answers bytes=0-0 with the whole object) to it.
            return new ReadWindowStream(response.ResponseStream, length ?? long.MaxValue, response);
        }
        catch (AmazonServiceException ex) when (ex.ErrorCode == "InvalidRange")
        {
            return await EmptyReadAsync(normalized, offset, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonServiceException ex)
        {
            throw S3Errors.Translate(ex, "reading", normalized, missingBucketIsMissingObject: true);
        }
    }

    /// <inheritdoc />
    public Task<IObjectWriter> CreateAsync(string uri, CancellationToken cancellationToken = default) => SyncTasks.Run<IObjectWriter>(() =>
    {
        string normalized = ObjectUri.Normalize(uri);
        if (ObjectUri.IsDirectoryLike(normalized)) throw new ArgumentException($"'{uri}' names a directory, not an object.", nameof(uri));
        var (bucket, key) = ObjectUri.ParseS3(normalized);
        // Nothing is sent yet: a small object goes out whole at commit.
        return new S3ObjectWriter(S3, bucket, key, normalized, _options.PartSize);
    }, cancellationToken);

    /// <inheritdoc />
    /// <remarks>Copy then delete: not atomic, so for a moment both objects exist (or, if the delete fails, stay).</remarks>
    public async Task RenameAsync(string fromUri, string toUri, CancellationToken cancellationToken = default)
    {
        string from = ObjectUri.Normalize(fromUri);
        string to = ObjectUri.Normalize(toUri);
        if (ObjectUri.IsDirectoryLike(to)) throw new ArgumentException($"'{toUri}' names a directory, not an object.", nameof(toUri));
        var source = (ObjectUri.IsDirectoryLike(from) ? null : await HeadAsync(from, cancellationToken).ConfigureAwait(false))
            ?? throw new FileNotFoundException($"No object at {from} to rename to {to}.", from);
        if (from == to) return;

        var (sourceBucket, sourceKey) = ObjectUri.ParseS3(from);
        var (targetBucket, targetKey) = ObjectUri.ParseS3(to);
        try
        {
            if (source.ContentLength <= _options.MultipartCopyThreshold)
            {
                await S3.CopyObjectAsync(new CopyObjectRequest
                {
                    SourceBucket = sourceBucket,
                    SourceKey = sourceKey,
                    DestinationBucket = targetBucket,
                    DestinationKey = targetKey,
                    ETagToMatch = source.ETag,
                }, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await MultipartCopyAsync(source, sourceBucket, sourceKey, targetBucket, targetKey, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (AmazonServiceException ex) when (ex.ErrorCode == "NoSuchKey")
        {
            throw new FileNotFoundException($"{from} disappeared while it was being renamed to {to}.", from, ex);
        }
        catch (AmazonServiceException ex) when (ex.ErrorCode == "PreconditionFailed")
        {
            throw new IOException($"{from} changed while it was being renamed to {to}; nothing was deleted.", ex);
        }
        catch (AmazonServiceException ex)
        {
            throw S3Errors.Translate(ex, $"copying {from} to", to);
        }
        await DeleteAsync(from, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task DeleteAsync(string uri, CancellationToken cancellationToken = default)
    {
        string normalized = ObjectUri.Normalize(uri);
        if (ObjectUri.IsDirectoryLike(normalized)) throw new ArgumentException($"'{uri}' names a directory, not an object.", nameof(uri));
        var (bucket, key) = ObjectUri.ParseS3(normalized);
        try
        {
            // S3 answers 204 for a key that does not exist: nothing to special-case.
            await S3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = key }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonServiceException ex)
        {
            throw S3Errors.Translate(ex, "deleting", normalized);
        }
    }

    private async Task<GetObjectMetadataResponse?> HeadAsync(string uri, CancellationToken cancellationToken)
    {
        var (bucket, key) = ObjectUri.ParseS3(uri);
        try
        {
            return await S3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = key }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonServiceException ex) when (S3Errors.IsNotFound(ex) || ex.ErrorCode == "NoSuchBucket")
        {
            // HEAD has no body, so a missing bucket looks like a missing key: either way there is no object.
            return null;
        }
        catch (AmazonServiceException ex)
        {
            throw S3Errors.Translate(ex, "reading the metadata of", uri);
        }
    }

    private async Task<Stream> EmptyReadAsync(string uri, long offset, CancellationToken cancellationToken)
    {
        var head = await HeadAsync(uri, cancellationToken).ConfigureAwait(false) ?? throw new FileNotFoundException($"No object at {uri}.", uri);
        if (offset > head.ContentLength)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"{uri} has {head.ContentLength} bytes; offset {offset} is past its end.");
        }
        return new MemoryStream([], writable: false);
    }

    /// <summary>Copies an object too big for CopyObject with UploadPartCopy, a few parts at a time; aborts on failure.</summary>
    private async Task MultipartCopyAsync(GetObjectMetadataResponse source, string sourceBucket, string sourceKey, string targetBucket, string targetKey, CancellationToken cancellationToken)
    {
        long size = source.ContentLength;
        long partSize = Math.Max(_options.MultipartCopyThreshold, (size + MaxParts - 1) / MaxParts);
        int partCount = (int)((size + partSize - 1) / partSize);

        var initiate = new InitiateMultipartUploadRequest { BucketName = targetBucket, Key = targetKey, ContentType = source.Headers.ContentType };
        foreach (string name in source.Metadata.Keys) initiate.Metadata.Add(name, source.Metadata[name]);
        string uploadId = (await S3.InitiateMultipartUploadAsync(initiate, cancellationToken).ConfigureAwait(false)).UploadId;
        try
        {
            var parts = new PartETag[partCount];
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.MultipartCopyConcurrency, CancellationToken = cancellationToken };
            await Parallel.ForEachAsync(Enumerable.Range(1, partCount), parallel, async (number, token) =>
            {
                long first = (number - 1) * partSize;
                var copied = await S3.CopyPartAsync(new CopyPartRequest
                {
                    SourceBucket = sourceBucket,
                    SourceKey = sourceKey,
                    DestinationBucket = targetBucket,
                    DestinationKey = targetKey,
                    UploadId = uploadId,
                    PartNumber = number,
                    FirstByte = first,
                    LastByte = Math.Min(first + partSize, size) - 1,
                    ETagToMatch = [source.ETag],
                }, token).ConfigureAwait(false);
                parts[number - 1] = new PartETag(number, copied.ETag);
            }).ConfigureAwait(false);
            await S3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = targetBucket,
                Key = targetKey,
                UploadId = uploadId,
                PartETags = [.. parts],
            }, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await S3ObjectWriter.AbortQuietlyAsync(S3, targetBucket, targetKey, uploadId).ConfigureAwait(false);
            throw;
        }
    }

    private static DateTimeOffset? AsUtc(DateTime? time) => time switch
    {
        null => null,
        { Kind: DateTimeKind.Unspecified } t => new DateTimeOffset(t, TimeSpan.Zero),
        { } t => new DateTimeOffset(t.ToUniversalTime(), TimeSpan.Zero),
    };
}
