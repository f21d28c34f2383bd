using System.Numerics;
using Parquet;
using Parquet.Data;
using Parquet.Schema;

namespace DynamoDb.Connector.Formats.Parquet;

/// <summary>A Parquet MAP as read: its key/value pairs in file order (each pair an array of two).</summary>
internal sealed class ParquetMapEntries : List<object?[]>;

/// <summary>
/// Assembles the rows of one row group from its columns' values and definition/repetition levels (Dremel record
/// assembly), column by column. Parquet.Net 6.1.0's untyped deserializer is not used: it reads a null struct inside a
/// list as an empty map, drops a null element of a nested list, reads a null nested list as an empty one, and cannot
/// read a MAP whose values are structs (its Dremel assembler; upstream: aloneguid/parquet-dotnet#282 "nested nulls can
/// be interpreted at the wrong level", #630/#631 null versus empty list levels, noted there as wrong on reading too).
/// Here a value is null exactly when its definition level says so: a row is a dictionary of top-level columns, a struct
/// a dictionary, a list a list, a map <see cref="ParquetMapEntries"/>, a null null.
/// </summary>
internal static class ParquetRowAssembler
{
    /// <summary>The rows of row group <paramref name="group"/>.</summary>
    public static async Task<List<Dictionary<string, object?>>> ReadAsync(ParquetReader reader, int group, CancellationToken cancellationToken)
    {
        using var rowGroup = reader.OpenRowGroupReader(group);
        var rows = new List<Dictionary<string, object?>>((int)rowGroup.RowCount);
        for (long i = 0; i < rowGroup.RowCount; i++) rows.Add(new Dictionary<string, object?>(StringComparer.Ordinal));
        foreach (var top in reader.Schema.Fields)
        {
            foreach (var path in LeafPaths(top, []))
            {
                var leaf = (DataField)path[^1];
                using var raw = await rowGroup.ReadRawColumnDataBaseAsync(leaf, cancellationToken).ConfigureAwait(false);
                Place(rows, path, leaf, raw);
            }
        }
        return rows;
    }

    /// <summary>The path from a top-level field down to each of its leaves, in schema (column) order.</summary>
    private static IEnumerable<Field[]> LeafPaths(Field field, Field[] above)
    {
        Field[] path = [.. above, field];
        var children = field switch
        {
            StructField s => s.Fields.ToArray(),
            ListField l => [l.Item],
            MapField m => [m.Key, m.Value],
            _ => [],
        };
        if (children.Length == 0)
        {
            yield return path;
            yield break;
        }
        foreach (var child in children)
        {
            foreach (var leafPath in LeafPaths(child, path)) yield return leafPath;
        }
    }

    private static void Place(List<Dictionary<string, object?>> rows, Field[] path, DataField leaf, RawColumnData raw)
    {
        var values = Values(leaf, raw);
        // A required column has no definition levels, a column outside any list no repetition levels.
        var definitions = leaf.MaxDefinitionLevel > 0 ? raw.DefinitionLevels : [];
        var repetitions = leaf.MaxRepetitionLevel > 0 ? raw.RepetitionLevels : [];
        int entries = Math.Max(definitions.Length, Math.Max(repetitions.Length, values.Length));
        var positions = new int[leaf.MaxRepetitionLevel + 1];
        int row = -1, next = 0;
        for (int e = 0; e < entries; e++)
        {
            int r = repetitions.IsEmpty ? 0 : repetitions[e];
            int d = definitions.IsEmpty ? leaf.MaxDefinitionLevel : definitions[e];
            if (r == 0)
            {
                row++;
                Array.Clear(positions);
            }
            else
            {
                positions[r]++;
                Array.Clear(positions, r + 1, positions.Length - r - 1);
            }
            object? value = d == leaf.MaxDefinitionLevel ? values[next++] : null;
            Insert(rows[row], path, d, positions, value);
        }
    }

