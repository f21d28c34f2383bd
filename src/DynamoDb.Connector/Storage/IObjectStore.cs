namespace DynamoDb.Connector.Storage;

/// <summary>An object (file) in a store: its uri, size and, where the store has them, time and entity tag.</summary>
/// <param name="Uri">The object's uri: <c>s3://bucket/key</c>, <c>file:///path</c> or a plain local path.</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="LastModified">When it was last written, if known.</param>
/// <param name="ETag">The store's entity tag (S3), if any.</param>
public sealed record ObjectInfo(string Uri, long Size, DateTimeOffset? LastModified = null, string? ETag = null);

/// <summary>
/// Files in S3 or on a local disk, behind one abstraction: list, read (streamed, ranged), write with an explicit
/// commit, rename and delete. Implementations exist for <c>s3://</c> (through <c>IAmazonS3</c> from DI) and for local
/// paths and <c>file://</c> uris.
/// </summary>
public interface IObjectStore
{
    /// <summary>Whether this store handles <paramref name="uri"/> (by its scheme).</summary>
    bool CanHandle(string uri);

    /// <summary>
    /// Lists the objects under the directory <paramref name="prefixUri"/> (a trailing separator is optional:
    /// <c>s3://b/data</c> lists <c>data/x.json</c>, not <c>database.json</c>), top level only unless
    /// <paramref name="recursive"/>; directories themselves are not listed. Ordered by uri, in code point order of the
    /// path below the prefix (the order S3 lists keys in). A prefix with nothing under it lists nothing.
    /// </summary>
    IAsyncEnumerable<ObjectInfo> ListAsync(string prefixUri, bool recursive, CancellationToken cancellationToken = default);

    /// <summary>The object at <paramref name="uri"/>, or null when there is none (a directory is not an object).</summary>
    Task<ObjectInfo?> GetInfoAsync(string uri, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens the object for reading from <paramref name="offset"/>, for <paramref name="length"/> bytes or to its end
    /// (a length past the end reads to the end). Streamed, never buffered whole.
    /// </summary>
    /// <exception cref="FileNotFoundException">There is no object at <paramref name="uri"/>; the message names it.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> is past the object's end (equal to its size reads nothing).</exception>
    Task<Stream> OpenReadAsync(string uri, long offset = 0, long? length = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts writing an object. Nothing is visible at <paramref name="uri"/> until <see cref="IObjectWriter.CommitAsync"/>;
    /// disposing without committing discards what was written. Commit replaces an existing object.
    /// </summary>
    Task<IObjectWriter> CreateAsync(string uri, CancellationToken cancellationToken = default);

    /// <summary>Moves an object (S3: copy then delete). Overwrites the target.</summary>
    /// <exception cref="FileNotFoundException">There is no object at <paramref name="fromUri"/>.</exception>
    Task RenameAsync(string fromUri, string toUri, CancellationToken cancellationToken = default);

    /// <summary>Deletes an object; deleting one that does not exist is not an error.</summary>
    Task DeleteAsync(string uri, CancellationToken cancellationToken = default);
}

/// <summary>An object being written: write to <see cref="Stream"/>, then commit; dispose without commit to abort.</summary>
public interface IObjectWriter : IAsyncDisposable
{
    /// <summary>
    /// The stream to write the object's bytes to: write-only and forward-only. Disposing it (a compressor may) only
    /// ends writing; it neither commits nor aborts.
    /// </summary>
    Stream Stream { get; }

    /// <summary>Makes the object visible at its uri, complete. Returns its final size in bytes.</summary>
    Task<long> CommitAsync(CancellationToken cancellationToken = default);
}
