using System.Collections;
using System.Text.Json;
using System.Text.Json.Serialization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace DynamoDb.Connector.Export;

/// <summary>One unit of an export's reading: a parallel scan segment, or one Query.</summary>
/// <param name="Id">The split's number in its plan, 0-based.</param>
/// <param name="Segment">The scan segment (equal to <paramref name="Id"/>), or null for a Query.</param>
/// <param name="TotalSegments">The scan's total segments, or null for a Query.</param>
/// <param name="KeyConditionExpression">The Query's key condition, or null for a scan segment.</param>
public sealed record ExportSplit(int Id, int? Segment, int? TotalSegments, string? KeyConditionExpression);

/// <summary>
/// How an export reads its table: the request every split shares (table or index, filter, projection, placeholders,
/// consistency) and the splits themselves: <see cref="TotalSegments"/> parallel scan segments, or one Query per
/// <see cref="KeyConditions"/> entry. Serializable as JSON (<see cref="ToJson"/>, <see cref="FromJson"/>), so a
/// plan can be stored with a checkpoint or handed to other processes.
/// </summary>
public sealed class ExportPlan
{
    /// <summary>The format version of the plan's JSON: 1.</summary>
    public const int CurrentVersion = 1;

    private IReadOnlyList<ExportSplit>? _splits;

    /// <summary>The plan's JSON format version.</summary>
    [JsonPropertyName("version")] public int Version { get; init; } = CurrentVersion;

    /// <summary>The table read.</summary>
    [JsonPropertyName("tableName")] public required string TableName { get; init; }

    /// <summary>The index read, or null for the table.</summary>
    [JsonPropertyName("indexName")] public string? IndexName { get; init; }

    /// <summary>Whether reads are strongly consistent.</summary>
    [JsonPropertyName("consistentRead")] public bool ConsistentRead { get; init; }

    /// <summary>The filter sent with every request, or null.</summary>
    [JsonPropertyName("filterExpression")] public string? FilterExpression { get; init; }

    /// <summary>The projection sent with every request, or null.</summary>
    [JsonPropertyName("projectionExpression")] public string? ProjectionExpression { get; init; }

    /// <summary>The name placeholders; each request carries those its expressions use.</summary>
    [JsonPropertyName("expressionAttributeNames")] public IReadOnlyDictionary<string, string>? ExpressionAttributeNames { get; init; }

    /// <summary>The value placeholders; each request carries those its expressions use.</summary>
    [JsonPropertyName("expressionAttributeValues")]
    [JsonConverter(typeof(AttributeMapJsonConverter))]
    public IReadOnlyDictionary<string, AttributeValue>? ExpressionAttributeValues { get; init; }

    /// <summary>For a scan, its parallel segments (1 to 1,000,000); null for Queries.</summary>
    [JsonPropertyName("totalSegments")] public int? TotalSegments { get; init; }

    /// <summary>For Queries, one key condition per Query; null for a scan.</summary>
    [JsonPropertyName("keyConditions")] public IReadOnlyList<string>? KeyConditions { get; init; }

    /// <summary>How the number of segments (or queries) was chosen, in words.</summary>
    [JsonPropertyName("basis")] public string Basis { get; init; } = "";

    /// <summary>The item count DynamoDB reports for the table or index (updated about every six hours), or null when unknown.</summary>
    [JsonPropertyName("tableItemCount")] public long? TableItemCount { get; init; }

    /// <summary>The size in bytes DynamoDB reports for the table or index, or null when unknown.</summary>
    [JsonPropertyName("tableSizeBytes")] public long? TableSizeBytes { get; init; }

    /// <summary>Whether the splits are Queries (otherwise scan segments).</summary>
    [JsonIgnore] public bool IsQuery => KeyConditions is not null;

    /// <summary>The number of splits.</summary>
    [JsonIgnore] public int SplitCount => KeyConditions?.Count ?? TotalSegments ?? 0;

    /// <summary>The splits, in order (computed; a scan of a million segments is not held in memory).</summary>
    [JsonIgnore] public IReadOnlyList<ExportSplit> Splits => _splits ??= new SplitList(this);

    /// <summary>The plan as JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, ExportJsonContext.Default.ExportPlan);

