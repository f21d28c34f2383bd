using System.Buffers;
using System.Text.Json;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Export;

/// <summary>
/// Lines of items given as DynamoDB JSON (<see cref="ExportPartWriter.WriteDynamoDbJsonAsync"/>): ddb-json wraps the
/// bytes as they are in <c>{"Item":...}</c>; data-pipeline writes the same bytes with each type key's first letter in
/// lower case, the EMR spelling (<c>S</c> is <c>s</c>, <c>BOOL</c> is <c>bOOL</c>, <c>NULL</c> is <c>nULL</c>). Lines
/// collect in a pooled buffer and go to the (compressing) stream 64 KiB at a time, as the line writer does for items
/// given as objects.
/// </summary>
internal sealed class JsonLines(Stream compressed, ItemFileFormat format) : IAsyncDisposable
{
    private const int FlushBytes = 64 * 1024;
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 256 };
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(FlushBytes * 2);
    private int _length;
    private bool _completed;

    /// <summary>Whether items given as DynamoDB JSON can be written in <paramref name="format"/>.</summary>
    public static bool Writes(ItemFileFormat format) => format is ItemFileFormat.DynamoDbJson or ItemFileFormat.DataPipeline;

    public long ItemsWritten { get; private set; }

    /// <exception cref="ArgumentException">(data-pipeline) The item is not a map of typed attributes.</exception>
    public ValueTask WriteAsync(ReadOnlySpan<byte> item, CancellationToken cancellationToken)
    {
        if (_completed) throw new InvalidOperationException("The part is complete; no more items can be written.");
        bool wrapped = format == ItemFileFormat.DynamoDbJson;
        var line = Reserve(item.Length + (wrapped ? 10 : 1));
        if (wrapped)
        {
            "{\"Item\":"u8.CopyTo(line);
            item.CopyTo(line[8..]);
            "}\n"u8.CopyTo(line[(8 + item.Length)..]);
        }
        else
        {
            item.CopyTo(line);
            line[item.Length] = (byte)'\n';
            ToEmrTypeKeys(item, line);
        }
        _length += line.Length;
        ItemsWritten++;
        return _length >= FlushBytes ? FlushAsync(cancellationToken) : default;
    }

    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (_completed) return;
        if (_length > 0) await FlushAsync(cancellationToken).ConfigureAwait(false);
        await compressed.DisposeAsync().ConfigureAwait(false); // finishes the gzip member / zstd frame
        _completed = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        if (!_completed) await compressed.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Lower-cases the first letter of every type key of <paramref name="item"/> in <paramref name="copy"/> (the same
    /// bytes at the same offsets). A type key is the one name of an attribute value's object: the value of a name in a
    /// map (the item, an <c>M</c>) or an element of an <c>L</c>.
    /// </summary>
    internal static void ToEmrTypeKeys(ReadOnlySpan<byte> item, Span<byte> copy)
    {
        const byte Map = 0, Value = 1, List = 2, Other = 3;
        Span<byte> kinds = stackalloc byte[ReaderOptions.MaxDepth + 1];
        int depth = 0;
        byte payload = Other; // what the last type key's value holds
        var reader = new Utf8JsonReader(item, ReaderOptions);
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    bool isObject = reader.TokenType == JsonTokenType.StartObject;
                    byte kind = depth == 0 ? Map : kinds[depth - 1] switch
                    {
                        Map or List => isObject ? Value : throw NotTyped("an attribute value that is not an object"),
                        Value => payload,
                        _ => Other,
                    };
                    kinds[depth++] = kind;
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    depth--;
                    break;
                case JsonTokenType.PropertyName when kinds[depth - 1] == Value:
                    if (reader.ValueIsEscaped) throw NotTyped("an escaped type key");
                    var key = reader.ValueSpan;
                    payload = key.SequenceEqual("M"u8) ? Map : key.SequenceEqual("L"u8) ? List : Other;
                    if (key.Length == 0 || key[0] is < (byte)'A' or > (byte)'Z') throw NotTyped("a type key that is not DynamoDB's");
                    copy[(int)reader.TokenStartIndex + 1] = (byte)(key[0] | 0x20);
                    break;
            }
        }
    }

    private static ArgumentException NotTyped(string what) => new($"The item is not a map of typed attributes (DynamoDB JSON): it has {what}.", "item");

    private Span<byte> Reserve(int length)
    {
        if (_buffer.Length - _length < length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + length));
            _buffer.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
        return _buffer.AsSpan(_length, length);
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        await compressed.WriteAsync(_buffer.AsMemory(0, _length), cancellationToken).ConfigureAwait(false);
        _length = 0;
    }
}
