using System.Globalization;
using System.Text;
using DynamoDb.Connector.Formats.Csv;
using DynamoDb.Connector.Storage;
using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Import;

/// <summary>
/// The CSV records of one dead-letter chunk that could not be read, kept as CSV that imports again with the same
/// schema: each file starts with the header line its records were read under (none for a schema that lists the
/// columns), then the records as they were in the file, each ending with LF. Records read under another header go to
/// the chunk's next part: <c>{name}.csv</c>, <c>{name}-1.csv</c>, ...
/// </summary>
internal sealed class CsvDeadLetterChunk(IObjectStore store, string folderUri, string name) : IAsyncDisposable
{
    /// <summary>The folder, beside the JSON-line chunks, that CSV dead letters go to (a folder import reads only its own top level).</summary>
    public const string FolderName = DeadLetter.CsvFolder;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private readonly List<(CsvRecordOrigin Origin, IObjectWriter Writer)> _parts = [];

    /// <summary>The uri of part <paramref name="part"/> of the chunk <paramref name="name"/> in <paramref name="folderUri"/>.</summary>
    public static string PartUri(string folderUri, string name, int part) =>
        ObjectUri.Combine(folderUri, part == 0 ? $"{name}.csv" : string.Create(CultureInfo.InvariantCulture, $"{name}-{part}.csv"));

    public async ValueTask WriteAsync(CsvRecordOrigin origin, string record, CancellationToken cancellationToken)
    {
        var writer = _parts.Find(p => p.Origin == origin).Writer;
        if (writer is null)
        {
            writer = await store.CreateAsync(PartUri(folderUri, name, _parts.Count), cancellationToken).ConfigureAwait(false);
            _parts.Add((origin, writer));
            if (origin.HeaderLine is { } header) await WriteLineAsync(writer, header, cancellationToken).ConfigureAwait(false);
        }
        await WriteLineAsync(writer, record, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Commits every part: they appear, complete, at their uris.</summary>
    public async ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        foreach (var (_, writer) in _parts)
        {
            await writer.Stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes the parts of the chunk <paramref name="name"/> that exist; false when it has none.</summary>
    public static async Task<bool> DeleteAsync(IObjectStore store, string folderUri, string name, CancellationToken cancellationToken)
    {
        bool any = false;
        for (int part = 0; ; part++)
        {
            string uri = PartUri(folderUri, name, part);
            if (await store.GetInfoAsync(uri, cancellationToken).ConfigureAwait(false) is null) return any;
            await store.DeleteAsync(uri, cancellationToken).ConfigureAwait(false);
            any = true;
        }
    }

    /// <summary>Discards the parts not committed, as the object store does with any uncommitted write.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var (_, writer) in _parts) await writer.DisposeAsync().ConfigureAwait(false);
        _parts.Clear();
    }

    private static async Task WriteLineAsync(IObjectWriter writer, string text, CancellationToken cancellationToken)
    {
        await writer.Stream.WriteAsync(Utf8.GetBytes(text + "\n"), cancellationToken).ConfigureAwait(false);
    }
}
