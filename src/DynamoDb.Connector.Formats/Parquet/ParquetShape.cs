using System.Globalization;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using Parquet.Schema;

namespace DynamoDb.Connector.Formats.Parquet;

/// <summary>What a Parquet value (a column, or a part of a nested one) holds.</summary>
internal enum ParquetShapeKind
{
    /// <summary>Only nulls seen so far (inferring); written as a string that is always null.</summary>
    Unknown,
    String,
    Int64,
    Decimal,
    Binary,
    Bool,
    /// <summary>A LIST: L, or a set (SS, NS, BS) of its element type.</summary>
    List,
    /// <summary>A STRUCT: M whose keys are few and whose values agree by key.</summary>
    Struct,
    /// <summary>A MAP&lt;string, value&gt;: M with many keys (or an empty-string key, or none ever) whose values agree with each other.</summary>
    Map,
}

/// <summary>An element of an NS: its number's text.</summary>
internal sealed record SetNumber(string Text);

/// <summary>
/// The Parquet type of a DynamoDB value, inferred from the values it must hold (<see cref="Add"/> one by one, then
/// <see cref="Finish"/>): scalars by their type (numbers int64 when every one is a 64-bit integer, else decimal(38,s)
/// when every one is exact in a .NET decimal), L and sets a LIST of their elements' merged shape, M a STRUCT of its keys'
/// merged shapes (a MAP&lt;string, merged values&gt; past <see cref="MaxStructFields"/> keys). NULL is a Parquet null. A
/// value that disagrees (a number in one item, a map in another; a number a decimal cannot hold exactly) is a conflict,
/// returned as a reason naming the attribute path and both types.
/// </summary>
internal sealed class ParquetShape
{
    /// <summary>The most keys an M may have across a row group and still be a STRUCT; more are a MAP.</summary>
    public const int MaxStructFields = 100;

    private readonly List<KeyValuePair<string, ParquetShape>> _fields = [];
    private readonly Dictionary<string, ParquetShape> _byName = new(StringComparer.Ordinal);
    private bool _numbersAreLong = true;

    public ParquetShape()
    {
    }

    /// <summary>A finished shape, as a schema file gives it: a scalar (with a decimal's scale), a list's or map's element, a struct's fields.</summary>
    public ParquetShape(ParquetShapeKind kind, int scale = 0, ParquetShape? element = null, IEnumerable<KeyValuePair<string, ParquetShape>>? fields = null)
    {
        Kind = kind;
        Scale = scale;
        Element = element;
        _numbersAreLong = kind != ParquetShapeKind.Decimal;
        foreach (var field in fields ?? [])
        {
            _fields.Add(field);
            _byName[field.Key] = field.Value;
        }
    }

    public ParquetShapeKind Kind { get; private set; }

    /// <summary>A decimal's scale.</summary>
    public int Scale { get; private set; }

    /// <summary>A list's element or a map's value.</summary>
    public ParquetShape? Element { get; private set; }

    /// <summary>A struct's fields, in first-seen order.</summary>
    public IReadOnlyList<KeyValuePair<string, ParquetShape>> Fields => _fields;

