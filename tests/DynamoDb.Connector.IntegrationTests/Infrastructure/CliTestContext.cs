using Amazon.DynamoDBv2;
using Amazon.S3;
using DynamoDb.Connector.IntegrationTests.Cli;

namespace DynamoDb.Connector.IntegrationTests.Infrastructure;

/// <summary>
/// What a test of the real CLI against the local servers holds: a temporary folder for its files, and a DynamoDB
/// client to make the tables it imports into and to look at what the CLI wrote.
/// </summary>
internal sealed class CliTestContext(LocalServers servers) : IDisposable
{
    private AmazonS3Client? _s3;

    public TempFolder Temp { get; } = new();

    public AmazonDynamoDBClient DynamoDb { get; } = servers.CreateDynamoDbClient();

    /// <summary>An S3 client of s3rver, made when a test first asks for it.</summary>
    public AmazonS3Client S3 => _s3 ??= servers.CreateS3Client();

    /// <summary>
    /// Points this process's standard AWS variables at the local servers, for a test that runs the CLI in this process
    /// (<see cref="CliRunner"/>): it builds its clients from the environment, as it does against AWS.
    /// </summary>
    public CliTestContext InThisProcess()
    {
        foreach (var (name, value) in servers.Environment) Environment.SetEnvironmentVariable(name, value);
        return this;
    }

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
        _s3?.Dispose();
    }
}
