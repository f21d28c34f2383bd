using DynamoDb.Connector.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DynamoDb.Connector.Storage;

/// <summary>
/// How the S3 object store talks to S3. The <c>IAmazonS3</c> client itself comes from dependency injection.
/// </summary>
/// <remarks>
/// Against a local S3-compatible server (s3rver, MinIO) configure that client with <c>ForcePathStyle = true</c> and,
/// with AWS SDK v4, <c>RequestChecksumCalculation</c> and <c>ResponseChecksumValidation</c> set to
/// <c>WHEN_REQUIRED</c>; the store already sends uploads with <c>UseChunkEncoding = false</c>. s3rver 3.7 has three
/// more gaps: its list continuation tokens need Node started with <c>--openssl-legacy-provider</c> (else every
/// second page answers 500); it cannot parse the SDK's <c>x-amz-copy-source</c> header (<c>bucket%2Fkey</c>), so
/// renames fail with NoSuchBucket unless a request handler rewrites it to <c>/bucket/key</c> before signing; and
/// it does not implement AbortMultipartUpload, so aborted uploads leave their parts on its disk (nothing visible).
/// </remarks>
public sealed class S3ObjectStoreOptions
{
    /// <summary>S3's smallest part of a multipart upload (all but the last part): 5 MiB.</summary>
    public const int MinPartSize = 5 * 1024 * 1024;

    /// <summary>The largest part this store buffers: 1 GiB (S3 allows up to 5 GiB).</summary>
    public const int MaxPartSize = 1024 * 1024 * 1024;

    /// <summary>The largest object CopyObject copies in one request: 5 GiB.</summary>
    public const long MaxSingleCopySize = 5L * 1024 * 1024 * 1024;

    /// <summary>
    /// Bytes buffered per part when writing. An object that fits in one part is sent with one PutObject; a bigger one
    /// with a multipart upload of parts this size, so a writer holds at most one part in memory whatever the object's
    /// size. S3 allows 10,000 parts, so the largest object written is 10,000 times this (78 GiB at the default).
    /// Default 8 MiB. Valid: 5 MiB (<see cref="MinPartSize"/>) to 1 GiB (<see cref="MaxPartSize"/>).
    /// </summary>
    [Between(MinPartSize, MaxPartSize, Message = "PartSize must be between 5242880 (5 MiB) and 1073741824 (1 GiB) bytes; it is {0}.")]
    public int PartSize { get; set; } = 8 * 1024 * 1024;

    /// <summary>Keys asked for per ListObjectsV2 request. Default 1000 (S3's maximum). Valid: 1 to 1000.</summary>
    [Between(1, 1000, Message = "ListPageSize must be between 1 and 1000; it is {0}.")]
    public int ListPageSize { get; set; } = 1000;

    /// <summary>
    /// Objects larger than this are renamed with a multipart copy (UploadPartCopy) in parts of this size, smaller ones
    /// with one CopyObject. Default 5 GiB (the CopyObject limit). Valid: 5 MiB to 5 GiB.
    /// </summary>
    [Between(MinPartSize, MaxSingleCopySize, Message = "MultipartCopyThreshold must be between 5242880 (5 MiB) and 5368709120 (5 GiB) bytes; it is {0}.")]
    public long MultipartCopyThreshold { get; set; } = MaxSingleCopySize;

    /// <summary>Parts copied at once in a multipart copy. Default 4. Valid: 1 to 64.</summary>
    [Between(1, 64, Message = "MultipartCopyConcurrency must be between 1 and 64; it is {0}.")]
    public int MultipartCopyConcurrency { get; set; } = 4;
}

/// <summary>
/// Validates <see cref="S3ObjectStoreOptions"/>: every rule is an annotation (checked at start by
/// <c>ValidateDataAnnotations</c>), so this runs them for options given to the store directly.
/// </summary>
internal sealed class S3ObjectStoreOptionsValidator : IValidateOptions<S3ObjectStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, S3ObjectStoreOptions options) => OptionsValidation.Result(OptionsValidation.Annotations(options));
}
