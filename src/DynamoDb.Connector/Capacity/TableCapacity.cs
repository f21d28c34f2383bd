using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Writing;
using FormatKeyType = DynamoDb.Connector.Formats.Items.KeyType;

using DynamoDb.Connector.Retry;

namespace DynamoDb.Connector.Capacity;

/// <summary>What DescribeTable says about a table's key and its read and write capacity, and those of its global secondary indexes.</summary>
/// <param name="TableName">The table.</param>
/// <param name="Keys">The primary key.</param>
/// <param name="OnDemand">Whether the table is on-demand (PAY_PER_REQUEST); its provisioned capacity is then 0.</param>
/// <param name="Write">The table's own write capacity.</param>
/// <param name="Indexes">Each global secondary index's capacity.</param>
internal sealed record TableCapacity(string TableName, KeySchema Keys, bool OnDemand, UnitCapacity Write, IReadOnlyList<IndexCapacity> Indexes)
{
    /// <summary>The table's own read capacity.</summary>
    public UnitCapacity Read { get; init; }

    /// <summary>The capacity of the table (<paramref name="globalIndex"/> null) or of one of its global secondary indexes, of one kind.</summary>
    public UnitCapacity Of(CapacityUnitKind kind, string? globalIndex = null)
    {
        if (globalIndex is not null && Indexes.FirstOrDefault(i => i.Name == globalIndex) is { } index)
        {
            return kind == CapacityUnitKind.Read ? index.Read : index.Write;
        }
        return kind == CapacityUnitKind.Read ? Read : Write;
    }

    /// <summary>Reads the table's description.</summary>
    /// <exception cref="DynamoDbUnavailableException">DynamoDB could not be reached or answered with a server error.</exception>
    public static async Task<TableCapacity> ReadAsync(IAmazonDynamoDB client, string tableName, CancellationToken cancellationToken) =>
        From(await DescribeAsync(client, tableName, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// DescribeTable, the first call a job makes: a network failure or server error (after the client's own retries)
    /// means the endpoint is unreachable, said at once as such rather than as a raw socket error.
    /// </summary>
    /// <exception cref="DynamoDbUnavailableException">DynamoDB could not be reached or answered with a server error.</exception>
    public static async Task<TableDescription> DescribeAsync(IAmazonDynamoDB client, string tableName, CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.DescribeTableAsync(new DescribeTableRequest { TableName = tableName }, cancellationToken).ConfigureAwait(false);
            return response.Table;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException && RequestError.Classify(ex, cancellationToken) is { Kind: RequestErrorKind.Transient } error)
        {
            throw DynamoDbUnavailableException.For(client, $"could not describe table '{tableName}'", error.Reason, ex);
        }
    }

    /// <summary>Reads a DescribeTable answer.</summary>
    public static TableCapacity From(TableDescription table)
    {
        ArgumentNullException.ThrowIfNull(table);
        bool onDemand = table.BillingModeSummary?.BillingMode == BillingMode.PAY_PER_REQUEST;
        var indexes = new List<IndexCapacity>();
        foreach (var index in table.GlobalSecondaryIndexes ?? [])
        {
            indexes.Add(new IndexCapacity(index.IndexName, UnitCapacity.From(index.ProvisionedThroughput?.WriteCapacityUnits, index.OnDemandThroughput?.MaxWriteRequestUnits, index.WarmThroughput?.WriteUnitsPerSecond))
            {
                Read = UnitCapacity.From(index.ProvisionedThroughput?.ReadCapacityUnits, index.OnDemandThroughput?.MaxReadRequestUnits, index.WarmThroughput?.ReadUnitsPerSecond),
            });
        }
        var write = UnitCapacity.From(table.ProvisionedThroughput?.WriteCapacityUnits, table.OnDemandThroughput?.MaxWriteRequestUnits, table.WarmThroughput?.WriteUnitsPerSecond);
        var read = UnitCapacity.From(table.ProvisionedThroughput?.ReadCapacityUnits, table.OnDemandThroughput?.MaxReadRequestUnits, table.WarmThroughput?.ReadUnitsPerSecond);
        // A provisioned table always has at least 1 WCU; 0 with no billing summary is how old emulators describe on-demand.
        onDemand |= table.BillingModeSummary is null && write.Provisioned <= 0;
        return new TableCapacity(table.TableName, KeysOf(table), onDemand, write, indexes) { Read = read };
    }

    private static KeySchema KeysOf(TableDescription table)
    {
        KeyAttribute? partition = null, sort = null;
        foreach (var element in table.KeySchema ?? [])
        {
            var definition = table.AttributeDefinitions?.Find(d => d.AttributeName == element.AttributeName)
                ?? throw new InvalidOperationException($"Table '{table.TableName}' describes key '{element.AttributeName}' without an attribute definition.");
            var type = definition.AttributeType.Value switch
            {
                "S" => FormatKeyType.S,
                "N" => FormatKeyType.N,
                "B" => FormatKeyType.B,
                var other => throw new InvalidOperationException($"Table '{table.TableName}' key '{element.AttributeName}' has unknown type '{other}'."),
            };
            var attribute = new KeyAttribute(element.AttributeName, type);
            if (element.KeyType == Amazon.DynamoDBv2.KeyType.HASH) partition = attribute;
            else sort = attribute;
        }
        return new KeySchema(partition ?? throw new InvalidOperationException($"Table '{table.TableName}' has no partition key in its description."), sort);
    }
}

/// <summary>A global secondary index's capacity.</summary>
/// <param name="Name">The index name.</param>
/// <param name="Write">Its write capacity.</param>
internal sealed record IndexCapacity(string Name, UnitCapacity Write)
{
    /// <summary>Its read capacity.</summary>
    public UnitCapacity Read { get; init; }
}

/// <summary>Read or write capacity.</summary>
internal enum CapacityUnitKind
{
    /// <summary>Read capacity units (one 4 KB strongly consistent read, or two eventually consistent ones).</summary>
    Read,
    /// <summary>Write capacity units (one 1 KB write).</summary>
    Write,
}

/// <summary>Read or write capacity as DescribeTable reports it (<c>ProvisionedThroughput</c>, <c>OnDemandThroughput</c>, <c>WarmThroughput</c>).</summary>
/// <param name="Provisioned">Provisioned capacity units (0 for on-demand).</param>
/// <param name="OnDemandMax">The on-demand maximum request units per second, when one is set.</param>
/// <param name="Warm">The warm throughput in units per second (what the table takes at once), when reported.</param>
internal readonly record struct UnitCapacity(double Provisioned, double? OnDemandMax, double? Warm)
{
    public static UnitCapacity From(long? provisioned, long? onDemandMax, long? warm) =>
        new(Math.Max(0, provisioned ?? 0), onDemandMax > 0 ? onDemandMax : null, warm > 0 ? warm : null);
}
