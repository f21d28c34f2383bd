#region usings
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Checkpoints;
#endregion

namespace ImportPipelineSample;

/// <summary>
/// The pipeline's positions kept where this host likes them: in a DynamoDB table of its own (key <c>job</c>, the
/// source and target; sort key <c>document</c>, the name), one item per document. A PutItem replaces an item whole, so
/// a crash mid-write leaves the previous position; reads are strongly consistent, so a rerun sees the last one.
/// </summary>
#region store
internal sealed class TableCheckpointStore(IAmazonDynamoDB dynamoDb, string table, string job) : ICheckpointStore
{
    public string Location => $"DynamoDB table {table}, job '{job}'";

    public async Task<string?> ReadAsync(string name, CancellationToken cancellationToken = default)
    {
        var response = await dynamoDb.GetItemAsync(new GetItemRequest { TableName = table, Key = Key(name), ConsistentRead = true }, cancellationToken);
        return response.Item is { Count: > 0 } item ? item["json"].S : null;
    }

    public Task WriteAsync(string name, string json, CancellationToken cancellationToken = default) =>
        dynamoDb.PutItemAsync(new PutItemRequest { TableName = table, Item = new(Key(name)) { ["json"] = new AttributeValue { S = json } } }, cancellationToken);

    public Task DeleteAsync(string name, CancellationToken cancellationToken = default) =>
        dynamoDb.DeleteItemAsync(new DeleteItemRequest { TableName = table, Key = Key(name) }, cancellationToken);

    private Dictionary<string, AttributeValue> Key(string name) => new()
    {
        ["job"] = new AttributeValue { S = job },
        ["document"] = new AttributeValue { S = name },
    };
    #endregion

    /// <summary>Creates the checkpoint table (on demand) unless it exists, and waits until it is active.</summary>
    public static async Task CreateTableIfMissingAsync(IAmazonDynamoDB dynamoDb, string table, CancellationToken cancellationToken)
    {
        try
        {
            await dynamoDb.CreateTableAsync(new CreateTableRequest
            {
                TableName = table,
                KeySchema = [new KeySchemaElement("job", KeyType.HASH), new KeySchemaElement("document", KeyType.RANGE)],
                AttributeDefinitions = [new AttributeDefinition("job", ScalarAttributeType.S), new AttributeDefinition("document", ScalarAttributeType.S)],
                BillingMode = BillingMode.PAY_PER_REQUEST,
            }, cancellationToken);
        }
        catch (ResourceInUseException)
        {
            // It exists: positions of earlier runs are in it.
        }
        var waited = TimeSpan.Zero;
        while ((await dynamoDb.DescribeTableAsync(table, cancellationToken)).Table.TableStatus != TableStatus.ACTIVE)
        {
            if (waited > TimeSpan.FromMinutes(2)) throw new TimeoutException($"The checkpoint table {table} did not become active in 2 minutes.");
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken); // a new table takes seconds on AWS
            waited += TimeSpan.FromSeconds(1);
        }
    }
}
