using System.Globalization;
using System.Text;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Json;
using Parquet.Schema;

namespace DynamoDb.Connector.Formats.Parquet;

/// <summary>The Parquet type an attribute is written as.</summary>
internal enum ParquetColumnKind
{
    String,
    Int64,
    Decimal,
    Binary,
    Bool,
    StringList,
    Int64List,
    DecimalList,
    BinaryList,
    /// <summary>Each value's DynamoDB JSON text (<c>{"M":{...}}</c>) in a string column: lists, maps, NULL-only and mixed attributes.</summary>
    Json,
}

/// <summary>One column of a Parquet file being written: its attribute, its kind, and (for decimals) its scale.</summary>
internal sealed record ParquetColumn(string Name, ParquetColumnKind Kind, int Scale)
{
    /// <summary>The column's precision when it is a decimal: DynamoDB's 38 digits.</summary>
    public const int Precision = 38;

    /// <summary>The Parquet schema field.</summary>
    public Field Field { get; } = Kind switch
    {
        ParquetColumnKind.String or ParquetColumnKind.Json => new DataField<string>(Name),
        ParquetColumnKind.Int64 => new DataField<long?>(Name),
        ParquetColumnKind.Decimal => new DecimalDataField(Name, Precision, Scale, isNullable: true),
        ParquetColumnKind.Binary => new DataField<byte[]>(Name),
        ParquetColumnKind.Bool => new DataField<bool?>(Name),
        ParquetColumnKind.StringList => new ListField(Name, new DataField<string>("element")),
        ParquetColumnKind.Int64List => new ListField(Name, new DataField<long?>("element")),
        ParquetColumnKind.DecimalList => new ListField(Name, new DecimalDataField("element", Precision, Scale, isNullable: true)),
        ParquetColumnKind.BinaryList => new ListField(Name, new DataField<byte[]>("element")),
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "Unknown column kind."),
    };

    /// <summary>The field that holds the values: the column itself, or a list's element.</summary>
    public DataField Leaf => Field as DataField ?? (DataField)((ListField)Field).Item;

    /// <summary>Infers the columns of <paramref name="items"/>: their attributes in first-seen order, each typed by the values it holds.</summary>
    public static List<ParquetColumn> Infer(IReadOnlyList<Dictionary<string, AttributeValue>> items)
    {
        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            foreach (string name in item.Keys)
            {
                if (seen.Add(name)) names.Add(name);
            }
        }
        return names.Select(name => InferColumn(name, items.Select(i => i.GetValueOrDefault(name)))).ToList();
    }

    private static ParquetColumn InferColumn(string name, IEnumerable<AttributeValue?> values)
    {
        var kinds = new HashSet<AttributeKind>();
        var numbers = new List<string>();
        foreach (var value in values)
        {
            if (value is null) continue;
            var kind = AttributeValues.KindOf(value);
            if (kind == AttributeKind.Null) continue;
            kinds.Add(kind);
            if (kind == AttributeKind.N) numbers.Add(value.N);
            if (kind == AttributeKind.NS) numbers.AddRange(value.NS);
        }
        if (kinds.Count != 1) return new(name, ParquetColumnKind.Json, 0);
        var only = kinds.Single();
        if (only is AttributeKind.N or AttributeKind.NS)
        {
            var (number, scale) = NumberKind(numbers);
            bool set = only == AttributeKind.NS;
            return number switch
            {
                ParquetColumnKind.Int64 => new(name, set ? ParquetColumnKind.Int64List : ParquetColumnKind.Int64, 0),
                ParquetColumnKind.Decimal => new(name, set ? ParquetColumnKind.DecimalList : ParquetColumnKind.Decimal, scale),
                _ => new(name, ParquetColumnKind.Json, 0),
            };
        }
        return only switch
        {
            AttributeKind.S => new(name, ParquetColumnKind.String, 0),
            AttributeKind.B => new(name, ParquetColumnKind.Binary, 0),
            AttributeKind.Bool => new(name, ParquetColumnKind.Bool, 0),
            AttributeKind.SS => new(name, ParquetColumnKind.StringList, 0),
            AttributeKind.BS => new(name, ParquetColumnKind.BinaryList, 0),
            _ => new(name, ParquetColumnKind.Json, 0),
        };
    }

    /// <summary>Int64 when every number is an integer that fits; Decimal (with the largest scale) when every one is exact as a .NET decimal; else Json.</summary>
    private static (ParquetColumnKind Kind, int Scale) NumberKind(List<string> numbers)
    {
        if (numbers.TrueForAll(n => long.TryParse(n, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)))
        {
            return (ParquetColumnKind.Int64, 0);
        }
        int scale = 0;
        foreach (string n in numbers)
        {
            if (ExactDecimal(n) is not { } d) return (ParquetColumnKind.Json, 0);
            scale = Math.Max(scale, d.Scale);
        }
        return (ParquetColumnKind.Decimal, scale);
    }

    /// <summary>The number as a .NET decimal when that holds it exactly (the same value, no digit lost), else null.</summary>
    public static decimal? ExactDecimal(string text) =>
        decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
        && NumberText.Canonical(d.ToString(CultureInfo.InvariantCulture)) == NumberText.Canonical(text) ? d : null;

    /// <summary>Why <paramref name="value"/> does not fit this column, or null when it does.</summary>
    public string? Misfit(AttributeValue value)
    {
        var kind = AttributeValues.KindOf(value);
        if (kind == AttributeKind.Null || Kind == ParquetColumnKind.Json) return null;
        var expected = Kind switch
        {
            ParquetColumnKind.String => AttributeKind.S,
            ParquetColumnKind.Int64 or ParquetColumnKind.Decimal => AttributeKind.N,
            ParquetColumnKind.Binary => AttributeKind.B,
            ParquetColumnKind.Bool => AttributeKind.Bool,
            ParquetColumnKind.StringList => AttributeKind.SS,
            ParquetColumnKind.Int64List or ParquetColumnKind.DecimalList => AttributeKind.NS,
            _ => AttributeKind.BS,
        };
        if (kind != expected) return $"it holds {kind.ToString().ToUpperInvariant()}, but its column was made {expected.ToString().ToUpperInvariant()} ({Describe()})";
        var numbers = kind == AttributeKind.N ? [value.N] : kind == AttributeKind.NS ? value.NS : [];
        foreach (string n in numbers)
        {
            if (Kind is ParquetColumnKind.Int64 or ParquetColumnKind.Int64List && !long.TryParse(n, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
                return $"the number {n} is not an integer of 64 bits, but its column was made int64";
            if (Kind is ParquetColumnKind.Decimal or ParquetColumnKind.DecimalList && (ExactDecimal(n) is not { } d || d.Scale > Scale))
                return $"the number {n} does not fit its column, decimal({Precision},{Scale})";
        }
        return null;
    }

    private string Describe() => Kind switch
    {
        ParquetColumnKind.Decimal or ParquetColumnKind.DecimalList => $"decimal({Precision},{Scale})",
        _ => Kind.ToString().ToLowerInvariant(),
    };

    /// <summary>The DynamoDB JSON text of a value: <c>{"M":{"a":{"S":"x"}}}</c>.</summary>
    public static string JsonText(AttributeValue value)
    {
        using var formatter = new JsonItemFormatter(dynamoDbKeys: true);
        formatter.WriteValue(value);
        return Encoding.UTF8.GetString(formatter.Written.Span);
    }
}
