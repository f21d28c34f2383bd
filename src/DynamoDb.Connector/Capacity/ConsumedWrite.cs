using Amazon.DynamoDBv2.Model;

namespace DynamoDb.Connector.Capacity;

/// <summary>
/// What DynamoDB charged one write request (<c>ReturnConsumedCapacity=INDEXES</c>): the table's units (local
/// secondary indexes included, as they spend the table's capacity) and each global secondary index's.
/// </summary>
internal readonly struct ConsumedWrite
{
    private readonly Dictionary<string, double>? _indexes;

    private ConsumedWrite(double table, Dictionary<string, double>? indexes)
    {
        Reported = true;
        Table = table;
        _indexes = indexes;
    }

    /// <summary>Whether the answer carried consumed capacity at all (some emulators leave it out).</summary>
    public bool Reported { get; }

    /// <summary>Units charged to the table, its local secondary indexes included.</summary>
    public double Table { get; }

    /// <summary>Units charged to each global secondary index.</summary>
    public IReadOnlyDictionary<string, double> Indexes => _indexes ?? (IReadOnlyDictionary<string, double>)EmptyIndexes;

    private static readonly Dictionary<string, double> EmptyIndexes = [];

    /// <summary>Units charged to <paramref name="index"/>; 0 when the write did not touch it.</summary>
    public double IndexUnits(string index) => _indexes is not null && _indexes.TryGetValue(index, out var units) ? units : 0;

    /// <summary>Reads the entry for <paramref name="tableName"/> from a BatchWriteItem answer.</summary>
    public static ConsumedWrite From(List<ConsumedCapacity>? consumed, string tableName)
    {
        if (consumed is null) return default;
        foreach (var entry in consumed)
        {
            if (entry.TableName is null || entry.TableName == tableName) return From(entry);
        }
        return default;
    }

    /// <summary>Reads a PutItem or DeleteItem answer's consumed capacity.</summary>
    public static ConsumedWrite From(ConsumedCapacity? consumed)
    {
        if (consumed is null) return default;
        Dictionary<string, double>? indexes = null;
        double globalTotal = 0;
        if (consumed.GlobalSecondaryIndexes is { Count: > 0 } global)
        {
            indexes = new Dictionary<string, double>(global.Count, StringComparer.Ordinal);
            foreach (var (name, capacity) in global)
            {
                double units = Units(capacity);
                indexes[name] = units;
                globalTotal += units;
            }
        }
        double table;
        if (consumed.Table is { } own)
        {
            table = Units(own);
            foreach (var (_, capacity) in consumed.LocalSecondaryIndexes ?? []) table += Units(capacity);
        }
        else if (consumed.CapacityUnits.HasValue || consumed.WriteCapacityUnits.HasValue)
        {
            table = Math.Max(0, (consumed.CapacityUnits ?? consumed.WriteCapacityUnits ?? 0) - globalTotal);
        }
        else
        {
            return indexes is null ? default : new ConsumedWrite(0, indexes);
        }
        return new ConsumedWrite(table, indexes);
    }

    private static double Units(Amazon.DynamoDBv2.Model.Capacity capacity) => capacity.CapacityUnits ?? capacity.WriteCapacityUnits ?? 0;
}