    public ParquetShape? FieldNamed(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Adds one value (an <see cref="AttributeValue"/>, or a set's element, see <see cref="Elements"/>); returns a conflict, or null.</summary>
    public string? Add(object? value, string path)
    {
        var (kind, text) = KindOf(value);
        if (kind is null) return null;
        string? conflict = Become(kind.Value, value!, path);
        if (conflict is not null) return conflict;
        if (kind is ParquetShapeKind.Int64 && text is not null) return AddNumber(text, path);
        if (value is not AttributeValue a) return null;
        switch (kind)
        {
            case ParquetShapeKind.List:
                Element ??= new ParquetShape();
                int i = 0;
                foreach (object element in Elements(a))
                {
                    if (Element.Add(element, $"{path}[{i++}]") is { } c) return c;
                }
                return null;
            case ParquetShapeKind.Struct:
                foreach (var (key, v) in a.M)
                {
                    if (FieldFor(key).Add(v, $"{path}.{key}") is { } c) return c;
                }
                return null;
        }
        return null;
    }

    /// <summary>Settles what inference left open: only nulls a string, a struct with too many or unnamed keys (or none) a map; returns a conflict, or null.</summary>
    public string? Finish(string path)
    {
        switch (Kind)
        {
            case ParquetShapeKind.Unknown:
                Kind = ParquetShapeKind.String;
                return null;
            case ParquetShapeKind.Int64 when !_numbersAreLong:
                Kind = ParquetShapeKind.Decimal;
                return null;
            case ParquetShapeKind.List:
                return Element!.Finish($"{path}[]");
            case ParquetShapeKind.Struct when _fields.Count == 0 || _fields.Count > MaxStructFields || _byName.ContainsKey(""):
                var value = new ParquetShape();
                foreach (var (key, field) in _fields)
                {
                    if (value.Merge(field, $"{path}.{key}") is { } c) return $"{c} (its {_fields.Count} keys make it a MAP, whose values must agree)";
                }
                Kind = ParquetShapeKind.Map;
                Element = value;
                _fields.Clear();
                _byName.Clear();
                return value.Finish($"{path}.*");
            case ParquetShapeKind.Struct:
                foreach (var (key, field) in _fields)
                {
                    if (field.Finish($"{path}.{key}") is { } c) return c;
                }
                return null;
        }
        return null;
    }

    /// <summary>The Parquet field of this shape, named <paramref name="name"/>; every level nullable.</summary>
    public Field ToField(string name) => Kind switch
    {
        ParquetShapeKind.String or ParquetShapeKind.Unknown => new DataField<string>(name),
        ParquetShapeKind.Int64 => new DataField<long?>(name),
        ParquetShapeKind.Decimal => new DecimalDataField(name, ParquetColumn.Precision, Scale, isNullable: true),
        ParquetShapeKind.Binary => new DataField<byte[]>(name),
        ParquetShapeKind.Bool => new DataField<bool?>(name),
        ParquetShapeKind.List => new ListField(name, Element!.ToField("element")),
        ParquetShapeKind.Struct => new StructField(name, [.. _fields.Select(f => f.Value.ToField(f.Key))]),
        ParquetShapeKind.Map => new MapField(name, new DataField<string>("key", false), Element!.ToField("value")),
        _ => throw new InvalidOperationException($"Unknown shape {Kind}."),
    };

    /// <summary>Why <paramref name="value"/> does not fit this (finished) shape, or null when it does.</summary>
    public string? Misfit(object? value, string path)
    {
        var (kind, text) = KindOf(value);
        if (kind is null) return null;
        var expected = Kind == ParquetShapeKind.Decimal ? ParquetShapeKind.Int64 : Kind == ParquetShapeKind.Map ? ParquetShapeKind.Struct : Kind;
        if (kind != expected) return $"{path} holds {Describe(value!)}, but its column was made {Describe()}";
        if (text is not null)
        {
            if (Kind == ParquetShapeKind.Int64 && !IsLong(text)) return $"{path}: the number {text} is not an integer of 64 bits, but its column was made int64";
            if (Kind == ParquetShapeKind.Decimal && (ParquetColumn.ExactDecimal(text) is not { } d || d.Scale > Scale))
                return $"{path}: the number {text} does not fit its column, {Describe()}";
            return null;
        }
        if (value is not AttributeValue a || Kind is not (ParquetShapeKind.List or ParquetShapeKind.Struct or ParquetShapeKind.Map)) return null;
        if (Kind == ParquetShapeKind.List)
        {
            int i = 0;
            foreach (object element in Elements(a))
            {
                if (Element!.Misfit(element, $"{path}[{i++}]") is { } why) return why;
            }
            return null;
        }
        foreach (var (key, v) in a.M)
        {
            var field = Kind == ParquetShapeKind.Map ? Element : _byName.GetValueOrDefault(key);
            if (field is null) return $"{path}.{key} is not in the file's schema ({Describe()})";
            if (field.Misfit(v, $"{path}.{key}") is { } why) return why;
        }
        return null;
    }

    /// <summary>The shape as a type: <c>decimal(38,2)</c>, <c>list&lt;string&gt;</c>, <c>struct&lt;a: int64&gt;</c>.</summary>
    public string Describe() => Kind switch
    {
        ParquetShapeKind.Decimal => $"decimal({ParquetColumn.Precision},{Scale})",
        ParquetShapeKind.List => $"list<{Element!.Describe()}>",
        ParquetShapeKind.Map => $"map<string, {Element!.Describe()}>",
        ParquetShapeKind.Struct => $"struct<{string.Join(", ", _fields.Take(5).Select(f => $"{f.Key}: {f.Value.Describe()}"))}{(_fields.Count > 5 ? ", ..." : "")}>",
        ParquetShapeKind.Unknown => "string",
        _ => Kind.ToString().ToLowerInvariant(),
    };

    /// <summary>The elements of an L or a set: AttributeValues, or a set's strings (SS), <see cref="SetNumber"/>s (NS) and streams (BS).</summary>
    public static IEnumerable<object> Elements(AttributeValue value) => AttributeValues.KindOf(value) switch
    {
        AttributeKind.SS => value.SS,
        AttributeKind.NS => value.NS.Select(n => (object)new SetNumber(n)),
        AttributeKind.BS => value.BS,
        _ => value.L,
    };

    public static bool IsLong(string number) => long.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);

    private string? AddNumber(string text, string path)
    {
        if (_numbersAreLong && IsLong(text)) return null;
        _numbersAreLong = false;
        if (ParquetColumn.ExactDecimal(text) is not { } d)
        {
            return $"{path} holds the number {text}, which a decimal({ParquetColumn.Precision},s) column cannot hold exactly (a .NET decimal has 28 to 29 digits)";
        }
        Scale = Math.Max(Scale, d.Scale);
        return null;
    }

    private string? Become(ParquetShapeKind kind, object value, string path)
    {
        if (Kind == ParquetShapeKind.Unknown)
        {
            Kind = kind;
            return null;
        }
        return Kind == kind ? null : $"{path} holds {Describe(value)}, where other values of it hold {Describe()}";
    }

    /// <summary>Merges another (unfinished) shape into this one: a map's values, gathered from a struct's fields.</summary>
    private string? Merge(ParquetShape other, string path)
    {
        if (other.Kind == ParquetShapeKind.Unknown) return null;
        if (Kind != ParquetShapeKind.Unknown && Kind != other.Kind) return $"{path} holds {other.Describe()}, where other keys hold {Describe()}";
        Kind = other.Kind;
        _numbersAreLong &= other._numbersAreLong;
        Scale = Math.Max(Scale, other.Scale);
        if (other.Element is not null)
        {
            Element ??= new ParquetShape();
            if (Element.Merge(other.Element, $"{path}[]") is { } c) return c;
        }
        foreach (var (key, field) in other._fields)
        {
            if (FieldFor(key).Merge(field, $"{path}.{key}") is { } c) return c;
        }
        return null;
    }

    /// <summary>The struct field named <paramref name="key"/>, added (unknown yet) when first seen.</summary>
    private ParquetShape FieldFor(string key)
    {
        if (!_byName.TryGetValue(key, out var field))
        {
            _byName[key] = field = new ParquetShape();
            _fields.Add(new(key, field));
        }
        return field;
    }

    /// <summary>The shape kind of a value (numbers are Int64 until one is not) and a number's text; null kind for NULL.</summary>
    private static (ParquetShapeKind? Kind, string? Number) KindOf(object? value) => value switch
    {
        null => (null, null),
        string => (ParquetShapeKind.String, null),
        SetNumber n => (ParquetShapeKind.Int64, n.Text),
        MemoryStream => (ParquetShapeKind.Binary, null),
        AttributeValue a => AttributeValues.KindOf(a) switch
        {
            AttributeKind.S => (ParquetShapeKind.String, null),
            AttributeKind.N => (ParquetShapeKind.Int64, a.N),
            AttributeKind.B => (ParquetShapeKind.Binary, null),
            AttributeKind.Bool => (ParquetShapeKind.Bool, null),
            AttributeKind.SS or AttributeKind.NS or AttributeKind.BS or AttributeKind.L => (ParquetShapeKind.List, null),
            AttributeKind.M => (ParquetShapeKind.Struct, null),
            _ => (null, null),
        },
        _ => throw new ArgumentException($"Unexpected value {value.GetType().Name}.", nameof(value)),
    };

    private static string Describe(object value) => value switch
    {
        AttributeValue a => AttributeValues.KindOf(a).ToString().ToUpperInvariant(),
        MemoryStream => "B",
        SetNumber => "N",
        _ => "S",
    };
}
