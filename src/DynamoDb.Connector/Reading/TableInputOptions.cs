using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Reading;

/// <summary>
/// What to read from a table with <see cref="TableInputFormat"/> (the table, an index, or the part a key condition
/// selects) and how fast. Validated when the input is planned or opened; every problem is reported at once.
/// </summary>
public sealed class TableInputOptions
{
    /// <summary>The table to read. Required.</summary>
    public string TableName { get; set; } = "";

    /// <summary>A global or local secondary index to read instead of the table. Default null (the table).</summary>
    public string? IndexName { get; set; }

    /// <summary>
    /// A key condition: the table is read with Query instead of Scan. DynamoDB's syntax (<c>#pk = :p AND begins_with(#sk, :s)</c>),
    /// plus one extension: <c>pk IN (:a, :b, ...)</c> on the partition key becomes one Query (one split) per value (up to
    /// 10,000 values). Default null (Scan).
    /// </summary>
    public string? KeyConditionExpression { get; set; }

    /// <summary>A filter DynamoDB applies before returning items (read capacity is still charged for every item read). Default null.</summary>
    public string? FilterExpression { get; set; }

    /// <summary>The attributes to read, e.g. <c>#id, price, tags[0]</c>. Default null (every attribute).</summary>
    public string? ProjectionExpression { get; set; }

    /// <summary>Placeholders for attribute names (<c>#name</c> to name), needed for reserved words such as <c>name</c> or <c>size</c>.</summary>
    public Dictionary<string, string>? ExpressionAttributeNames { get; set; }

    /// <summary>Placeholders for values (<c>:value</c> to value). See <see cref="ExportExpressionValues.Parse"/> to read them from JSON.</summary>
    public Dictionary<string, AttributeValue>? ExpressionAttributeValues { get; set; }

    /// <summary>Strongly consistent reads (twice the read capacity; not available on global secondary indexes). Default false.</summary>
    public bool ConsistentRead { get; set; }

    /// <summary>
    /// Parallel scan segments. Default null: max(table bytes / 1 GiB, read budget / 100 RCU) within 1 to 1,000,000, as
    /// the EMR connector computes it. Valid 1 to 1,000,000; not allowed with a <see cref="KeyConditionExpression"/>.
    /// </summary>
    public int? TotalSegments { get; set; }

    /// <summary>How much read capacity the readers may use together. Default: half of the table's (or the index's) read capacity.</summary>
    public ReadThroughputOptions Throughput { get; set; } = new();

    /// <summary>
    /// Backoff and limits for throttled and failed reads (exponential backoff with full jitter; <c>ValidationException</c>
    /// is never retried). A page that runs out of attempts or time fails with <see cref="DynamoDbUnavailableException"/>.
    /// </summary>
    public RetryOptions Retry { get; set; } = new();

    /// <summary>Every problem with these options, as messages naming the option; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(TableName)) errors.Add("TableName is required.");
        if (TotalSegments is { } segments && segments is < 1 or > ExportOptions.MaxTotalSegments)
            errors.Add($"TotalSegments is {segments}; it must be between 1 and {ExportOptions.MaxTotalSegments:N0}.");
        if (TotalSegments is not null && KeyConditionExpression is not null)
            errors.Add("TotalSegments applies to a Scan; with a KeyConditionExpression the export runs Queries, which have no segments.");
        if (IndexName is not null && string.IsNullOrWhiteSpace(IndexName)) errors.Add("IndexName is empty; leave it null to read the table.");
        if (KeyConditionExpression is not null && string.IsNullOrWhiteSpace(KeyConditionExpression)) errors.Add("KeyConditionExpression is empty; leave it null to scan.");
        if (FilterExpression is not null && string.IsNullOrWhiteSpace(FilterExpression)) errors.Add("FilterExpression is empty; leave it null for no filter.");
        if (ProjectionExpression is not null && string.IsNullOrWhiteSpace(ProjectionExpression)) errors.Add("ProjectionExpression is empty; leave it null to export every attribute.");
        errors.AddRange(ExportExpressions.Undefined(ExpressionAttributeNames, ExpressionAttributeValues,
            ("KeyConditionExpression", KeyConditionExpression), ("FilterExpression", FilterExpression), ("ProjectionExpression", ProjectionExpression)));
        if (Throughput is null) errors.Add("Throughput is required.");
        else errors.AddRange(Throughput.Validate("Throughput."));
        if (Retry is null) errors.Add("Retry is required.");
        else errors.AddRange(Retry.Validate("Retry."));
        return errors;
    }

    /// <summary>Copies these options (the dictionaries and nested options too).</summary>
    public TableInputOptions Clone()
    {
        var copy = (TableInputOptions)MemberwiseClone();
        copy.ExpressionAttributeNames = ExpressionAttributeNames is null ? null : new(ExpressionAttributeNames, StringComparer.Ordinal);
        copy.ExpressionAttributeValues = ExpressionAttributeValues is null ? null : new(ExpressionAttributeValues, StringComparer.Ordinal);
        copy.Throughput = Throughput?.Clone()!;
        copy.Retry = Retry?.Clone()!;
        return copy;
    }

    /// <summary>The options, validated and copied.</summary>
    /// <exception cref="ArgumentException">They are invalid; the message lists every problem.</exception>
    internal static TableInputOptions Validated(TableInputOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { Count: > 0 } problems)
        {
            throw new ArgumentException($"Invalid table input options: {string.Join(" ", problems)}", nameof(options));
        }
        return options.Clone();
    }
}