    /// <summary>Walks one leaf entry down its path, creating the structs, lists and maps it is inside, and sets its value (or the null its level says).</summary>
    private static void Insert(Dictionary<string, object?> row, Field[] path, int d, int[] positions, object? value)
    {
        var slot = new Slot(row, path[0].Name, -1);
        int repetition = 0;
        for (int p = 0; p < path.Length; p++)
        {
            switch (path[p])
            {
                case DataField data when data.MaxRepetitionLevel > repetition:
                    // A bare repeated primitive (a legacy two-level list): a list of its values, empty below its level.
                    var values = slot.GetOrCreate(static () => new List<object?>());
                    if (d >= data.MaxDefinitionLevel && positions[data.MaxRepetitionLevel] == values.Count) values.Add(value);
                    return;
                case DataField:
                    slot.Set(value);
                    return;
                case StructField structField:
                    if (d < structField.MaxDefinitionLevel)
                    {
                        slot.SetNullIfAbsent();
                        return;
                    }
                    slot = new Slot(slot.GetOrCreate(static () => new Dictionary<string, object?>(StringComparer.Ordinal)), path[p + 1].Name, -1);
                    break;
                case ListField list:
                    // The list's own level is one above its repeated group's (the level Parquet.Net gives it).
                    if (d < list.MaxDefinitionLevel - 1)
                    {
                        slot.SetNullIfAbsent();
                        return;
                    }
                    var elements = slot.GetOrCreate(static () => new List<object?>());
                    if (d < list.MaxDefinitionLevel) return;
                    repetition = list.MaxRepetitionLevel;
                    int index = positions[repetition];
                    if (index == elements.Count) elements.Add(null);
                    slot = new Slot(elements, null, index);
                    break;
                case MapField map:
                    if (d < map.MaxDefinitionLevel - 1)
                    {
                        slot.SetNullIfAbsent();
                        return;
                    }
                    var pairs = slot.GetOrCreate(static () => new ParquetMapEntries());
                    if (d < map.MaxDefinitionLevel) return;
                    repetition = map.MaxRepetitionLevel;
                    int pair = positions[repetition];
                    if (pair == pairs.Count) pairs.Add(new object?[2]);
                    slot = new Slot(pairs[pair], null, ReferenceEquals(path[p + 1], map.Key) ? 0 : 1);
                    break;
                default:
                    throw new ParquetValueException(path[0].Name, $"fields of kind {path[p].GetType().Name} have no DynamoDB type");
            }
        }
    }

    /// <summary>Where a value goes: a key of a struct, or a position of a list or map pair.</summary>
    private readonly record struct Slot(object Container, string? Name, int Index)
    {
        public object? Get() => Container switch
        {
            Dictionary<string, object?> d => d.GetValueOrDefault(Name!),
            List<object?> l => l[Index],
            _ => ((object?[])Container)[Index],
        };

        public void Set(object? value)
        {
            switch (Container)
            {
                case Dictionary<string, object?> d: d[Name!] = value; break;
                case List<object?> l: l[Index] = value; break;
                default: ((object?[])Container)[Index] = value; break;
            }
        }

        public void SetNullIfAbsent()
        {
            if (Container is Dictionary<string, object?> d) d.TryAdd(Name!, null);
        }

        public T GetOrCreate<T>(Func<T> create) where T : class
        {
            if (Get() is T existing) return existing;
            var created = create();
            Set(created);
            return created;
        }
    }

    /// <summary>The column's defined values, boxed (no reflection: the library stays trimmable).</summary>
    private static object?[] Values(DataField leaf, RawColumnData raw) => raw switch
    {
        RawColumnData<int> c => Box(c.Values),
        RawColumnData<long> c => Box(c.Values),
        RawColumnData<short> c => Box(c.Values),
        RawColumnData<sbyte> c => Box(c.Values),
        RawColumnData<byte> c => Box(c.Values),
        RawColumnData<ushort> c => Box(c.Values),
        RawColumnData<uint> c => Box(c.Values),
        RawColumnData<ulong> c => Box(c.Values),
        RawColumnData<bool> c => Box(c.Values),
        RawColumnData<float> c => Box(c.Values),
        RawColumnData<double> c => Box(c.Values),
        RawColumnData<Half> c => Box(c.Values),
        RawColumnData<decimal> c => Box(c.Values),
        RawColumnData<BigDecimal> c => Box(c.Values),
        RawColumnData<BigInteger> c => Box(c.Values),
        RawColumnData<DateTime> c => Box(c.Values),
        RawColumnData<DateTimeOffset> c => Box(c.Values),
        RawColumnData<DateOnly> c => Box(c.Values),
        RawColumnData<TimeOnly> c => Box(c.Values),
        RawColumnData<TimeSpan> c => Box(c.Values),
        RawColumnData<Guid> c => Box(c.Values),
        RawColumnData<ReadOnlyMemory<char>> c => Box(c.Values),
        RawColumnData<ReadOnlyMemory<byte>> c => Box(c.Values),
        _ => throw new ParquetValueException(leaf.Path.ToString(), $"values of type {leaf.ClrType.Name} have no DynamoDB type"),
    };

    private static object?[] Box<T>(Span<T> values)
    {
        var boxed = new object?[values.Length];
        for (int i = 0; i < values.Length; i++) boxed[i] = values[i];
        return boxed;
    }
}
