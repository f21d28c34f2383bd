using System.Globalization;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using Parquet;
using Parquet.Schema;

namespace DynamoDb.Connector.Formats.Parquet;

/// <summary>
/// Writes one column of a row group, nested or not, leaf by leaf (Dremel striping): each item's value is walked down
/// the path to the leaf, giving one entry per leaf value or null, with its definition level (how deep the value is
/// defined: a null list, an empty list, a null element, a value) and repetition level (which list a new element
/// continues). The levels come from the schema's own fields, so they agree with what the schema says.
/// </summary>
internal static class ParquetShredder
{
    public static async Task WriteAsync(ParquetRowGroupWriter group, ParquetColumn column, IReadOnlyList<Dictionary<string, AttributeValue>> items, CancellationToken cancellationToken)
    {
        foreach (var (path, kind) in LeafPaths(column.Field, column.Shape, []))
        {
            var leaf = (DataField)path[^1];
            var stripe = new Stripe();
            foreach (var item in items)
            {
                item.TryGetValue(column.Name, out var value);
                Walk(stripe, path, 0, column.Shape is null && value is not null ? ParquetColumn.JsonText(value) : value, 0, 0);
            }
            await stripe.WriteAsync(group, leaf, kind, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Each leaf's path from the column down, with the leaf's kind (a map's key and a JSON column are strings).</summary>
    private static IEnumerable<(Field[] Path, ParquetShapeKind Kind)> LeafPaths(Field field, ParquetShape? shape, Field[] above)
    {
        Field[] path = [.. above, field];
        switch (field)
        {
            case ListField list:
                return LeafPaths(list.Item, shape!.Element, path);
            case StructField structField:
                return structField.Fields.SelectMany((f, i) => LeafPaths(f, shape!.Fields[i].Value, path));
            case MapField map:
                return LeafPaths(map.Key, null, path).Concat(LeafPaths(map.Value, shape!.Element, path));
            default:
                return [(path, shape?.Kind ?? ParquetShapeKind.String)];
        }
    }

    private static void Walk(Stripe stripe, Field[] path, int p, object? value, int r, int d)
    {
        if (value is null || value is AttributeValue { NULL: true })
        {
            stripe.Add(r, d, null);
            return;
        }
        switch (path[p])
        {
            case StructField structField:
                Walk(stripe, path, p + 1, ((AttributeValue)value).M.GetValueOrDefault(path[p + 1].Name), r, structField.MaxDefinitionLevel);
                return;
            case ListField list:
                int i = 0;
                foreach (object element in ParquetShape.Elements((AttributeValue)value))
                {
                    Walk(stripe, path, p + 1, element, i++ == 0 ? r : list.MaxRepetitionLevel, list.MaxDefinitionLevel);
                }
                if (i == 0) stripe.Add(r, list.MaxDefinitionLevel - 1, null); // an empty list: defined, no element
                return;
            case MapField map:
                bool key = ReferenceEquals(path[p + 1], map.Key);
                int pair = 0;
                foreach (var (k, v) in ((AttributeValue)value).M)
                {
                    int rr = pair++ == 0 ? r : map.MaxRepetitionLevel;
                    if (key) stripe.Add(rr, map.Key.MaxDefinitionLevel, k);
                    else Walk(stripe, path, p + 1, v, rr, map.MaxDefinitionLevel);
                }
                if (pair == 0) stripe.Add(r, map.MaxDefinitionLevel - 1, null);
                return;
            default:
                stripe.Add(r, ((DataField)path[p]).MaxDefinitionLevel, value);
                return;
        }
    }

    /// <summary>One leaf's entries: its values (nulls not stored) and levels.</summary>
    private sealed class Stripe
    {
        private readonly List<object> _values = [];
        private readonly List<int> _definitions = [];
        private readonly List<int> _repetitions = [];

        public void Add(int repetition, int definition, object? value)
        {
            _repetitions.Add(repetition);
            _definitions.Add(definition);
            if (value is not null) _values.Add(value);
        }

        public Task WriteAsync(ParquetRowGroupWriter group, DataField leaf, ParquetShapeKind kind, CancellationToken cancellationToken) => kind switch
        {
            ParquetShapeKind.Int64 => WriteAsync(group, leaf, v => long.Parse(NumberOf(v), CultureInfo.InvariantCulture), cancellationToken),
            ParquetShapeKind.Decimal => WriteAsync(group, leaf, v => ParquetColumn.ExactDecimal(NumberOf(v))!.Value, cancellationToken),
            ParquetShapeKind.Binary => WriteAsync(group, leaf, v => (ReadOnlyMemory<byte>)AttributeValues.BytesOf(v is AttributeValue a ? a.B : (MemoryStream)v).ToArray(), cancellationToken),
            ParquetShapeKind.Bool => WriteAsync(group, leaf, v => ((AttributeValue)v).BOOL!.Value, cancellationToken),
            _ => WriteAsync(group, leaf, v => (v is AttributeValue a ? a.S : (string)v).AsMemory(), cancellationToken),
        };

        private Task WriteAsync<T>(ParquetRowGroupWriter group, DataField leaf, Func<object, T> convert, CancellationToken cancellationToken)
            where T : struct
        {
            var data = new T[_values.Count];
            for (int i = 0; i < data.Length; i++) data[i] = convert(_values[i]);
            return group.WriteAllPartsAsync<T>(
                leaf,
                data,
                leaf.MaxDefinitionLevel > 0 ? _definitions.ToArray() : null,
                leaf.MaxRepetitionLevel > 0 ? _repetitions.ToArray() : null,
                cancellationToken);
        }

        private static string NumberOf(object value) => value is AttributeValue a ? a.N : ((SetNumber)value).Text;
    }
}
