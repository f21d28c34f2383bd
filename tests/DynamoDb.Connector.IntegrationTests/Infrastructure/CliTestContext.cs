using Amazon.DynamoDBv2;
using DynamoDb.Connector.IntegrationTests.Cli;

namespace DynamoDb.Connector.IntegrationTests.Infrastructure;

/// <summary>
/// What a test of the real CLI against the local servers holds: a temporary folder for its files, and a DynamoDB
/// client to make the tables it imports into and to look at what the CLI wrote.
/// </summary>
internal sealed class CliTestContext(LocalServers servers) : IDisposable
{
    public TempFolder Temp { get; } = new();

    public AmazonDynamoDBClient DynamoDb { get; } = servers.CreateDynamoDbClient();

    /// <summary>Creates a table named <paramref name="prefix"/> and a unique suffix, keyed by pk and sk, without indexes (see <see cref="TestTables.CreateTableAsync"/>).</summary>
    public async Task<string> CreateTableAsync(string prefix)
    {
        string table = LocalServers.UniqueName(prefix);
        await TestTables.CreateTableAsync(DynamoDb, table, indexes: false);
        return table;
    }

    public void Dispose()
    {
        Temp.Dispose();
        DynamoDb.Dispose();
    }
}
