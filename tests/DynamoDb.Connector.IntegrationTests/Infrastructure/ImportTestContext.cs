using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.S3;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.IntegrationTests.Cli;
using DynamoDb.Connector.IntegrationTests.Import;
using DynamoDb.Connector.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoDb.Connector.IntegrationTests.Infrastructure;

/// <summary>
/// What an import test against the local servers holds: the clients, the connector's services, job and stores, a
/// table name, a bucket name and a temporary folder.
/// </summary>
internal sealed class ImportTestContext : IAsyncDisposable
{
    /// <param name="servers">The local servers.</param>
    /// <param name="tablePrefix">The start of the table's unique name, and of the bucket's.</param>
    public ImportTestContext(LocalServers servers, string tablePrefix)
    {
        Servers = servers;
        Client = servers.CreateDynamoDbClient();
        S3 = servers.CreateS3Client();
        Services = ImportFixture.CreateServices(Client, S3);
        Job = Services.GetRequiredService<ImportJob>();
        Stores = Services.GetRequiredService<ObjectStores>();
        Table = LocalServers.UniqueName(tablePrefix);
        Bucket = LocalServers.UniqueName(tablePrefix);
    }

    public LocalServers Servers { get; }

    public AmazonDynamoDBClient Client { get; }

    public AmazonS3Client S3 { get; }

    public ServiceProvider Services { get; }

    public ImportJob Job { get; }

    public ObjectStores Stores { get; }

    /// <summary>The test's table (created by the test; deleted at the end if it was).</summary>
    public string Table { get; }

    /// <summary>The test's bucket (created by <see cref="CreateTableAndBucketAsync"/>).</summary>
    public string Bucket { get; }

    public TempFolder Temp { get; } = new();

    /// <summary>Creates the test's table: keys only (see <see cref="TestTables.CreateTableAsync"/>).</summary>
    public Task CreateTableAsync() => TestTables.CreateTableAsync(Client, Table, indexes: false);

    /// <summary>Creates the test's table (<see cref="CreateTableAsync"/>) and its bucket.</summary>
    public async Task CreateTableAndBucketAsync()
    {
        await CreateTableAsync();
        await S3.PutBucketAsync(Bucket);
    }

    /// <summary>A folder for a test's files: under the temporary folder, or a prefix of the test's bucket.</summary>
    public string Folder(string name, bool s3) => s3 ? $"s3://{Bucket}/{name}/" : Temp.Combine(name) + "/";

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Client.DeleteTableAsync(Table);
        }
        catch (ResourceNotFoundException)
        {
            // The test made none.
        }
        await Services.DisposeAsync();
        Client.Dispose();
        S3.Dispose();
        Temp.Dispose();
    }
}
