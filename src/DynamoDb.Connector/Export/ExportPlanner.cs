using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Reading;

namespace DynamoDb.Connector.Export;

/// <summary>
/// Plans an export's splits from the table's description: parallel scan segments (as many as the user set, or one per
/// GiB of data and one per 100 RCU of budget, as the EMR connector does), or Queries for a key condition, one per
/// value of an <c>IN</c> list on the partition key.
/// </summary>
internal static class ExportPlanner
{
    /// <summary>Data per segment when the segments are derived: 1 GiB.</summary>
    public const long BytesPerSegment = 1L << 30;

    /// <summary>Read budget per segment when the segments are derived: 100 RCU/s.</summary>
    public const double ReadUnitsPerSegment = 100;

    /// <summary>
    /// The EMR connector's segment count: max(table bytes / 1 GiB, floor(read budget) / 100), both divisions whole,
    /// within 1 to 1,000,000.
    /// </summary>
    public static int SegmentsFor(long tableSizeBytes, double readUnitsPerSecond)
    {
        long bySize = Math.Max(0, tableSizeBytes) / BytesPerSegment;
        long byRate = (long)Math.Floor(Math.Max(0, Math.Min(readUnitsPerSecond, long.MaxValue / 2d))) / (long)ReadUnitsPerSegment;
        return (int)Math.Clamp(Math.Max(bySize, byRate), 1, ExportOptions.MaxTotalSegments);
    }

    /// <summary>The key schema of the table or of <paramref name="indexName"/>.</summary>
    /// <exception cref="ArgumentException">The table has no index of that name.</exception>
    public static (string PartitionKey, string? SortKey, bool GlobalIndex) KeysOf(TableDescription table, string? indexName)
    {
        List<KeySchemaElement>? schema;
        bool global = false;
        if (indexName is null)
        {
            schema = table.KeySchema;
        }
        else if (table.GlobalSecondaryIndexes?.Find(i => i.IndexName == indexName) is { } gsi)
        {
            schema = gsi.KeySchema;
            global = true;
        }
        else if (table.LocalSecondaryIndexes?.Find(i => i.IndexName == indexName) is { } lsi)
        {
            schema = lsi.KeySchema;
        }
        else
        {
            var names = (table.GlobalSecondaryIndexes ?? []).Select(i => i.IndexName).Concat((table.LocalSecondaryIndexes ?? []).Select(i => i.IndexName)).ToList();
            throw new ArgumentException($"Table '{table.TableName}' has no index '{indexName}'; its indexes: {(names.Count == 0 ? "none" : string.Join(", ", names))}.");
        }
        string partition = schema?.Find(k => k.KeyType == KeyType.HASH)?.AttributeName
            ?? throw new InvalidOperationException($"The description of '{indexName ?? table.TableName}' has no partition key.");
        return (partition, schema!.Find(k => k.KeyType == KeyType.RANGE)?.AttributeName, global);
    }

    /// <summary>The item count and size DynamoDB reports for the table or index.</summary>
    public static (long? Items, long? Bytes) StatisticsOf(TableDescription table, string? indexName)
    {
        if (indexName is null) return (table.ItemCount, table.TableSizeBytes);
        if (table.GlobalSecondaryIndexes?.Find(i => i.IndexName == indexName) is { } gsi) return (gsi.ItemCount, gsi.IndexSizeBytes);
        if (table.LocalSecondaryIndexes?.Find(i => i.IndexName == indexName) is { } lsi) return (lsi.ItemCount, lsi.IndexSizeBytes);
        return (null, null);
    }

    /// <summary>Plans the reading described by valid <paramref name="options"/> of <paramref name="table"/> at <paramref name="readUnitsPerSecond"/>.</summary>
    /// <exception cref="ArgumentException">The options do not fit the table: no such index, consistent reads on a global index, a bad IN list.</exception>
    public static ExportPlan Plan(TableInputOptions options, TableDescription table, double readUnitsPerSecond)
    {
        var (partitionKey, sortKey, global) = KeysOf(table, options.IndexName);
        if (global && options.ConsistentRead)
        {
            throw new ArgumentException($"Index '{options.IndexName}' is a global secondary index: DynamoDB does not offer consistent reads on it. Drop ConsistentRead or read the table.");
        }
        var (items, bytes) = StatisticsOf(table, options.IndexName);
        IReadOnlyList<string>? conditions = null;
        int? segments = null;
        string basis;
        if (options.KeyConditionExpression is { } keyCondition)
        {
            var queries = ExportExpressions.ExpandKeyCondition(keyCondition, options.ExpressionAttributeNames, options.ExpressionAttributeValues, partitionKey, sortKey);
            conditions = queries.Select(q => q.KeyConditionExpression).ToList();
            basis = queries.Count == 1 ? "one Query for the key condition" : $"one Query per value of the IN list on {partitionKey} ({queries.Count})";
        }
        else if (options.TotalSegments is { } set)
        {
            segments = set;
            basis = $"{set} segments set explicitly";
        }
        else
        {
            segments = SegmentsFor(bytes ?? 0, readUnitsPerSecond);
            basis = string.Create(CultureInfo.InvariantCulture,
                $"{segments} segments: max({bytes ?? 0:N0} bytes / 1 GiB, {Math.Floor(readUnitsPerSecond):0} RCU/s / 100) within 1..1,000,000");
        }
        return new ExportPlan
        {
            TableName = options.TableName,
            IndexName = options.IndexName,
            ConsistentRead = options.ConsistentRead,
            FilterExpression = options.FilterExpression,
            ProjectionExpression = options.ProjectionExpression,
            ExpressionAttributeNames = options.ExpressionAttributeNames is { Count: > 0 } names ? new Dictionary<string, string>(names, StringComparer.Ordinal) : null,
            ExpressionAttributeValues = options.ExpressionAttributeValues is { Count: > 0 } values ? new Dictionary<string, AttributeValue>(values, StringComparer.Ordinal) : null,
            TotalSegments = segments,
            KeyConditions = conditions,
            Basis = basis,
            TableItemCount = items,
            TableSizeBytes = bytes,
        };
    }
}
