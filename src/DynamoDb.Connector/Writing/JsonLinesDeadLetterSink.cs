using System.Globalization;
using System.Text;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Json;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Storage;

namespace DynamoDb.Connector.Writing;

/// <summary>
/// Writes dead letters as JSON lines that import again: a put as
/// <c>{"Item":{...},"Error":{"reason":"...","source":"file","line":12,"operation":"put"}}</c>, read back by the
/// <c>ddb-json</c> format (which ignores fields next to <c>Item</c>), so the items can be fixed and imported with the
/// same command. A delete is written as <c>{"Keys":{...},"Error":{...,"operation":"delete"}}</c>: the
/// <c>ddb-json-incremental</c> format reads it as a delete, and <c>ddb-json</c> reports it as a bad line instead of
/// putting the bare key as an item. A line that could not be read at all is written as
/// <c>{"Line":"the text as read","Error":{...}}</c>, to be fixed by hand. <c>source</c> and <c>line</c> are left out when unknown.
/// Safe for concurrent calls (several batches and writers may share one sink).
/// </summary>
public sealed class JsonLinesDeadLetterSink : IDeadLetterSink, IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly IObjectWriter? _object;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly JsonItemFormatter _formatter = new(dynamoDbKeys: true);
    private bool _completed;
    private bool _disposed;

    /// <summary>Writes to <paramref name="stream"/>, which it owns unless <paramref name="leaveOpen"/>.</summary>
    public JsonLinesDeadLetterSink(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _leaveOpen = leaveOpen;
    }

    private JsonLinesDeadLetterSink(IObjectWriter writer)
        : this(writer.Stream, leaveOpen: true)
    {
        _object = writer;
    }

    /// <summary>Dead letters written so far.</summary>
    public long Count { get; private set; }

    /// <summary>
    /// Creates a sink writing the object <paramref name="uri"/> (a local path, <c>file://</c> or <c>s3://</c> uri) through
    /// <paramref name="store"/>; the object appears, complete, when <see cref="CompleteAsync"/> commits it.
    /// </summary>
    public static async Task<JsonLinesDeadLetterSink> CreateAsync(IObjectStore store, string uri, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrWhiteSpace(uri);
        var writer = await store.CreateAsync(uri, cancellationToken).ConfigureAwait(false);
        return new JsonLinesDeadLetterSink(writer);
    }

    /// <inheritdoc />
    public async ValueTask WriteAsync(DeadLetter letter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(letter);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_completed) throw new InvalidOperationException("The dead-letter sink is complete; it takes no more dead letters.");
            _formatter.Truncate();
            bool delete = letter.Operation == RecordOperation.Delete;
            List<string>? unwritable = null;
            if (letter.RawLine is not null)
            {
                // A line that was never an item: kept as text to fix by hand; no format imports it as it is.
                _formatter.WriteRaw("{\"Line\":"u8);
                _formatter.WriteString(letter.RawLine);
            }
            else
            {
                _formatter.WriteRaw(delete ? "{\"Keys\":"u8 : "{\"Item\":"u8);
                unwritable = WriteItem(letter.Item);
            }
            _formatter.WriteRaw(",\"Error\":{\"reason\":"u8);
            _formatter.WriteString(unwritable is null ? letter.Reason : $"{letter.Reason} (left out, having no valid value: {string.Join(", ", unwritable)})");
            if (letter.Source is not null)
            {
                _formatter.WriteRaw(",\"source\":"u8);
                _formatter.WriteString(letter.Source);
            }
            if (letter.Line > 0)
            {
                _formatter.WriteRaw(",\"line\":"u8);
                _formatter.WriteRaw(Encoding.UTF8.GetBytes(letter.Line.ToString(CultureInfo.InvariantCulture)));
            }
            _formatter.WriteRaw(delete ? ",\"operation\":\"delete\"}}\n"u8 : ",\"operation\":\"put\"}}\n"u8);
            await _stream.WriteAsync(_formatter.Written, cancellationToken).ConfigureAwait(false);
            Count++;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Writes the item. An invalid item may hold values that cannot be written (no type set, or null): those
    /// attributes are left out and named, so the rest of the item is kept.
    /// </summary>
    private List<string>? WriteItem(Dictionary<string, AttributeValue> item)
    {
        int start = _formatter.Length;
        try
        {
            _formatter.WriteMap(item);
            return null;
        }
        catch (Exception ex) when (ex is AttributePathException or NullReferenceException or ArgumentException)
        {
            _formatter.Truncate(start);
        }
        var writable = new Dictionary<string, AttributeValue>(item.Count);
        var unwritable = new List<string>();
        foreach (var (name, value) in item)
        {
            try
            {
                _formatter.WriteMap(new Dictionary<string, AttributeValue>(1) { [name] = value });
                writable[name] = value;
            }
            catch (Exception ex) when (ex is AttributePathException or NullReferenceException or ArgumentException)
            {
                unwritable.Add(name);
            }
            _formatter.Truncate(start);
        }
        _formatter.WriteMap(writable);
        return unwritable;
    }

    /// <inheritdoc />
    public async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_completed && !_disposed) await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Flushes everything and, for an object, commits it (it appears at its uri). Later writes are refused.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_completed) return;
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (_object is not null) await _object.CommitAsync(cancellationToken).ConfigureAwait(false);
            _completed = true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Releases the stream. An object not completed is discarded, as the object store does with any uncommitted write.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        _formatter.Dispose();
        if (_object is not null) await _object.DisposeAsync().ConfigureAwait(false);
        else if (!_leaveOpen) await _stream.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }
}
