using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Streams;
using DynamoDb.Connector.Storage;

namespace DynamoDb.Connector.Import;

/// <summary>Opens the items of one file or file range of a split: the store's stream, the range, decompression, the line format.</summary>
internal static class SplitFileReader
{
    /// <summary>
    /// Opens <paramref name="file"/> for reading as <paramref name="format"/>. <see cref="ItemReaderOptions.SourceName"/>
    /// is set to the file's display name (with its byte range when it is one). <paramref name="onStoredBytesRead"/>, when
    /// given, hears of every block of stored (still compressed) bytes read, for progress against the files' sizes.
    /// </summary>
    public static async Task<IItemReader> OpenAsync(ObjectStores stores, SplitFile file, ItemFileFormat format, ItemReaderOptions options, Action<int>? onStoredBytesRead, CancellationToken cancellationToken)
    {
        var store = stores.For(file.Uri);
        Stream stream;
        if (file.IsWholeFile)
        {
            stream = await store.OpenReadAsync(file.Uri, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // Read to the end of the file if need be: the range's last line may run past its end.
            var inner = await store.OpenReadAsync(file.Uri, LineRangeStream.InnerOffset(file.Start), cancellationToken: cancellationToken).ConfigureAwait(false);
            stream = new LineRangeStream(inner, file.Start, file.End);
        }
        if (onStoredBytesRead is not null)
        {
            stream = new CountingReadStream(stream, onStoredBytesRead);
        }
        var readerOptions = new ItemReaderOptions
        {
            SourceName = file.DisplayName,
            BadRecords = options.BadRecords,
            OnBadRecord = options.OnBadRecord,
            MaxLineBytes = options.MaxLineBytes,
            Csv = options.Csv,
            RequestTable = options.RequestTable,
        };
        try
        {
            return ItemFiles.OpenReader(stream, format, readerOptions);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}

/// <summary>Passes reads through and tells a callback how many bytes each returned.</summary>
internal sealed class CountingReadStream(Stream inner, Action<int> onRead) : ReadOnlyStream
{
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        onRead(read);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        int read = inner.Read(buffer, offset, count);
        onRead(read);
        return read;
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
