using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using DynamoDb.Connector.Formats.Json;

namespace DynamoDb.Connector.Formats.Items;

/// <summary>The checks of <see cref="ItemRules.Validate"/> run over an item's wire bytes.</summary>
public static partial class ItemRules
{
    // Deeper than any item DynamoDB takes (32 levels, two JSON levels each), so a too-deep item is found and named.
    private static readonly JsonReaderOptions EncodedReaderOptions = new() { MaxDepth = 1024 };

    /// <summary>
    /// Checks an item to be put in one pass over its bytes, without building it: its size (as <see cref="ItemSize.Of"/>
    /// counts it), the first rule it breaks (the verdict and reason <see cref="Validate"/> gives the same item) and its key
    /// values (with <paramref name="keys"/> null only the key-independent rules run, and no key is read).
    /// </summary>
    /// <exception cref="ArgumentException">The bytes are not a canonical DynamoDB JSON map (not an <see cref="EncodedItem"/> of this package's making).</exception>
    public static EncodedItemCheck Check(EncodedItem item, KeySchema? keys)
    {
        ArgumentNullException.ThrowIfNull(item);
        var json = item.Json.Span;
        try
        {
            return CheckBytes(json, keys);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw NotAMap(e.Message);
        }
    }

    private static EncodedItemCheck CheckBytes(ReadOnlySpan<byte> json, KeySchema? keys)
    {
        // The key names as UTF-8, once: each attribute's name is compared to them as bytes.
        Span<byte> names = stackalloc byte[256];
        var partitionName = Utf8Of(keys?.PartitionKey.Name, ref names);
        var sortName = Utf8Of(keys?.SortKey?.Name, ref names);
        var reader = new Utf8JsonReader(json, EncodedReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw NotAMap("it is not a JSON object");
        long size = 0;
        int count = 0;
        string? attributeProblem = null;
        KeyPart partition = default, sort = default, none = default;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            count++;
            int nameStart = (int)reader.TokenStartIndex;
            long nameBytes = StringBytes(ref reader);
            bool isPartition = keys is not null && reader.ValueTextEquals(partitionName);
            bool isSort = !isPartition && keys?.SortKey is not null && reader.ValueTextEquals(sortName);
            if (nameBytes == 0) attributeProblem ??= EmptyName;
            Next(ref reader);
            Problem? problem = null;
            size += nameBytes + ValueSize(ref reader, json, 0, ref problem, isPartition || isSort, ref isPartition ? ref partition : ref isSort ? ref sort : ref none);
            if (attributeProblem is null && problem is { } found) attributeProblem = found.Within(StringAt(json, nameStart));
        }
        if (reader.Read()) throw NotAMap("there is more JSON after the map");
        string? keyProblem = keys is null ? null
            : KeyProblem(keys.PartitionKey, partition: true, partition.Kind, partition.Bytes)
                ?? (keys.SortKey is { } sortAttribute ? KeyProblem(sortAttribute, partition: false, sort.Kind, sort.Bytes) : null);
        int itemSize = ItemSize.Clamp(size);
        string? verdict = count == 0 ? NoAttributes : keyProblem ?? attributeProblem ?? SizeProblem(itemSize);
        return new EncodedItemCheck(itemSize, verdict, keys is null ? null : ValueOf(partition, keys.PartitionKey), keys?.SortKey is { } sortKeyOf ? ValueOf(sort, sortKeyOf) : null);
    }

    /// <summary>The UTF-8 of <paramref name="name"/> in the front of <paramref name="buffer"/> (which moves past it), or on the heap when it does not fit.</summary>
    private static ReadOnlySpan<byte> Utf8Of(string? name, ref Span<byte> buffer)
    {
        if (name is null) return default;
        if (Encoding.UTF8.GetMaxByteCount(name.Length) > buffer.Length) return Encoding.UTF8.GetBytes(name);
        int written = Encoding.UTF8.GetBytes(name, buffer);
        var utf8 = buffer[..written];
        buffer = buffer[written..];
        return utf8;
    }

