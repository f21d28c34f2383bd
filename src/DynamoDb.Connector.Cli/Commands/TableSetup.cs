using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using KeyType = DynamoDb.Connector.Formats.Items.KeyType;

namespace DynamoDb.Connector.Cli.Commands;

/// <summary>
/// <c>--create-table --key pk:S,sk:N</c>: creates the import's table (on-demand) when it does not exist and waits until
/// it is active. An existing table is used as it is, provided its key schema is the one asked for: importing into a table
/// keyed differently would dead-letter every item.
/// </summary>
internal static class TableSetup
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(10);

    public static async Task EnsureAsync(IAmazonDynamoDB client, string table, KeySchema key, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (await DescribeAsync(client, table, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            var actual = KeyOf(existing);
            if (actual != key.ToString())
            {
                throw new InvalidOperationException($"Table '{table}' exists with key {actual}, not {key}: import into it without --create-table, or name another table.");
            }
            return;
        }
        await stderr.WriteLineAsync($"Creating table {table} (on-demand, key {key}).").ConfigureAwait(false);
        try
        {
            await client.CreateTableAsync(new CreateTableRequest
            {
                TableName = table,
                BillingMode = BillingMode.PAY_PER_REQUEST,
                KeySchema = [.. key.Attributes.Select((a, i) => new KeySchemaElement(a.Name, i == 0 ? Amazon.DynamoDBv2.KeyType.HASH : Amazon.DynamoDBv2.KeyType.RANGE))],
                AttributeDefinitions = [.. key.Attributes.Select(a => new AttributeDefinition(a.Name, TypeOf(a.Type)))],
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceInUseException)
        {
            // Created meanwhile by another process (two run-split processes with --create-table): wait for it like ours.
        }
        var deadline = DateTime.UtcNow + MaxWait;
        while (true)
        {
            var described = await DescribeAsync(client, table, cancellationToken).ConfigureAwait(false);
            if (described?.TableStatus == TableStatus.ACTIVE) return;
            if (DateTime.UtcNow > deadline) throw new InvalidOperationException($"Table '{table}' is not active after {MaxWait.TotalMinutes:0} minutes (status {described?.TableStatus}).");
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<TableDescription?> DescribeAsync(IAmazonDynamoDB client, string table, CancellationToken cancellationToken)
    {
        try
        {
            return (await client.DescribeTableAsync(table, cancellationToken).ConfigureAwait(false)).Table;
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
    }

    internal static string KeyOf(TableDescription table)
    {
        string TypeOfAttribute(string name) => table.AttributeDefinitions.First(d => d.AttributeName == name).AttributeType.Value;
        var hash = table.KeySchema.First(k => k.KeyType == Amazon.DynamoDBv2.KeyType.HASH).AttributeName;
        var range = table.KeySchema.FirstOrDefault(k => k.KeyType == Amazon.DynamoDBv2.KeyType.RANGE)?.AttributeName;
        return range is null ? $"{hash}:{TypeOfAttribute(hash)}" : $"{hash}:{TypeOfAttribute(hash)},{range}:{TypeOfAttribute(range)}";
    }

    private static ScalarAttributeType TypeOf(KeyType type) => type switch
    {
        KeyType.S => ScalarAttributeType.S,
        KeyType.N => ScalarAttributeType.N,
        _ => ScalarAttributeType.B,
    };
}
