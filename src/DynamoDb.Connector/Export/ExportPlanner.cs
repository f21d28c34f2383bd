using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Reading;

namespace DynamoDb.Connector.Export;

/// <summary>
/// Plans an export's splits from the table's description: parallel scan segments (as many as the user set, or one per
/// GiB of data and one per 100 RCU of budget, as the EMR connector does, but never smaller than a few pages of data),
/// or Queries for a key condition, one per value of an <c>IN</c> list on the partition key.
/// </summary>
internal static class ExportPlanner
{
    /// <summary>Data per segment when the segments are derived: 1 GiB.</summary>
    public const long BytesPerSegment = 1L << 30;

    /// <summary>Read budget per segment when the segments are derived: 100 RCU/s.</summary>
    public const double ReadUnitsPerSegment = 100;

    /// <summary>
    /// The least data a derived segment covers: 4 MiB, four Scan pages (a page is at most 1 MB). Smaller segments cost a
    /// request and a part file each for a few items (at 1,000,000 RCU the EMR count gives a 100 MB table 10,000
    /// segments of 10 items) and read no faster: the whole table is then a few pages per segment.
    /// </summary>
    public const long MinBytesPerSegment = 4L << 20;

    /// <summary>
    /// The most derived segments when the description reports no size: 64. DynamoDB refreshes TableSizeBytes about
    /// every six hours (a table loaded since says 0), so 0 does not mean small; 64 segments (8 per default worker) still
    /// read at a high budget, and a table that is really empty costs 64 requests, not thousands.
    /// </summary>
    public const int SegmentsWhenSizeUnknown = 64;

    /// <summary>
    /// The default segment count: <see cref="SegmentsFor"/> (what the budget asks for), but no more than one per
    /// <see cref="MinBytesPerSegment"/> of data, or <see cref="SegmentsWhenSizeUnknown"/> when the size is reported as 0;
    /// and, when <paramref name="readers"/> and the size are known, no more than one per reader unless the data asks for
    /// more (one per <see cref="BytesPerSegment"/>). A size of 0 may be a large table loaded since DynamoDB last
    /// measured it, so it keeps its 64.
    /// </summary>
    /// <param name="tableSizeBytes">The size the table reports.</param>
    /// <param name="readUnitsPerSecond">The read budget.</param>
    /// <param name="readers">
    /// How many segments are read at once (an export's workers); null when unknown (a fanned-out export's segments run
    /// in as many processes as its host starts). Beyond the readers, a small table's extra segments only cost: each is
    /// a part file more, a commit and a checkpoint record more, a first request more, and they read no faster, since
    /// only the readers' count of them is read at any time.
    /// </param>
    public static int DefaultSegmentsFor(long tableSizeBytes, double readUnitsPerSecond, int? readers = null)
    {
        long byData = tableSizeBytes > 0 ? Math.Max(1, tableSizeBytes / MinBytesPerSegment) : SegmentsWhenSizeUnknown;
        long segments = Math.Min(SegmentsFor(tableSizeBytes, readUnitsPerSecond), byData);
        if (readers is { } count && tableSizeBytes > 0) segments = Math.Min(segments, Math.Max(Math.Max(1, count), Math.Max(0, tableSizeBytes) / BytesPerSegment));
        return (int)segments;
    }

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
    /// <param name="options">What to read.</param>
    /// <param name="table">The table's description.</param>
    /// <param name="readUnitsPerSecond">The read budget.</param>
    /// <param name="readers">Segments read at once, when known (see <see cref="DefaultSegmentsFor"/>).</param>
    public static ExportPlan Plan(TableInputOptions options, TableDescription table, double readUnitsPerSecond, int? readers = null)
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
            long size = bytes ?? 0;
            segments = DefaultSegmentsFor(size, readUnitsPerSecond, readers);
            int unbounded = DefaultSegmentsFor(size, readUnitsPerSecond);
            string bound = SegmentsFor(size, readUnitsPerSecond) == unbounded ? ""
                : size > 0 ? ", at most one per 4 MiB of data" : $", at most {SegmentsWhenSizeUnknown} while the table reports no size";
            if (segments < unbounded) bound += $", at most one per worker reading at once ({readers}) below 1 GiB per segment";
            basis = string.Create(CultureInfo.InvariantCulture,
                $"{segments} segments: max({size:N0} bytes / 1 GiB, {Math.Floor(readUnitsPerSecond):0} RCU/s / 100) within 1..1,000,000{bound}");
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
