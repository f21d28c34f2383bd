using System.Buffers;
using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using DynamoDb.Connector.Formats.Items;

namespace DynamoDb.Connector.Formats.Json;

/// <summary>
/// The typed attribute values of a line: maps, scalars, sets, lists, and the checks on each. Every rule of a value is
/// here, once: a value is checked while it is transcoded into its canonical DynamoDB JSON (<see cref="_output"/>), and
/// an <see cref="Amazon.DynamoDBv2.Model.AttributeValue"/> graph is only ever decoded from those checked bytes.
/// </summary>
public sealed partial class JsonItemParser
{
    /// <summary>Up to this many names a map's names are compared one by one; beyond, they go into a hash set.</summary>
    private const int SmallMap = 16;

    /// <summary>The canonical bytes of the line's item(s), written as the line is read.</summary>
    private readonly JsonItemFormatter _output = new(dynamoDbKeys: true, initialBytes: 4096);

    /// <summary>Where each name of the maps being written is in <see cref="_output"/> (a stack: a nested map's names follow its parent's).</summary>
    private readonly List<long> _nameRanges = [];

    /// <summary>Where each element of the set being written is in <see cref="_output"/> (sets hold scalars: never nested).</summary>
    private readonly List<long> _elementRanges = [];
    private readonly List<string> _setElements = [];
    private byte[] _text = new byte[256];
    private byte[] _binary = new byte[256];
    private NameRangeComparer? _nameComparer;

