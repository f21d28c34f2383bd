using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Formats.Json;

/// <summary>
/// Writes the JSON line formats: data-pipeline (<c>{"a":{"s":"x"}}</c>), ddb-json (<c>{"Item":{...}}</c>) and
/// ddb-json-incremental (a put as <c>{"NewImage":{...}}</c>, a delete as <c>{"Keys":{...}}</c>, each after the
/// <c>"Metadata":{"WriteTimestampMicros":...}</c> of its record when it has one). Lines collect in a
/// pooled buffer and go to the (compressing) stream 64 KiB at a time.
/// </summary>
internal sealed class JsonItemWriter : IItemWriter
{
    private const int FlushBytes = 64 * 1024;
    private readonly Stream _destination;
    private readonly Stream _output;
    private readonly bool _leaveOpen;
    private readonly ItemFileFormat _format;
    private readonly JsonItemFormatter _formatter;
    private bool _completed;
    private bool _disposed;

    /// <param name="destination">Where the file's bytes go.</param>
    /// <param name="format">A JSON line format.</param>
    /// <param name="options">Validated options.</param>
    public JsonItemWriter(Stream destination, ItemFileFormat format, ItemWriterOptions options)
    {
        _destination = destination;
        _leaveOpen = options.LeaveOpen;
        _format = format;
        // The compressor never owns the destination: completing must finish its frame, not close the file.
        _output = Compression.StreamCompression.OpenWrite(destination, options.Compression, options.CompressionLevel, leaveOpen: true);
        _formatter = new JsonItemFormatter(dynamoDbKeys: format != ItemFileFormat.DataPipeline);
    }

    public long ItemsWritten { get; private set; }

    public ValueTask WriteAsync(ItemRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            throw new InvalidOperationException("The writer is complete; no more records can be written.");
        }
        if (record.Item.Count == 0)
        {
            throw new ArgumentException($"The record from line {record.Line} has no attributes; an empty item cannot be read back.", nameof(record));
        }
        int start = _formatter.Length;
        try
        {
            WriteLine(record);
        }
        catch (AttributePathException e)
        {
            _formatter.Truncate(start); // never leave half a line behind
            throw new ArgumentException($"The record from line {record.Line} cannot be written: {e.Reason}.", nameof(record), e);
        }
        catch
        {
            _formatter.Truncate(start);
            throw;
        }
        ItemsWritten++;
        return _formatter.Length >= FlushBytes ? FlushAsync(cancellationToken) : default;
    }

    private void WriteLine(ItemRecord record)
    {
        switch (_format)
        {
            case ItemFileFormat.DataPipeline:
                RequirePut(record);
                _formatter.WriteMap(record.Item);
                break;
            case ItemFileFormat.Json:
                RequirePut(record);
                PlainJsonFormatter.WriteMap(_formatter, record.Item);
                break;
            case ItemFileFormat.DynamoDbJson:
                RequirePut(record);
                _formatter.WriteRaw("{\"Item\":"u8);
                _formatter.WriteMap(record.Item);
                _formatter.WriteByte((byte)'}');
                break;
            default:
                // Without a key schema a put cannot be split into Keys and image: a put is its NewImage alone. The
                // write time is kept when the record has one (read from an incremental export's line), never made
                // up: it orders the changes to one key when the file is imported.
                _formatter.WriteByte((byte)'{');
                if (record.WriteTimestampMicros is { } micros)
                {
                    _formatter.WriteRaw("\"Metadata\":{\"WriteTimestampMicros\":{\"N\":\""u8);
                    _formatter.WriteAscii(micros.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    _formatter.WriteRaw("\"}},"u8);
                }
                _formatter.WriteRaw(record.Operation == RecordOperation.Delete ? "\"Keys\":"u8 : "\"NewImage\":"u8);
                _formatter.WriteMap(record.Item);
                _formatter.WriteByte((byte)'}');
                break;
        }
        _formatter.WriteByte((byte)'\n');
    }

    private void RequirePut(ItemRecord record)
    {
        if (record.Operation == RecordOperation.Delete)
        {
            throw new NotSupportedException(
                $"The {_format.ToName()} format holds only items, not deletes (record from line {record.Line}). Write deletes as {ItemFileFormat.DynamoDbJsonIncremental.ToName()}.");
        }
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        await _output.WriteAsync(_formatter.Written, cancellationToken).ConfigureAwait(false);
        _formatter.Truncate();
    }

    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed)
        {
            return;
        }
        if (_formatter.Length > 0)
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        await _output.DisposeAsync().ConfigureAwait(false); // finishes the gzip member / zstd frame
        await _destination.FlushAsync(cancellationToken).ConfigureAwait(false);
        _completed = true;
    }

    /// <summary>
    /// Releases the buffer and the compressor. Without <see cref="CompleteAsync"/> first, lines still buffered are
    /// dropped and the output is incomplete: do not commit it.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _formatter.Dispose();
        if (!_completed)
        {
            await _output.DisposeAsync().ConfigureAwait(false);
        }
        if (!_leaveOpen)
        {
            await _destination.DisposeAsync().ConfigureAwait(false);
        }
    }
}
