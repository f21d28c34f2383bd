using System.Buffers;
using System.Text;
using System.Text.Json;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Formats.Json;

/// <summary>
/// Reads the JSON document formats from a decompressed stream, in bounded memory: a top-level array
/// (<c>[{...},{...}]</c>, pretty-printed or not), <c>aws dynamodb scan</c> output (<c>{"Items":[...]}</c>), a
/// BatchWriteItem request file (<c>{"Table":[{"PutRequest":...}]}</c>), and for <c>json</c> objects one per line.
/// The structure around the items is walked token by token (<see cref="Utf8JsonReader"/> with its state carried from
/// one buffer to the next, values of no interest skipped as they stream by); each item is cut out whole (at most
/// <see cref="ItemReaderOptions.MaxLineBytes"/>) and parsed alone, so a bad item is one bad record. JSON that breaks
/// the structure itself ends the file with one bad record: what follows cannot be told apart.
/// </summary>
internal sealed partial class JsonDocumentReader : IItemReader
{
    /// <summary>What one BatchWriteItem request can be (16 MB): a request file without a table named is read whole up to this, to see every table in it first.</summary>
    internal const int MaxUnnamedRequestFileBytes = 16 * 1024 * 1024;

    private const int InitialBufferBytes = 64 * 1024;
    private const int MinReadBytes = 16 * 1024;

    private enum State { Start, Envelope, Elements, Lines, End }

    private readonly Stream _stream;
    private readonly ItemFileFormat _format;
    private readonly ItemReaderOptions _options;
    private readonly JsonDocumentParser _parser;
    private readonly List<string> _tables = [];
    private byte[] _buffer;
    private int _start;
    private int _end;
    private bool _eof;
    private long _line = 1;
    private long _consumed;
    private State _state;
    private JsonReaderState _envelope;
    private bool _valueIsSkipped;   // the next envelope value is not read (another table, Count, ...)
    private int _skipDepth = -1;    // while skipping a container: its depth
    private bool _nextValueIsItems; // the next envelope value is the array of items
    private bool _rootIsObject;
    private bool _foundItems;
    private bool _afterElement;
    private long _elements;
    private string? _table;
    private JsonItemReader? _lines;
    private bool _disposed;

    public JsonDocumentReader(Stream stream, ItemFileFormat format, ItemReaderOptions options)
    {
        _stream = stream;
        _format = format;
        _options = options;
        _table = options.RequestTable;
        _parser = new JsonDocumentParser(format, options.Csv);
        _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
    }

    public long LinesRead => _lines?.LinesRead ?? _line - 1;

    public long BytesRead => _lines?.BytesRead ?? _consumed;

    public long BadRecords { get; private set; }

    private string Source => _options.SourceName;

