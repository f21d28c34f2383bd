using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Lines;
using Parquet;
using Parquet.Schema;

namespace DynamoDb.Connector.Formats.Parquet;

/// <summary>
/// Reads the rows of a Parquet file (or of the row groups that start inside a byte range of it) as items, one row
/// group in memory at a time: the footer first, then each row group whole, converted row by row
/// (<see cref="ParquetValues"/>). A row's <see cref="ItemRecord.Line"/> is its 1-based row number in the whole file,
/// so a position (row) resumes at its row group without reading the ones before it.
/// </summary>
internal sealed class ParquetItemReader : IItemReader
{
    private readonly Stream _stream;
    private readonly ItemReaderOptions _options;
    private readonly ParquetNulls _nulls;
    private readonly long _rangeStart, _rangeEnd, _skipThrough;
    private IReadOnlyList<ParquetRowGroup>? _groups;
    private IReadOnlyList<string> _columns = [];
    private int _group = -1;
    private ParquetReader? _parquet;
    private List<Dictionary<string, object?>> _rows = [];
    private int _row;
    private long _linesRead, _bytesRead, _badRecords;

    public ParquetItemReader(Stream stream, ItemReaderOptions options, ParquetNulls nulls, long rangeStart, long rangeEnd, long skipThrough)
    {
        if (!stream.CanSeek)
        {
            throw new NotSupportedException($"{options.SourceName}: a Parquet file is read from its end (the footer) first: the stream must be seekable.");
        }
        _stream = stream;
        _options = options;
        _nulls = nulls;
        _rangeStart = rangeStart;
        _rangeEnd = rangeEnd;
        _skipThrough = skipThrough;
    }

    /// <summary>Reads Parquet.Net's options: decimals as BigDecimal so 38-digit ones stay exact; dates as DateOnly.</summary>
    internal static ParquetOptions Options => new() { UseBigDecimal = true, UseDateOnlyTypeForDates = true, TreatByteArrayAsString = false };

    public long LinesRead => _linesRead;

    public long BytesRead => _bytesRead;

    public long BadRecords => _badRecords;

    public async ValueTask<ItemRecord?> ReadAsync(CancellationToken cancellationToken = default)
    {
        _groups ??= await OpenAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            while (_row < _rows.Count)
            {
                var group = _groups[_group];
                int index = _row++;
                long line = group.FirstRow + index + 1;
                _linesRead++;
                if (line <= _skipThrough) continue;
                if (ToItem(_rows[index], group, index, line) is { } item) return new ItemRecord(item, line);
            }
            _rows = [];
            if (!await NextGroupAsync(cancellationToken).ConfigureAwait(false)) return null;
        }
    }

    private async Task<IReadOnlyList<ParquetRowGroup>> OpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            _parquet = await ParquetReader.CreateAsync(_stream, Options, leaveStreamOpen: true, cancellationToken).ConfigureAwait(false);
            _columns = _parquet.Schema.Fields.Select(f => f.Name).ToList();
            return ParquetFiles.RowGroupsOf(_parquet);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or ArgumentException or InvalidOperationException or global::Parquet.ParquetException)
        {
            throw new InvalidDataException($"{_options.SourceName}: not a readable Parquet file: {e.Message}", e);
        }
    }

    private async Task<bool> NextGroupAsync(CancellationToken cancellationToken)
    {
        var groups = _groups!;
        while (++_group < groups.Count)
        {
            var group = groups[_group];
            if (group.Start < _rangeStart || group.Start >= _rangeEnd) continue;
            // Every row of this group is at or before the position: skip it unread.
            if (group.FirstRow + group.Rows <= _skipThrough)
            {
                _linesRead += group.Rows;
                continue;
            }
            try
            {
                _rows = await ParquetRowAssembler.ReadAsync(_parquet!, group.Index, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new InvalidDataException($"{_options.SourceName}: row group {group.Index} (rows {group.FirstRow + 1}-{group.FirstRow + group.Rows}) cannot be read: {e.Message}", e);
            }
            _bytesRead += group.Bytes;
            _row = 0;
            return true;
        }
        return false;
    }

    private Dictionary<string, AttributeValue>? ToItem(Dictionary<string, object?> row, ParquetRowGroup group, int index, long line)
    {
        var item = new Dictionary<string, AttributeValue>(_columns.Count);
        try
        {
            foreach (string column in _columns)
            {
                row.TryGetValue(column, out object? value);
                if (ParquetValues.ToAttribute(value, column, _nulls) is { } attribute) item[column] = attribute;
            }
            return item;
        }
        catch (ParquetValueException e)
        {
            var error = new RecordError(_options.SourceName, line, $"row {line} (row group {group.Index}, row {index + 1} in it): {e.Message}", $"row group {group.Index}, row {index + 1}");
            if (_options.BadRecords == BadRecordHandling.Fail) throw new RecordFormatException(error);
            _badRecords++;
            _options.OnBadRecord?.Invoke(error);
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_parquet is not null) await _parquet.DisposeAsync().ConfigureAwait(false);
        if (!_options.LeaveOpen) await _stream.DisposeAsync().ConfigureAwait(false);
    }
}
