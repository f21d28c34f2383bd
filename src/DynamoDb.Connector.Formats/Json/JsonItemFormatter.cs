using System.Buffers;
using System.Buffers.Text;
using System.Text;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Streams;

namespace DynamoDb.Connector.Formats.Json;

/// <summary>
/// Writes items as compact JSON into a pooled buffer, byte for byte as the EMR connector's Gson does (HTML escaping
/// off): <c>"</c> and <c>\</c> escaped, <c>\b \t \n \f \r</c> as short escapes, other control characters as
/// <c>\u00xx</c> (lower-case hex), U+2028 and U+2029 escaped, everything else raw UTF-8. (System.Text.Json's relaxed
/// encoder also escapes DEL, C1 controls, U+00A0, unassigned code points and every non-BMP character such as emoji,
/// and uses upper-case hex, so strings are written here instead.)
/// For a host writing lines of its own in the same spelling (the connector's dead-letter lines are written with it):
/// write an item and the JSON around it, take <see cref="Written"/>, <see cref="Truncate"/> for the next line. Not
/// thread-safe; dispose it to return its buffer to the pool.
/// </summary>
public sealed class JsonItemFormatter : IDisposable
{
    private static readonly SearchValues<char> NeedsEscape = SearchValues.Create(
        "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f" +
        "\"\\\u2028\u2029");

    /// <summary>The UTF-8 bytes of <see cref="NeedsEscape"/>: control characters, '"', '\', and 0xE2, which starts U+2028 and U+2029.</summary>
    private static readonly SearchValues<byte> NeedsEscapeUtf8 = SearchValues.Create([.. Enumerable.Range(0, 0x20).Select(c => (byte)c), (byte)'"', (byte)'\\', 0xE2]);

    private readonly byte[][] _openers;
    private byte[] _buffer;
    private int _length;
    private BinarySink? _binarySink;

    /// <summary>Creates a formatter with an empty buffer.</summary>
    /// <param name="dynamoDbKeys">Upper-case DynamoDB type keys (<c>S</c>) instead of the EMR spelling (<c>s</c>, <c>bOOL</c>).</param>
    public JsonItemFormatter(bool dynamoDbKeys)
        : this(dynamoDbKeys, 64 * 1024)
    {
    }

    /// <summary>A formatter whose buffer starts at <paramref name="initialBytes"/> (it grows as needed).</summary>
    internal JsonItemFormatter(bool dynamoDbKeys, int initialBytes)
    {
        _openers = dynamoDbKeys ? TypeKeys.DynamoDbOpeners : TypeKeys.EmrOpeners;
        _buffer = ArrayPool<byte>.Shared.Rent(initialBytes);
    }

    /// <summary>Bytes written and not yet taken.</summary>
    public int Length => _length;

