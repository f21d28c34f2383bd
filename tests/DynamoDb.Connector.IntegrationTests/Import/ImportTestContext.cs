using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.S3;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.IntegrationTests.Cli;
using DynamoDb.Connector.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoDb.Connector.IntegrationTests.Import;

/// <summary>What an import test against the local servers holds: the clients, the connector's services and job, a table name and a temporary folder.</summary>
internal sealed class ImportTestContext : IAsyncDisposable
{
    public ImportTestContext(LocalServers servers, string tablePrefix)
    {
        Servers = servers;
        Client = servers.CreateDynamoDbClient();
        S3 = servers.CreateS3Client();
        Services = ImportFixture.CreateServices(Client, S3);
        Job = Services.GetRequiredService<ImportJob>();
        Table = LocalServers.UniqueName(tablePrefix);
    }

    public LocalServers Servers { get; }

    public AmazonDynamoDBClient Client { get; }

    public AmazonS3Client S3 { get; }

    public ServiceProvider Services { get; }

    public ImportJob Job { get; }

    /// <summary>The test's table (created by the test; deleted at the end if it was).</summary>
    public string Table { get; }

    public TempFolder Temp { get; } = new();

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
