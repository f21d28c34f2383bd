using System.Globalization;
using System.Text;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Json;
using Parquet.Schema;

namespace DynamoDb.Connector.Formats.Parquet;

/// <summary>
/// One top-level column of a Parquet file being written: its attribute and its shape (nested LIST, STRUCT and MAP
/// included), or, when the items disagree in a way one Parquet type cannot hold, no shape: then the column holds each
/// value's DynamoDB JSON text (<c>{"M":{...}}</c>) and <see cref="Fallback"/> says why.
/// </summary>
internal sealed class ParquetColumn
{
    /// <summary>A decimal column's precision: DynamoDB's 38 digits.</summary>
    public const int Precision = 38;

    public ParquetColumn(string name, ParquetShape? shape, string? fallback = null)
    {
        Name = name;
        Shape = shape;
        Fallback = fallback;
        Field = shape?.ToField(name) ?? new DataField<string>(name);
    }

    public string Name { get; }

    /// <summary>The column's shape; null when it holds DynamoDB JSON text.</summary>
    public ParquetShape? Shape { get; }

    /// <summary>Why the column holds DynamoDB JSON text (the conflict found), or null.</summary>
    public string? Fallback { get; }

    /// <summary>The Parquet schema field.</summary>
    public Field Field { get; }

    /// <summary>
    /// Infers the columns of <paramref name="items"/> (one row group): their attributes in first-seen order, each shaped
    /// by every value it holds; an attribute whose values conflict, or that holds only NULLs, is DynamoDB JSON text.
    /// </summary>
    public static List<ParquetColumn> Infer(IReadOnlyList<Dictionary<string, AttributeValue>> items)
    {
        var shapes = new Dictionary<string, ParquetShape>(StringComparer.Ordinal);
        var order = new List<string>();
        var conflicts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            foreach (var (name, value) in item)
            {
                if (!shapes.TryGetValue(name, out var shape))
                {
                    shapes[name] = shape = new ParquetShape();
                    order.Add(name);
                }
                if (!conflicts.ContainsKey(name) && shape.Add(value, name) is { } conflict) conflicts[name] = conflict;
            }
        }
        return order.Select(name =>
        {
            var shape = shapes[name];
            if (conflicts.TryGetValue(name, out var conflict)) return new ParquetColumn(name, null, conflict);
            if (shape.Kind == ParquetShapeKind.Unknown) return new ParquetColumn(name, null, $"{name} holds only NULL");
            return shape.Finish(name) is { } why ? new ParquetColumn(name, null, why) : new ParquetColumn(name, shape);
        }).ToList();
    }

    /// <summary>The number as a .NET decimal when that holds it exactly (the same value, no digit lost), else null.</summary>
    public static decimal? ExactDecimal(string text) =>
        decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
        && NumberText.Canonical(d.ToString(CultureInfo.InvariantCulture)) == NumberText.Canonical(text) ? d : null;

    /// <summary>Why <paramref name="value"/> does not fit this column, or null when it does.</summary>
    public string? Misfit(AttributeValue value) => Shape?.Misfit(value, Name);

    /// <summary>The DynamoDB JSON text of a value: <c>{"M":{"a":{"S":"x"}}}</c>.</summary>
    public static string JsonText(AttributeValue value)
    {
        using var formatter = new JsonItemFormatter(dynamoDbKeys: true);
        formatter.WriteValue(value);
        return Encoding.UTF8.GetString(formatter.Written.Span);
    }
}