    /// <summary>Reads a plan from JSON.</summary>
    /// <exception cref="FormatException">Not a valid plan; the message says why.</exception>
    public static ExportPlan FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        ExportPlan? plan;
        try
        {
            plan = JsonSerializer.Deserialize(json, ExportJsonContext.Default.ExportPlan);
        }
        catch (JsonException e)
        {
            throw new FormatException($"Not a valid export plan: {e.Message}", e);
        }
        if (plan is null) throw new FormatException("Not a valid export plan: the JSON is null.");
        plan.Check();
        return plan;
    }

    /// <summary>Throws when the plan is inconsistent (as one read from a damaged file could be).</summary>
    internal void Check()
    {
        if (Version != CurrentVersion) throw new FormatException($"Export plan version {Version} is not supported; this connector reads version {CurrentVersion}.");
        if (string.IsNullOrEmpty(TableName)) throw new FormatException("The export plan names no table.");
        if ((TotalSegments is null) == (KeyConditions is null)) throw new FormatException("An export plan has either totalSegments (a scan) or keyConditions (queries).");
        if (TotalSegments is < 1 or > ExportOptions.MaxTotalSegments) throw new FormatException($"The export plan's totalSegments {TotalSegments} is not between 1 and {ExportOptions.MaxTotalSegments:N0}.");
        if (KeyConditions is { Count: 0 }) throw new FormatException("The export plan has no queries.");
    }

    /// <summary>The first request of split <paramref name="id"/> (a <see cref="ScanRequest"/> or a <see cref="QueryRequest"/>), with only the placeholders its expressions use.</summary>
    internal AmazonDynamoDBRequest CreateRequest(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(id, SplitCount);
        if (KeyConditions is { } conditions)
        {
            string condition = conditions[id];
            var (names, values) = ExportExpressions.UsedBy(ExpressionAttributeNames, ExpressionAttributeValues, condition, FilterExpression, ProjectionExpression);
            var query = new QueryRequest
            {
                TableName = TableName,
                IndexName = IndexName,
                KeyConditionExpression = condition,
                FilterExpression = FilterExpression,
                ProjectionExpression = ProjectionExpression,
                ConsistentRead = ConsistentRead,
                ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL,
            };
            if (names is not null) query.ExpressionAttributeNames = names;
            if (values is not null) query.ExpressionAttributeValues = values;
            return query;
        }
        var (scanNames, scanValues) = ExportExpressions.UsedBy(ExpressionAttributeNames, ExpressionAttributeValues, FilterExpression, ProjectionExpression);
        var scan = new ScanRequest
        {
            TableName = TableName,
            IndexName = IndexName,
            FilterExpression = FilterExpression,
            ProjectionExpression = ProjectionExpression,
            ConsistentRead = ConsistentRead,
            ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL,
        };
        // A single segment is a plain scan: DynamoDB accepts Segment 0 of 1, but plain is what every emulator knows.
        if (TotalSegments > 1)
        {
            scan.Segment = id;
            scan.TotalSegments = TotalSegments;
        }
        if (scanNames is not null) scan.ExpressionAttributeNames = scanNames;
        if (scanValues is not null) scan.ExpressionAttributeValues = scanValues;
        return scan;
    }

    /// <summary>Whether <paramref name="other"/> reads exactly what this plan reads (same request, same splits), so one's checkpoint serves the other.</summary>
    internal bool ReadsSameAs(ExportPlan other) =>
        TableName == other.TableName && IndexName == other.IndexName && ConsistentRead == other.ConsistentRead &&
        FilterExpression == other.FilterExpression && ProjectionExpression == other.ProjectionExpression &&
        TotalSegments == other.TotalSegments &&
        (KeyConditions ?? []).SequenceEqual(other.KeyConditions ?? []) &&
        SameEntries(ExpressionAttributeNames, other.ExpressionAttributeNames, string.Equals) &&
        SameEntries(ExpressionAttributeValues, other.ExpressionAttributeValues, (a, b) => Formats.Items.ItemComparer.Values.Equals(a, b));

    private static bool SameEntries<T>(IReadOnlyDictionary<string, T>? a, IReadOnlyDictionary<string, T>? b, Func<T, T, bool> equal)
    {
        if ((a?.Count ?? 0) != (b?.Count ?? 0)) return false;
        foreach (var (key, value) in a ?? new Dictionary<string, T>())
        {
            if (b is null || !b.TryGetValue(key, out var other) || !equal(value, other)) return false;
        }
        return true;
    }

    private sealed class SplitList(ExportPlan plan) : IReadOnlyList<ExportSplit>
    {
        public int Count => plan.SplitCount;

        public ExportSplit this[int index]
        {
            get
            {
                ArgumentOutOfRangeException.ThrowIfNegative(index);
                ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
                return plan.KeyConditions is { } conditions
                    ? new ExportSplit(index, null, null, conditions[index])
                    : new ExportSplit(index, index, plan.TotalSegments, null);
            }
        }

        public IEnumerator<ExportSplit> GetEnumerator()
        {
            for (int i = 0; i < Count; i++) yield return this[i];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