    /// <summary>
    /// The size of the typed value the reader is on (its start), leaving the reader on its end; the first problem in it
    /// goes to <paramref name="problem"/> (unless one is there) with its path; with <paramref name="capture"/> its type,
    /// length and key value go to <paramref name="key"/>.
    /// </summary>
    private static long ValueSize(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, int depth, ref Problem? problem, bool capture, ref KeyPart key)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw NotAMap("a value is not a typed value object");
        if (Next(ref reader) == JsonTokenType.EndObject)
        {
            problem ??= Problem.NoType;
            if (capture) key = new KeyPart(AttributeKind.Empty, 0, null);
            return 0;
        }
        if (reader.ValueIsEscaped || !TypeKeys.TryParse(reader.ValueSpan, out var kind)) throw NotAMap("a type key is not one of S N B BOOL NULL SS NS BS L M");
        Next(ref reader);
        long size;
        switch (kind)
        {
            case AttributeKind.S:
                size = StringBytes(ref reader);
                if (capture) key = new KeyPart(kind, size, reader.GetString());
                break;
            case AttributeKind.N:
                var noElements = default(SetElements);
                size = NumberSize(ref reader, ref problem, ref noElements, toElements: false, capture, out var canonical);
                if (capture) key = new KeyPart(kind, 1, canonical);
                break;
            case AttributeKind.B:
                var noBytes = default(SetElements);
                size = BinarySize(ref reader, ref noBytes, toElements: false, capture, out var bytes);
                if (capture) key = new KeyPart(kind, size, bytes);
                break;
            case AttributeKind.Bool:
            case AttributeKind.Null:
                size = ItemSize.ScalarBytes;
                break;
            case AttributeKind.SS:
            case AttributeKind.NS:
            case AttributeKind.BS:
                size = SetSize(ref reader, kind, ref problem);
                break;
            default:
                size = ContainerSize(ref reader, json, kind, depth, ref problem);
                break;
        }
        if (capture && kind is not (AttributeKind.S or AttributeKind.N or AttributeKind.B)) key = new KeyPart(kind, 1, null);
        if (Next(ref reader) != JsonTokenType.EndObject)
        {
            problem ??= Problem.MoreThanOneType;
            while (reader.TokenType == JsonTokenType.PropertyName)
            {
                Next(ref reader);
                reader.Skip();
                Next(ref reader);
            }
        }
        return size;
    }

    /// <summary>A list or map: its overhead, its elements (named, for a map) and their problems, with the path to them.</summary>
    private static long ContainerSize(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, AttributeKind kind, int depth, ref Problem? problem)
    {
        if (TooDeep(depth)) problem ??= Problem.TooDeep;
        KeyPart none = default;
        long size = ItemSize.ContainerBytes;
        var end = kind == AttributeKind.L ? JsonTokenType.EndArray : JsonTokenType.EndObject;
        for (int i = 0; Next(ref reader) != end; i++)
        {
            bool clean = problem is null;
            int nameStart = -1;
            if (kind == AttributeKind.M)
            {
                nameStart = (int)reader.TokenStartIndex;
                size += StringBytes(ref reader);
                Next(ref reader);
            }
            size += ItemSize.ElementBytes + ValueSize(ref reader, json, depth + 1, ref problem, false, ref none);
            if (clean && problem is { } found)
            {
                problem = found with { Path = nameStart < 0 ? $"[{i}]{found.Path}" : $".{StringAt(json, nameStart)}{found.Path}" };
            }
        }
        return size;
    }

    /// <summary>A set: the sum of its elements; empty, a bad number or a duplicate element (by DynamoDB's comparison) is a problem.</summary>
    private static long SetSize(ref Utf8JsonReader reader, AttributeKind kind, ref Problem? problem)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw NotAMap("a set is not an array");
        var elements = new SetElements();
        try
        {
            long size = 0;
            Problem? own = null;
            while (Next(ref reader) != JsonTokenType.EndArray)
            {
                // Each element's comparable form: a string's UTF-8, a number's canonical text, a binary's bytes.
                if (reader.TokenType != JsonTokenType.String) throw NotAMap("a set element is not a string");
                var span = reader.ValueSpan;
                switch (kind)
                {
                    case AttributeKind.SS:
                        int written = reader.ValueIsEscaped ? reader.CopyString(elements.Reserve(span.Length)) : Copy(span, elements.Reserve(span.Length));
                        elements.Commit(written);
                        size += written;
                        break;
                    case AttributeKind.NS:
                        size += NumberSize(ref reader, ref own, ref elements, toElements: true, toString: false, out _);
                        break;
                    default:
                        size += BinarySize(ref reader, ref elements, toElements: true, toArray: false, out _);
                        break;
                }
            }
            if (elements.Count == 0) own ??= Problem.EmptySet(kind);
            else if (own is null && elements.HasDuplicate()) own = Problem.Duplicate(kind);
            problem ??= own;
            return size;
        }
        finally
        {
            elements.Dispose();
        }
    }

    /// <summary>
    /// A number's size; an invalid one is a problem. Its canonical text (<see cref="NumberText.Canonical"/>) goes to the
    /// set's elements or, as a string, to <paramref name="canonical"/> when asked for (the text as it is if it is no number).
    /// </summary>
    private static long NumberSize(ref Utf8JsonReader reader, ref Problem? problem, ref SetElements elements, bool toElements, bool toString, out string? canonical)
    {
        canonical = null;
        if (reader.TokenType != JsonTokenType.String) throw NotAMap("a number is not a string");
        const int Small = 256;
        byte[]? rentedBytes = null;
        char[]? rentedChars = null;
        try
        {
            var bytes = Unescaped(ref reader, ref rentedBytes);
            // The text, then its canonical spelling behind it.
            int needed = bytes.Length + NumberText.CanonicalLength(bytes.Length);
            Span<char> buffer = needed <= Small ? stackalloc char[Small] : (rentedChars = ArrayPool<char>.Shared.Rent(needed));
            var text = buffer[..Encoding.UTF8.GetChars(bytes, buffer)];
            if (!JsonItemParser.IsPlainNumber(bytes) && !NumberText.IsValid(text, out var reason)) problem ??= Problem.BadNumber(reason!);
            if (toElements || toString)
            {
                var spelling = buffer[text.Length..];
                if (NumberText.TryWriteCanonical(text, spelling, out int written)) spelling = spelling[..written];
                else spelling = text;
                if (toString) canonical = new string(spelling);
                if (toElements)
                {
                    var destination = elements.Reserve(spelling.Length);
                    for (int i = 0; i < spelling.Length; i++) destination[i] = (byte)spelling[i];
                    elements.Commit(spelling.Length);
                }
            }
            return ItemSize.OfNumber(text);
        }
        finally
        {
            if (rentedBytes is not null) ArrayPool<byte>.Shared.Return(rentedBytes);
            if (rentedChars is not null) ArrayPool<char>.Shared.Return(rentedChars);
        }
    }

    /// <summary>A binary value's size (its decoded bytes); the bytes go to the set's elements or to <paramref name="value"/> when asked for.</summary>
    private static long BinarySize(ref Utf8JsonReader reader, ref SetElements elements, bool toElements, bool toArray, out byte[]? value)
    {
        value = null;
        if (reader.TokenType != JsonTokenType.String) throw NotAMap("a binary value is not a string");
        byte[]? rented = null;
        try
        {
            var text = Unescaped(ref reader, ref rented);
            if (!Base64.IsValid(text, out int length)) throw NotAMap("a binary value is not valid base64");
            if (toElements)
            {
                Base64.DecodeFromUtf8(text, elements.Reserve(length), out _, out int written);
                elements.Commit(written);
            }
            if (toArray)
            {
                value = new byte[length];
                Base64.DecodeFromUtf8(text, value, out _, out _);
            }
            return length;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The UTF-8 length of the string the reader is on (a name or an S value), unescaped.</summary>
    private static long StringBytes(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName)) throw NotAMap("a string value is not a string");
        if (!reader.ValueIsEscaped) return reader.ValueSpan.Length;
        byte[]? rented = null;
        try
        {
            return Unescaped(ref reader, ref rented).Length;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The string the reader is on, unescaped: its own bytes, or a copy in <paramref name="rented"/> (to return to the pool).</summary>
    private static ReadOnlySpan<byte> Unescaped(ref Utf8JsonReader reader, ref byte[]? rented)
    {
        if (!reader.ValueIsEscaped) return reader.ValueSpan;
        rented = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
        return rented.AsSpan(0, reader.CopyString(rented));
    }

    /// <summary>The JSON string (a name) that starts at <paramref name="start"/>, for a problem's path.</summary>
    private static string StringAt(ReadOnlySpan<byte> json, int start)
    {
        var reader = new Utf8JsonReader(json[start..]);
        reader.Read();
        return reader.GetString()!;
    }

    private static int Copy(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        source.CopyTo(destination);
        return source.Length;
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw NotAMap("it ends in the middle");

    private static ArgumentException NotAMap(string reason) =>
        new($"The bytes are not a canonical DynamoDB JSON map: {reason}.", "item");

    private static object? ValueOf(KeyPart part, KeyAttribute key) =>
        part.Kind == KindOf(key.Type) ? part.Value : null;

    /// <summary>A key attribute as found: its type, its length (string and binary; 1 otherwise) and, when of a key's type, its value.</summary>
    private readonly record struct KeyPart(AttributeKind? Kind, long Bytes, object? Value);

    /// <summary>The comparable forms of a set's elements, in pooled buffers, to find a duplicate without a string per element.</summary>
    private struct SetElements
    {
        private const int SmallSet = 16;
        private byte[]? _bytes;
        private int[]? _ends;
        private int _length;

        public int Count { get; private set; }

        public Span<byte> Reserve(int max)
        {
            if (_bytes is null || _bytes.Length - _length < max) Grow(ref _bytes, _length, _length + max);
            return _bytes.AsSpan(_length, max);
        }

        public void Commit(int written)
        {
            _length += written;
            if (_ends is null || _ends.Length == Count) Grow(ref _ends, Count, Count + 1);
            _ends[Count++] = _length;
        }

        public readonly bool HasDuplicate()
        {
            if (Count <= SmallSet)
            {
                for (int i = 1; i < Count; i++)
                {
                    for (int j = 0; j < i; j++)
                    {
                        if (Element(i).SequenceEqual(Element(j))) return true;
                    }
                }
                return false;
            }
            // Sorted by hash, equal elements are neighbours among equal hashes.
            long[] order = ArrayPool<long>.Shared.Rent(Count);
            try
            {
                for (int i = 0; i < Count; i++)
                {
                    var hash = new HashCode();
                    hash.AddBytes(Element(i));
                    order[i] = ((long)hash.ToHashCode() << 32) | (uint)i;
                }
                var sorted = order.AsSpan(0, Count);
                sorted.Sort();
                for (int i = 1; i < sorted.Length; i++)
                {
                    for (int j = i - 1; j >= 0 && sorted[j] >> 32 == sorted[i] >> 32; j--)
                    {
                        if (Element((int)sorted[i]).SequenceEqual(Element((int)sorted[j]))) return true;
                    }
                }
                return false;
            }
            finally
            {
                ArrayPool<long>.Shared.Return(order);
            }
        }

        public readonly void Dispose()
        {
            if (_bytes is not null) ArrayPool<byte>.Shared.Return(_bytes);
            if (_ends is not null) ArrayPool<int>.Shared.Return(_ends);
        }

        private readonly ReadOnlySpan<byte> Element(int index) =>
            _bytes.AsSpan()[(index == 0 ? 0 : _ends![index - 1]).._ends![index]];

        private static void Grow<T>([System.Diagnostics.CodeAnalysis.NotNull] ref T[]? array, int used, int needed)
        {
            var larger = ArrayPool<T>.Shared.Rent(Math.Max(needed, array is null ? 64 : array.Length * 2));
            if (array is not null)
            {
                array.AsSpan(0, used).CopyTo(larger);
                ArrayPool<T>.Shared.Return(array);
            }
            array = larger;
        }
    }
}