    /// <summary>The bytes written so far.</summary>
    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _length);

    /// <summary>The bytes written so far, as a span.</summary>
    internal ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>Forgets the bytes from <paramref name="length"/> on (everything, by default).</summary>
    public void Truncate(int length = 0) => _length = length;

    /// <summary>Writes raw bytes.</summary>
    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _length += bytes.Length;
    }

    /// <summary>Writes <c>{"name":value,...}</c>.</summary>
    /// <exception cref="AttributePathException">A value has no type set.</exception>
    public void WriteMap(Dictionary<string, AttributeValue> map)
    {
        WriteByte((byte)'{');
        bool first = true;
        foreach (var (name, value) in map)
        {
            if (!first) WriteByte((byte)',');
            first = false;
            WriteString(name);
            WriteByte((byte)':');
            try
            {
                WriteValue(value);
            }
            catch (AttributePathException e)
            {
                throw e.Within(name);
            }
        }
        WriteByte((byte)'}');
    }

    internal void WriteValue(AttributeValue value)
    {
        if (value is null)
        {
            throw new AttributePathException("the value is null");
        }
        var kind = AttributeValues.KindOf(value);
        if (kind == AttributeKind.Empty)
        {
            throw new AttributePathException("the value has no type set (DynamoDB rejects empty attribute values)");
        }
        WriteRaw(_openers[(int)kind]);
        switch (kind)
        {
            case AttributeKind.S:
                WriteString(value.S);
                break;
            case AttributeKind.N:
                WriteNumber(value.N);
                break;
            case AttributeKind.B:
                WriteBase64(value.B);
                break;
            case AttributeKind.Bool:
                WriteRaw(value.BOOL == true ? "true"u8 : "false"u8);
                break;
            case AttributeKind.Null:
                WriteRaw("true"u8);
                break;
            case AttributeKind.SS:
                WriteStrings(value.SS);
                break;
            case AttributeKind.NS:
                WriteByte((byte)'[');
                for (int i = 0; i < value.NS.Count; i++)
                {
                    if (i > 0) WriteByte((byte)',');
                    WriteNumber(value.NS[i]);
                }
                WriteByte((byte)']');
                break;
            case AttributeKind.BS:
                WriteByte((byte)'[');
                for (int i = 0; i < value.BS.Count; i++)
                {
                    if (i > 0) WriteByte((byte)',');
                    WriteBase64(value.BS[i]);
                }
                WriteByte((byte)']');
                break;
            case AttributeKind.L:
                WriteByte((byte)'[');
                for (int i = 0; i < value.L.Count; i++)
                {
                    if (i > 0) WriteByte((byte)',');
                    try
                    {
                        WriteValue(value.L[i]);
                    }
                    catch (AttributePathException e)
                    {
                        throw e.Within($"[{i}]");
                    }
                }
                WriteByte((byte)']');
                break;
            default:
                WriteMap(value.M);
                break;
        }
        WriteByte((byte)'}');
    }

    private void WriteStrings(List<string> strings)
    {
        WriteByte((byte)'[');
        for (int i = 0; i < strings.Count; i++)
        {
            if (i > 0) WriteByte((byte)',');
            WriteString(strings[i]);
        }
        WriteByte((byte)']');
    }

    /// <summary>Writes a number as a JSON string, after checking it: a file that cannot be read back is worse than an error now.</summary>
    private void WriteNumber(string text)
    {
        if (!NumberText.IsValid(text, out var reason))
        {
            throw new AttributePathException(reason!);
        }
        WriteString(text);
    }

    /// <summary>Writes a quoted, escaped JSON string.</summary>
    public void WriteString(string text)
    {
        WriteByte((byte)'"');
        ReadOnlySpan<char> rest = text;
        while (true)
        {
            int escape = rest.IndexOfAny(NeedsEscape);
            var plain = escape < 0 ? rest : rest[..escape];
            if (!plain.IsEmpty)
            {
                // Escapes split only at BMP non-surrogates, so surrogate pairs stay whole.
                _length += Encoding.UTF8.GetBytes(plain, GetSpan(plain.Length * 3));
            }
            if (escape < 0)
            {
                break;
            }
            WriteEscape(rest[escape]);
            rest = rest[(escape + 1)..];
        }
        WriteByte((byte)'"');
    }

    /// <summary>
    /// Writes valid UTF-8 text as a quoted string, byte for byte as <see cref="WriteString"/> writes the same text
    /// (the readers transcode lines with it without making a string).
    /// </summary>
    internal void WriteUtf8String(ReadOnlySpan<byte> utf8)
    {
        WriteByte((byte)'"');
        while (true)
        {
            // 0xE2 starts U+2028 and U+2029 (E2 80 A8/A9), which are escaped; other characters it starts are not.
            int escape = utf8.IndexOfAny(NeedsEscapeUtf8);
            var plain = escape < 0 ? utf8 : utf8[..escape];
            if (!plain.IsEmpty)
            {
                WriteRaw(plain);
            }
            if (escape < 0)
            {
                break;
            }
            if (utf8[escape] == 0xE2)
            {
                if (utf8.Length - escape >= 3 && utf8[escape + 1] == 0x80 && utf8[escape + 2] is 0xA8 or 0xA9)
                {
                    WriteEscape(utf8[escape + 2] == 0xA8 ? '\u2028' : '\u2029');
                }
                else
                {
                    WriteRaw(utf8.Slice(escape, Math.Min(3, utf8.Length - escape)));
                }
                utf8 = utf8[Math.Min(utf8.Length, escape + 3)..];
                continue;
            }
            WriteEscape((char)utf8[escape]);
            utf8 = utf8[(escape + 1)..];
        }
        WriteByte((byte)'"');
    }

    private void WriteEscape(char c)
    {
        switch (c)
        {
            case '"': WriteRaw("\\\""u8); return;
            case '\\': WriteRaw("\\\\"u8); return;
            case '\b': WriteRaw("\\b"u8); return;
            case '\t': WriteRaw("\\t"u8); return;
            case '\n': WriteRaw("\\n"u8); return;
            case '\f': WriteRaw("\\f"u8); return;
            case '\r': WriteRaw("\\r"u8); return;
        }
        var span = GetSpan(6);
        "\\u"u8.CopyTo(span);
        const string Hex = "0123456789abcdef";
        span[2] = (byte)Hex[(c >> 12) & 0xF];
        span[3] = (byte)Hex[(c >> 8) & 0xF];
        span[4] = (byte)Hex[(c >> 4) & 0xF];
        span[5] = (byte)Hex[c & 0xF];
        _length += 6;
    }

    /// <summary>Writes binary as a quoted base64 string.</summary>
    public void WriteBase64(MemoryStream stream)
    {
        if (stream.TryGetBuffer(out var segment))
        {
            WriteBase64(segment.AsSpan(0, (int)stream.Length));
        }
        else if (stream.GetType() == typeof(MemoryStream) && stream.Length > 0)
        {
            // A MemoryStream over a private array (new MemoryStream(bytes)) hides its buffer; its WriteTo hands all
            // of its bytes over in one write, without copying them to a new array or touching its Position.
            // (Subclasses may write in pieces, which would break the base64 groups: they get copied below.)
            _binarySink ??= new BinarySink(this);
            stream.WriteTo(_binarySink);
        }
        else
        {
            WriteBase64(stream.ToArray());
        }
    }

    internal void WriteBase64(ReadOnlySpan<byte> bytes)
    {
        WriteByte((byte)'"');
        Base64.EncodeToUtf8(bytes, GetSpan(Base64.GetMaxEncodedToUtf8Length(bytes.Length)), out _, out int written);
        _length += written;
        WriteByte((byte)'"');
    }

    /// <summary>Writes ASCII text as it is (a number's digits).</summary>
    public void WriteAscii(string text)
    {
        var span = GetSpan(text.Length);
        for (int i = 0; i < text.Length; i++) span[i] = (byte)text[i];
        _length += text.Length;
    }

    /// <summary>Writes one byte.</summary>
    public void WriteByte(byte value)
    {
        if (_length == _buffer.Length) Grow(1);
        _buffer[_length++] = value;
    }

    private Span<byte> GetSpan(int size)
    {
        if (_buffer.Length - _length < size) Grow(size);
        return _buffer.AsSpan(_length);
    }

    private void Grow(int size)
    {
        var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Array.MaxLength, Math.Max((long)_buffer.Length * 2, (long)_length + size)));
        _buffer.AsSpan(0, _length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }

    /// <summary>Returns the buffer to the pool; the formatter cannot be used after.</summary>
    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _length = 0;
    }

    /// <summary>Receives a hidden MemoryStream's bytes from <see cref="MemoryStream.WriteTo"/> and writes them as base64.</summary>
    private sealed class BinarySink(JsonItemFormatter owner) : WriteOnlyStream
    {
        public override void Write(byte[] buffer, int offset, int count) => owner.WriteBase64(buffer.AsSpan(offset, count));
    }
}