    public async ValueTask<ItemRecord?> ReadAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        while (true)
        {
            if (_lines is not null)
            {
                var line = await _lines.ReadAsync(cancellationToken).ConfigureAwait(false);
                BadRecords = _lines.BadRecords;
                return line;
            }
            if (_state == State.End)
            {
                return null;
            }
            if (_state == State.Start && _format == ItemFileFormat.DynamoDbBatchWrite && _table is null && !_eof && _end < MaxUnnamedRequestFileBytes)
            {
                // No table named: see every table of the file before returning any of its requests.
                if (!await FillAsync(MaxUnnamedRequestFileBytes, cancellationToken).ConfigureAwait(false)) return null;
                continue;
            }
            if (TryReadBuffered(out var record))
            {
                if (record is not null || _state == State.End) return record;
                continue; // the state changed (lines mode): read again
            }
            if (!await FillAsync(_options.MaxLineBytes + MinReadBytes, cancellationToken).ConfigureAwait(false)) return null;
        }
    }

    /// <summary>The next record from buffered input, or null (at the end, or when the state changed); false when more input is needed.</summary>
    private bool TryReadBuffered(out ItemRecord? record)
    {
        record = null;
        while (true)
        {
            switch (_state)
            {
                case State.Start:
                    if (!TryStart()) return false;
                    if (_state == State.Lines) return true;
                    continue;
                case State.Envelope:
                    if (!TryEnvelopeToken()) return false;
                    continue;
                case State.Elements:
                    if (!TryElement(out record)) return false;
                    if (record is not null) return true;
                    continue;
                default:
                    return true;
            }
        }
    }

    private void StartElements()
    {
        _foundItems = true;
        _afterElement = false;
        _state = State.Elements;
    }

    /// <summary>At the end of the content: what the structure should have held and did not.</summary>
    private void Finish()
    {
        _state = State.End;
        if (_foundItems || !_rootIsObject) return;
        if (_format == ItemFileFormat.DynamoDbScan)
        {
            throw Refuse("the object has no \"Items\" array (aws dynamodb scan output is {\"Items\":[...],\"Count\":...})");
        }
        throw Refuse(_tables.Count == 0
            ? "the BatchWriteItem request file holds no table"
            : $"the BatchWriteItem request file has no requests for table '{_table}'; it has requests for {Quote(_tables)}");
    }

    /// <summary>The next element of the array, or the array's end; false when more input is needed.</summary>
    private bool TryElement(out ItemRecord? record)
    {
        record = null;
        while (true)
        {
            var data = _buffer.AsSpan(_start, _end - _start);
            int next = data.IndexOfAnyExcept(" \t\r\n"u8);
            if (next < 0)
            {
                Advance(data.Length);
                if (_eof) return Broken(null);
                return false;
            }
            Advance(next);
            byte c = data[next];
            if (c == (byte)']')
            {
                _state = State.Envelope; // the structure's reader reads the ']' itself: its state is still right after the '['
                return true;
            }
            if (_afterElement)
            {
                if (c != (byte)',') return Broken(null, $"after item {_elements:N0} of the array there is '{(char)c}' where a ',' or ']' belongs");
                Advance(1);
                _afterElement = false;
                continue;
            }
            return TryCutElement(out record);
        }
    }

    /// <summary>Cuts the element that starts the buffer out whole and parses it.</summary>
    private bool TryCutElement(out ItemRecord? record)
    {
        record = null;
        var data = _buffer.AsSpan(_start, _end - _start);
        var reader = new Utf8JsonReader(data, _eof, default);
        bool whole;
        try
        {
            whole = reader.Read() && reader.TrySkip();
        }
        catch (JsonException e)
        {
            return Broken(e);
        }
        if (!whole)
        {
            if (data.Length > _options.MaxLineBytes)
            {
                return Broken(null, $"item {_elements + 1:N0} of the array is longer than the {_options.MaxLineBytes:N0} bytes accepted (an item is at most 400 KB)");
            }
            return false;
        }
        var element = data[..(int)reader.BytesConsumed];
        long line = _line;
        _elements++;
        _afterElement = true;
        try
        {
            if (reader.TokenType != JsonTokenType.EndObject)
            {
                throw new AttributePathException($"it is {JsonDocumentParser.Describe(element[0] == (byte)'[' ? JsonTokenType.StartArray : reader.TokenType)}, not an object");
            }
            record = _parser.Parse(element, line);
        }
        catch (AttributePathException e)
        {
            string text = Encoding.UTF8.GetString(element);
            Report(new RecordError(Source, line, $"item {_elements:N0} of the array: {e.Reason}", RecordError.ExcerptOf(text), text));
        }
        Advance(element.Length);
        return true;
    }

    /// <summary>JSON that breaks the structure: the file's last bad record (what follows cannot be told apart).</summary>
    private bool Broken(JsonException? e, string? why = null)
    {
        long line = _line + (e?.LineNumber ?? 0);
        why ??= e is null
            ? "the file ends inside the array (truncated?)"
            : $"the JSON is not valid here: {JsonText.WithoutPosition(e)}";
        string excerpt = RecordError.ExcerptOf(Encoding.UTF8.GetString(_buffer.AsSpan(_start, Math.Min(120, _end - _start))));
        _state = State.End;
        Report(new RecordError(Source, line, $"{why}; the rest of the file cannot be read", excerpt));
        return true;
    }

    private void Report(RecordError error)
    {
        BadRecords++;
        if (_options.BadRecords == BadRecordHandling.Fail)
        {
            throw new RecordFormatException(error);
        }
        _options.OnBadRecord?.Invoke(error);
    }

    private FormatRefusedException Refuse(string why) =>
        new($"{(Source.Length > 0 ? Source : "the file")} cannot be read as {_format.ToName()}: {why}.");

    private static string Quote(IEnumerable<string> names) => string.Join(", ", names.Distinct(StringComparer.Ordinal).Select(n => $"'{n}'"));

    private void Advance(int count)
    {
        _line += _buffer.AsSpan(_start, count).Count((byte)'\n');
        _start += count;
        _consumed += count;
    }

    /// <summary>Reads more input, growing the buffer up to <paramref name="limit"/>; false when the input is damaged (reported).</summary>
    private async ValueTask<bool> FillAsync(int limit, CancellationToken cancellationToken)
    {
        if (_eof) return true;
        if (_start == 0 && _end == _buffer.Length)
        {
            Broken(null, $"a JSON value around the items is longer than the {_options.MaxLineBytes:N0} bytes accepted");
            return false;
        }
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        if (_buffer.Length - _end < MinReadBytes && _buffer.Length < limit + MinReadBytes)
        {
            var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)_buffer.Length * 2, (long)limit + MinReadBytes));
            _buffer.AsSpan(0, _end).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
        try
        {
            int read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            _eof = read == 0;
            _end += read;
            return true;
        }
        catch (InvalidDataException e) when (DamagedData.Is(e))
        {
            _state = State.End;
            Report(new RecordError(Source, _line, DamagedData.ReasonAfter(e, _line - 1), RecordError.ExcerptOf(Encoding.UTF8.GetString(_buffer.AsSpan(_start, Math.Min(120, _end - _start))))));
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        if (_lines is not null)
        {
            await _lines.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Bytes already read, then the rest of the stream (which it owns).</summary>
    private sealed class PrefixedReadStream(byte[] prefix, Stream rest) : Streams.ReadOnlyStream
    {
        private int _position;

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position < prefix.Length)
            {
                int count = Math.Min(buffer.Length, prefix.Length - _position);
                prefix.AsSpan(_position, count).CopyTo(buffer.Span);
                _position += count;
                return new ValueTask<int>(count);
            }
            return rest.ReadAsync(buffer, cancellationToken);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        protected override void Dispose(bool disposing)
        {
            if (disposing) rest.Dispose();
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await rest.DisposeAsync().ConfigureAwait(false);
            GC.SuppressFinalize(this);
        }
    }
}
