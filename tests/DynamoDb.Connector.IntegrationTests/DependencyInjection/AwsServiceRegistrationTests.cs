using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Extensions.NETCore.Setup;
using Amazon.S3;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.IntegrationTests.Import;
using DynamoDb.Connector.IntegrationTests.Infrastructure;
using DynamoDb.Connector.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoDb.Connector.IntegrationTests.DependencyInjection;

/// <summary>
/// The connector as a .NET host wires it: the AWS clients registered by AWSSDK.Extensions.NETCore.Setup
/// (AddDefaultAWSOptions + AddAWSService, with the SDK's own defaults, retries included), then AddDynamoDbConnector,
/// and everything resolved from the container.
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed class AwsServiceRegistrationTests(LocalServers servers) : IAsyncLifetime
{
    private readonly string _source = LocalServers.UniqueName("di-source");
    private readonly string _target = LocalServers.UniqueName("di-target");
    private readonly string _bucket = LocalServers.UniqueName("di");
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _services = new ServiceCollection()
            .AddDefaultAWSOptions(new AWSOptions
            {
                Credentials = LocalServers.Credentials,
                Region = RegionEndpoint.GetBySystemName(LocalServers.Region),
                DefaultClientConfig = { ServiceURL = servers.DynamoDbEndpoint.ToString(), AuthenticationRegion = LocalServers.Region },
            })
            .AddAWSService<IAmazonDynamoDB>()
            .AddAWSService<IAmazonS3>(new AWSOptions
            {
                Credentials = LocalServers.Credentials,
                Region = RegionEndpoint.GetBySystemName(LocalServers.Region),
                DefaultClientConfig = { ServiceURL = servers.S3Endpoint.ToString(), AuthenticationRegion = LocalServers.Region },
            })
            .AddDynamoDbConnector()
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var dynamo = _services.GetRequiredService<IAmazonDynamoDB>();
        await TestTables.CreateTableAsync(dynamo, _source, indexes: false);
        await TestTables.CreateTableAsync(dynamo, _target, indexes: false);
        await _services.GetRequiredService<IAmazonS3>().PutBucketAsync(_bucket);
    }

    public async Task DisposeAsync()
    {
        var dynamo = _services.GetRequiredService<IAmazonDynamoDB>();
        await dynamo.DeleteTableAsync(_source);
        await dynamo.DeleteTableAsync(_target);
        await _services.DisposeAsync();
    }

    [Fact]
    public async Task ImportAndExport_ThroughClientsRegisteredWithAddAWSService_MoveEveryItem()
    {
        var items = TestTables.Plain(5, 40);
        var dynamo = _services.GetRequiredService<IAmazonDynamoDB>();
        await TestTables.PutAllAsync(dynamo, _source, items);

        var exported = await _services.GetRequiredService<ExportJob>().RunAsync(new ExportOptions
        {
            TableName = _source,
            Destination = $"s3://{_bucket}/export/",
            Compression = CompressionKind.Gzip,
            Throughput = { ReadUnitsPerSecond = 2_000 },
        });
        var imported = await _services.GetRequiredService<ImportJob>().RunAsync(ImportFixture.OptionsFor(_target, $"s3://{_bucket}/export/"));

        Assert.Equal(items.Count, exported.ItemsExported);
        Assert.Equal(items.Count, imported.ItemsWritten);
        await TestTables.AssertTableHoldsAsync(dynamo, _target, items);
    }

    [Fact]
    public async Task ObjectStores_FromTheContainer_ResolveS3AndLocalUrisForAHost()
    {
        var stores = _services.GetRequiredService<ObjectStores>();
        string uri = $"s3://{_bucket}/host/items.json";

        await ImportFixture.WriteFileAsync(stores.For(uri), uri, ItemFileFormat.DynamoDbJson, CompressionKind.None, TestTables.Plain(1, 3));

        var listed = await stores.For(uri).ListAsync($"s3://{_bucket}/host/", recursive: false).ToListAsync();
        Assert.Equal([uri], listed.Select(o => o.Uri));
        Assert.IsType<LocalFileObjectStore>(stores.For(Path.GetTempPath()));
    }
}
