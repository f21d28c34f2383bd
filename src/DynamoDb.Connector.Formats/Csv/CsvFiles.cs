using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Formats.Csv;

/// <summary>
/// CSV readers and writers with the same stream ownership and compression as the JSON line formats: the reader reads
/// through decompression and disposes what it opened; the writer compresses, finishes the compression on complete,
/// and disposes the destination unless told to leave it open.
/// </summary>
internal static class CsvFiles
{
    public static IItemReader OpenReader(Stream stream, ItemReaderOptions options)
    {
        var decompressed = StreamCompression.OpenRead(stream, options.SourceName, options.LeaveOpen);
        return new OwningReader(new CsvItemReader(decompressed, options), decompressed);
    }

    public static IItemWriter OpenWriter(Stream stream, ItemWriterOptions options)
    {
        var schema = options.Csv ?? throw new ArgumentException("Writing CSV needs a schema (ItemWriterOptions.Csv): the columns and their types.", nameof(options));
        var compressed = StreamCompression.OpenWrite(stream, options.Compression, options.CompressionLevel, leaveOpen: true);
        return new OwningWriter(new CsvItemWriter(compressed, schema), compressed, stream, options.LeaveOpen);
    }

    private sealed class OwningReader(CsvItemReader inner, Stream stream) : IItemReader
    {
        public long LinesRead => inner.LinesRead;
        public long BytesRead => inner.BytesRead;
        public long BadRecords => inner.BadRecords;

        public ValueTask<ItemRecord?> ReadAsync(CancellationToken cancellationToken = default) => inner.ReadAsync(cancellationToken);

        public async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed class OwningWriter(CsvItemWriter inner, Stream compressed, Stream destination, bool leaveOpen) : IItemWriter
    {
        private bool _completed;

        public long ItemsWritten => inner.ItemsWritten;

        public ValueTask WriteAsync(ItemRecord record, CancellationToken cancellationToken = default) => inner.WriteAsync(record, cancellationToken);

        public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
        {
            if (_completed) return;
            await inner.CompleteAsync(cancellationToken).ConfigureAwait(false);
            // Ends the gzip/zstd frame; the destination stays open (leaveOpen above).
            await compressed.DisposeAsync().ConfigureAwait(false);
            await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
            _completed = true;
        }

        public async ValueTask DisposeAsync()
        {
            // After CompleteAsync the text writer is flushed and the compressor finished: disposing the writer again
            // would flush into the finished compressor.
            if (!_completed) await inner.DisposeAsync().ConfigureAwait(false);
            await compressed.DisposeAsync().ConfigureAwait(false);
            if (!leaveOpen) await destination.DisposeAsync().ConfigureAwait(false);
        }
    }
}