    /// <summary>Writes the map the reader is on (at its StartObject) as canonical JSON; returns its number of attributes.</summary>
    private int WriteMap(ref Utf8JsonReader reader)
    {
        _output.WriteByte((byte)'{');
        int first = _nameRanges.Count;
        HashSet<long>? large = null;
        int count = 0;
        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            if (count > 0) _output.WriteByte((byte)',');
            int start = _output.Length;
            WriteName(ref reader);
            long name = Range(start);
            _output.WriteByte((byte)':');
            Next(ref reader);
            try
            {
                WriteValue(ref reader);
            }
            catch (AttributePathException e)
            {
                throw e.Within(TextAt(name));
            }
            if (!AddName(name, first, ref large))
            {
                throw new AttributePathException("appears twice in the same map").Within(TextAt(name));
            }
            count++;
        }
        _output.WriteByte((byte)'}');
        CollectionsMarshal.SetCount(_nameRanges, first);
        return count;
    }

    private void WriteName(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped)
        {
            _output.WriteUtf8String(Unescape(ref reader, AttributeKind.Empty, -1));
            return;
        }
        var name = reader.ValueSpan;
        NameCache.EnsureValid(name);
        _output.WriteUtf8String(name);
    }

    private void WriteValue(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new AttributePathException($"the value is {JsonDocumentParser.Describe(reader.TokenType)}, not a typed value such as {{\"S\":\"text\"}} (plain JSON values are read with --format json)");
        }
        if (Next(ref reader) == JsonTokenType.EndObject)
        {
            throw new AttributePathException("the typed value has no type key; it needs exactly one, such as {\"S\":\"text\"}");
        }
        var kind = ReadTypeKey(ref reader);
        Next(ref reader);
        _output.WriteRaw(TypeKeys.DynamoDbOpeners[(int)kind]);
        switch (kind)
        {
            case AttributeKind.S:
                if (reader.TokenType != JsonTokenType.String)
                {
                    throw new AttributePathException($"the S value is {JsonDocumentParser.Describe(reader.TokenType)}, expected a string");
                }
                WriteText(ref reader, kind, -1);
                break;
            case AttributeKind.N:
                if (reader.TokenType != JsonTokenType.String)
                {
                    throw new AttributePathException($"the N value is {JsonDocumentParser.Describe(reader.TokenType)}, expected a string holding the number's text");
                }
                WriteNumber(ref reader, -1);
                break;
            case AttributeKind.B:
                if (reader.TokenType != JsonTokenType.String)
                {
                    throw new AttributePathException($"the B value is {JsonDocumentParser.Describe(reader.TokenType)}, expected a base64 string");
                }
                WriteBinary(ref reader, kind);
                break;
            case AttributeKind.Bool:
                _output.WriteRaw(reader.TokenType switch
                {
                    JsonTokenType.True => "true"u8,
                    JsonTokenType.False => "false"u8,
                    _ => throw new AttributePathException($"the BOOL value is {JsonDocumentParser.Describe(reader.TokenType)}, expected true or false"),
                });
                break;
            case AttributeKind.Null:
                _output.WriteRaw(reader.TokenType switch
                {
                    JsonTokenType.True => "true"u8,
                    JsonTokenType.False => throw new AttributePathException("the NULL value is false; DynamoDB only has NULL: true"),
                    _ => throw new AttributePathException($"the NULL value is {JsonDocumentParser.Describe(reader.TokenType)}, expected true"),
                });
                break;
            case AttributeKind.SS or AttributeKind.NS or AttributeKind.BS:
                WriteSet(ref reader, kind);
                break;
            case AttributeKind.L:
                WriteList(ref reader);
                break;
            default:
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    throw new AttributePathException($"the M value is {JsonDocumentParser.Describe(reader.TokenType)}, expected an object of typed values");
                }
                WriteMap(ref reader);
                break;
        }
        if (Next(ref reader) != JsonTokenType.EndObject)
        {
            throw new AttributePathException($"the typed value has more than one type key ('{JsonDocumentParser.Name(kind)}' and '{Excerpt(JsonText.GetString(ref reader, "its second type key"))}')");
        }
        _output.WriteByte((byte)'}');
    }

    private static AttributeKind ReadTypeKey(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped && TypeKeys.TryParse(reader.ValueSpan, out var kind))
        {
            return kind;
        }
        string key = JsonText.GetString(ref reader, "the type key");
        if (reader.ValueIsEscaped && TypeKeys.TryParse(Encoding.UTF8.GetBytes(key), out kind))
        {
            return kind;
        }
        throw new AttributePathException($"unknown type key '{Excerpt(key)}'; expected one of S, N, B, BOOL, NULL, SS, NS, BS, L, M");
    }

    /// <summary>Writes the string the reader is on, canonically escaped, after checking it is Unicode.</summary>
    private void WriteText(ref Utf8JsonReader reader, AttributeKind kind, int element)
    {
        var text = reader.ValueIsEscaped ? Unescape(ref reader, kind, element) : reader.ValueSpan;
        if (!reader.ValueIsEscaped && !Utf8.IsValid(text))
        {
            throw new AttributePathException(JsonText.Problem(reader.ValueSpan, escaped: false, Subject(kind, element)));
        }
        _output.WriteUtf8String(text);
    }

    /// <summary>The unescaped UTF-8 of the string the reader is on (valid: checked here), in a buffer reused by the next call.</summary>
    private ReadOnlySpan<byte> Unescape(ref Utf8JsonReader reader, AttributeKind kind, int element)
    {
        var raw = reader.ValueSpan;
        if (_text.Length < raw.Length) _text = new byte[Math.Max(raw.Length, _text.Length * 2)];
        int length;
        try
        {
            length = reader.CopyString(_text);
        }
        catch (InvalidOperationException)
        {
            throw new AttributePathException(JsonText.Problem(raw, escaped: true, Subject(kind, element)));
        }
        return Utf8.IsValid(_text.AsSpan(0, length))
            ? _text.AsSpan(0, length)
            : throw new AttributePathException(JsonText.Problem(raw, escaped: true, Subject(kind, element)));
    }

    /// <summary>What a string is, for a message: "an attribute name" (kind Empty), "the S value", "SS element 2".</summary>
    private static string Subject(AttributeKind kind, int element) =>
        kind == AttributeKind.Empty ? "an attribute name"
        : element < 0 ? $"the {JsonDocumentParser.Name(kind)} value"
        : $"{JsonDocumentParser.Name(kind)} element {element}";

    /// <summary>Writes the number the reader is on (a string) as given, after checking DynamoDB takes it.</summary>
    private void WriteNumber(ref Utf8JsonReader reader, int element)
    {
        if (!reader.ValueIsEscaped && IsPlainNumber(reader.ValueSpan))
        {
            _output.WriteUtf8String(reader.ValueSpan);
            return;
        }
        string text = JsonText.GetString(ref reader, Subject(element < 0 ? AttributeKind.N : AttributeKind.NS, element));
        if (!NumberText.IsValid(text, out var reason))
        {
            throw new AttributePathException(element < 0 ? reason! : $"NS element {element}: {reason}");
        }
        _output.WriteString(text);
    }

    /// <summary>
    /// The common case, decided on the bytes in a few nanoseconds (NumberText.IsValid takes several times longer):
    /// an optional '-', digits and at most one '.', at most 38 bytes. Such a number has at most 38 significant digits
    /// and lies between 1E-37 and 1E38, so DynamoDB accepts it. Anything else goes through the full check.
    /// </summary>
    internal static bool IsPlainNumber(ReadOnlySpan<byte> text)
    {
        if (text.IsEmpty || text.Length > NumberText.MaxSignificantDigits)
        {
            return false;
        }
        bool point = false, digit = false;
        for (int i = text[0] == (byte)'-' ? 1 : 0; i < text.Length; i++)
        {
            byte c = text[i];
            if ((uint)(c - '0') <= 9) digit = true;
            else if (c == (byte)'.' && !point) point = true;
            else return false;
        }
        return digit;
    }

    /// <summary>Writes the base64 string the reader is on in its canonical form (the encoding of the bytes it decodes to).</summary>
    private void WriteBinary(ref Utf8JsonReader reader, AttributeKind kind)
    {
        var text = reader.ValueIsEscaped ? Unescape(ref reader, kind, -1) : reader.ValueSpan;
        int most = Base64.GetMaxDecodedFromUtf8Length(text.Length);
        if (_binary.Length < most) _binary = new byte[Math.Max(most, _binary.Length * 2)];
        if (Base64.DecodeFromUtf8(text, _binary, out _, out int written) != OperationStatus.Done)
        {
            throw new AttributePathException($"'{Excerpt(Encoding.UTF8.GetString(text))}' is not valid base64 (standard alphabet, '=' padding)");
        }
        _output.WriteBase64(_binary.AsSpan(0, written));
    }

    private void WriteSet(ref Utf8JsonReader reader, AttributeKind kind)
    {
        string name = JsonDocumentParser.Name(kind);
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new AttributePathException(kind == AttributeKind.BS
                ? $"the BS value is {JsonDocumentParser.Describe(reader.TokenType)}, expected an array of base64 strings"
                : $"the {name} value is {JsonDocumentParser.Describe(reader.TokenType)}, expected an array of strings");
        }
        _output.WriteByte((byte)'[');
        _elementRanges.Clear();
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            int element = _elementRanges.Count;
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new AttributePathException($"{name} element {element} is {JsonDocumentParser.Describe(reader.TokenType)}, expected {(kind == AttributeKind.BS ? "a base64 string" : "a string")}");
            }
            if (element > 0) _output.WriteByte((byte)',');
            int start = _output.Length;
            switch (kind)
            {
                case AttributeKind.SS: WriteText(ref reader, kind, element); break;
                case AttributeKind.NS: WriteNumber(ref reader, element); break;
                default: WriteBinary(ref reader, kind); break;
            }
            _elementRanges.Add(Range(start));
        }
        _output.WriteByte((byte)']');
        if (_elementRanges.Count < 2)
        {
            return;
        }
        // DynamoDB compares set numbers by value: "1.5" and "1.50" are the same element.
        _setElements.Clear();
        foreach (long range in _elementRanges) _setElements.Add(TextAt(range));
        if (FindDuplicate(_setElements, numbers: kind == AttributeKind.NS) is int duplicate)
        {
            throw new AttributePathException($"the {name} set has the element '{Excerpt(_setElements[duplicate])}' twice; set elements must be distinct");
        }
    }

    private void WriteList(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new AttributePathException($"the L value is {JsonDocumentParser.Describe(reader.TokenType)}, expected an array of typed values");
        }
        _output.WriteByte((byte)'[');
        int count = 0;
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            if (count > 0) _output.WriteByte((byte)',');
            try
            {
                WriteValue(ref reader);
            }
            catch (AttributePathException e)
            {
                throw e.Within($"[{count}]");
            }
            count++;
        }
        _output.WriteByte((byte)']');
    }

    /// <summary>Records a map's name; false when the map (whose names start at <paramref name="first"/>) has it already.</summary>
    private bool AddName(long name, int first, ref HashSet<long>? large)
    {
        if (large is not null)
        {
            return large.Add(name);
        }
        var bytes = Bytes(name);
        for (int i = first; i < _nameRanges.Count; i++)
        {
            if (Bytes(_nameRanges[i]).SequenceEqual(bytes)) return false;
        }
        if (_nameRanges.Count - first < SmallMap)
        {
            _nameRanges.Add(name);
            return true;
        }
        // A large map: hashing keeps it linear. Names written canonically are equal exactly when their text is.
        large = new HashSet<long>(_nameComparer ??= new NameRangeComparer(_output));
        for (int i = first; i < _nameRanges.Count; i++) large.Add(_nameRanges[i]);
        return large.Add(name);
    }

    /// <summary>From <paramref name="start"/> to the end of what is written, as one number (start, length).</summary>
    private long Range(int start) => ((long)start << 32) | (uint)(_output.Length - start);

    private ReadOnlySpan<byte> Bytes(long range) => _output.WrittenSpan.Slice((int)(range >> 32), (int)range);

    /// <summary>The text of a string written at <paramref name="range"/> (quotes and escapes included).</summary>
    private string TextAt(long range)
    {
        var reader = new Utf8JsonReader(Bytes(range));
        reader.Read();
        return reader.GetString()!;
    }

    /// <summary>Compares names by their bytes in the output, wherever its buffer is now.</summary>
    private sealed class NameRangeComparer(JsonItemFormatter output) : IEqualityComparer<long>
    {
        public bool Equals(long x, long y) => Span(x).SequenceEqual(Span(y));

        public int GetHashCode(long range)
        {
            var hash = new HashCode();
            hash.AddBytes(Span(range));
            return hash.ToHashCode();
        }

        private ReadOnlySpan<byte> Span(long range) => output.WrittenSpan.Slice((int)(range >> 32), (int)range);
    }
}
