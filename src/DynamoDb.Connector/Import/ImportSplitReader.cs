using System.Runtime.CompilerServices;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Storage;

namespace DynamoDb.Connector.Import;

/// <summary>
/// Reads the records of one split, file after file, from a position on (<see cref="ImportInputFormat.OpenAsync"/>):
/// items and bad records in file order, each with its file, line and the position after it, so the caller checkpoints
/// where it likes. Counters (<see cref="RecordsRead"/>, <see cref="BadRecords"/>, <see cref="BytesRead"/>) may be read
/// from any thread while it reads. One caller at a time; dispose it when done.
/// </summary>
public sealed class ImportSplitReader : IAsyncDisposable
{
    private readonly ObjectStores _stores;
    private readonly ImportReadOptions _options;
    private readonly ImportPosition _from;
    private readonly Queue<RecordError> _bad = new();
    private SplitFileReader? _file;
    private int _fileIndex;
    private long _closedFileBytes;
    private long _recordsRead, _badRecords;
    private bool _reading;

    internal ImportSplitReader(ObjectStores stores, ImportSplit split, ImportReadOptions options, ImportPosition from)
    {
        _stores = stores;
        Split = split;
        _options = options;
        _from = from;
        _fileIndex = from.File;
        Position = from;
        BytesSkipped = split.Files.Take(from.File).Sum(f => f.End - f.Start)
            + (from.Offset is { } offset && from.File < split.Files.Count ? Math.Max(0, offset - split.Files[from.File].Start) : 0);
    }

    /// <summary>The split.</summary>
    public ImportSplit Split { get; }

    /// <summary>
    /// Where the reader stands: after the last record <see cref="ReadAsync"/> gave, or at the next file once one is read
    /// to its end. Equal to that record's <see cref="ImportRecord.Next"/>, or later.
    /// </summary>
    public ImportPosition Position { get; private set; }

    /// <summary>Items read by this reader (bad records and those before the starting position are not counted).</summary>
    public long RecordsRead => Interlocked.Read(ref _recordsRead);

    /// <summary>Bad records read by this reader.</summary>
    public long BadRecords => Interlocked.Read(ref _badRecords);

    /// <summary>Bytes of the files read from the store by this reader, as stored (compressed or not).</summary>
    public long BytesRead => Interlocked.Read(ref _closedFileBytes) + (Volatile.Read(ref _file)?.StoredBytesRead ?? 0);

    /// <summary>Bytes of the split before the starting position, not read by this reader (read before by whoever stored the position).</summary>
    public long BytesSkipped { get; }

    /// <summary>Whether every file has been read to its end.</summary>
    public bool IsComplete => Position.File >= Split.Files.Count;

    /// <summary>Opens the first file to read, so a missing file fails here.</summary>
    internal async Task OpenFirstAsync(CancellationToken cancellationToken)
    {
        if (_fileIndex < Split.Files.Count) await OpenFileAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The records from the reader's position to the end of the split: items and bad records in file order. Can be
    /// enumerated once. A cancellation stops it (with <see cref="OperationCanceledException"/>); <see cref="Position"/>
    /// then is after the last record given.
    /// </summary>
    /// <exception cref="InvalidOperationException">Enumerated a second time.</exception>
    public async IAsyncEnumerable<ImportRecord> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (_reading) throw new InvalidOperationException("An ImportSplitReader is read once; open another to read again.");
        _reading = true;
        while (_fileIndex < Split.Files.Count)
        {
            if (_file is null) await OpenFileAsync(cancellationToken).ConfigureAwait(false);
            var file = _file!;
            var source = Split.Files[_fileIndex].DisplayName;
            // Lines before the starting position: skipped (read again, unless the reader could seek past them).
            long skipThrough = _fileIndex == _from.File ? _from.Line : 0;
            long lineBase = _fileIndex == _from.File && _from.Offset.HasValue ? _from.Line : 0;
            while (true)
            {
                var record = await file.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                while (_bad.TryDequeue(out var error))
                {
                    long line = error.Line + lineBase;
                    if (line <= skipThrough) continue;
                    if (lineBase > 0) error = error with { Line = line };
                    Interlocked.Increment(ref _badRecords);
                    Position = new ImportPosition(_fileIndex, line);
                    yield return new ImportRecord(null, error, source, line, Position);
                }
                if (record is null) break;
                if (lineBase > 0)
                {
                    // An encoded record stays encoded: its Item is built only if something asks for it.
                    record = record is { Encoded: { } encoded, WriteTimestampMicros: null }
                        ? ItemRecord.FromEncoded(encoded, record.Line + lineBase, record.Operation)
                        : new ItemRecord(record.Item, record.Line + lineBase, record.Operation) { WriteTimestampMicros = record.WriteTimestampMicros };
                }
                if (record.Line <= skipThrough) continue;
                Interlocked.Increment(ref _recordsRead);
                Position = new ImportPosition(_fileIndex, record.Line, file.NextLineOffset);
                yield return new ImportRecord(record, null, source, record.Line, Position);
            }
            await CloseFileAsync().ConfigureAwait(false);
            _fileIndex++;
            Position = new ImportPosition(_fileIndex, 0);
        }
    }

    private async Task OpenFileAsync(CancellationToken cancellationToken)
    {
        var readerOptions = new ItemReaderOptions
        {
            BadRecords = BadRecordHandling.Skip,
            OnBadRecord = _bad.Enqueue, // given as records, in line order, by ReadAsync
            Csv = _options.Csv,
            MaxLineBytes = _options.MaxLineBytes,
            RequestTable = _options.RequestTable,
            NativeExport = _options.NativeExport,
        };
        long? offset = _fileIndex == _from.File ? _from.Offset : null;
        long skipThrough = _fileIndex == _from.File ? _from.Line : 0; // Parquet: row groups before it are not read
        var file = await SplitFileReader.OpenAsync(_stores, Split.Files[_fileIndex], _options.Format, readerOptions, offset, skipThrough, _options.ParquetNulls, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _file, file);
    }

    private async Task CloseFileAsync()
    {
        if (_file is not { } file) return;
        Interlocked.Add(ref _closedFileBytes, file.StoredBytesRead);
        Volatile.Write(ref _file, null);
        await file.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Closes the file being read.</summary>
    public async ValueTask DisposeAsync() => await CloseFileAsync().ConfigureAwait(false);
}
