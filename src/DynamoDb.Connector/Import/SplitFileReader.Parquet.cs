using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Parquet;
using DynamoDb.Connector.Storage;

namespace DynamoDb.Connector.Import;

/// <summary>
/// Parquet parts of a split: the file read by ranged reads (the footer first, then a row group at a time), the row
/// groups that start inside the part's byte range, and rows numbered from the file's first, so a position (a row)
/// resumes at its row group without reading those before it.
/// </summary>
internal sealed partial class SplitFileReader
{
    private readonly RandomAccessObjectStream? _random;

    private SplitFileReader(IItemReader reader, RandomAccessObjectStream random, string uri)
    {
        Reader = reader;
        _random = random;
        _stored = null!; // never read: StoredBytesRead counts _random, and Parquet has no line offsets
        _uri = uri;
    }

    /// <summary>
    /// <see cref="OpenAsync(ObjectStores, SplitFile, ItemFileFormat, ItemReaderOptions, long?, CancellationToken)"/>,
    /// skipping the rows numbered <paramref name="skipThrough"/> or lower; for Parquet without reading the row groups
    /// that hold only those, its nulls as <paramref name="nulls"/> says.
    /// </summary>
    public static Task<SplitFileReader> OpenAsync(ObjectStores stores, SplitFile file, ItemFileFormat format, ItemReaderOptions options, long? offset, long skipThrough, ParquetNulls nulls, CancellationToken cancellationToken) =>
        format == ItemFileFormat.Parquet
            ? OpenParquetAsync(stores, file, options, skipThrough, nulls, cancellationToken)
            : OpenAsync(stores, file, format, options, offset, cancellationToken);

    private static Task<SplitFileReader> OpenParquetAsync(ObjectStores stores, SplitFile file, ItemReaderOptions options, long skipThrough, ParquetNulls nulls, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var random = new RandomAccessObjectStream(stores.For(file.Uri), file.Uri, file.Size);
        var readerOptions = new ItemReaderOptions
        {
            SourceName = file.DisplayName,
            BadRecords = options.BadRecords,
            OnBadRecord = options.OnBadRecord,
            MaxLineBytes = options.MaxLineBytes,
        };
        var reader = ParquetFiles.OpenReader(random, readerOptions, nulls, file.Start, file.IsWholeFile ? long.MaxValue : file.End, skipThrough);
        return Task.FromResult(new SplitFileReader(reader, random, file.Uri));
    }
}
