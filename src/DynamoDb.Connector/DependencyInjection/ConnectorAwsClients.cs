using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using Microsoft.Extensions.DependencyInjection.Extensions;

// Beside AddDynamoDbConnector, in the namespace of IServiceCollection.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the AWS clients the way the connector's own hosts (the CLI, the Lambda function) set them up.</summary>
public static class ConnectorAwsClientsServiceCollectionExtensions
{
    /// <summary>
    /// Adds an <see cref="IAmazonDynamoDB"/> and an <see cref="IAmazonS3"/> (unless already registered) configured from
    /// the standard AWS environment: AWS_REGION or the profile's region (us-east-1 when none: local servers need none,
    /// and real S3 redirects to the bucket's), the default credentials chain, AWS_ENDPOINT_URL_DYNAMODB /
    /// AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL for local servers (S3 then addressed by path). The DynamoDB client makes no
    /// retries of its own: the connector's writer and reader retry, pace and count every failed call themselves, and SDK
    /// retries would hide throttling from them (and a reset connection the SDK sent again unseen would make a
    /// conditional write that had applied look skipped).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns><paramref name="services"/>, to chain calls.</returns>
    public static IServiceCollection AddDynamoDbConnectorAwsClients(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<IAmazonDynamoDB>(_ => new AmazonDynamoDBClient(new AmazonDynamoDBConfig
        {
            RegionEndpoint = DefaultRegion(),
            MaxErrorRetry = 0,
            MaxStaleConnectionRetries = 0,
        }));
        services.TryAddSingleton<IAmazonS3>(_ => new AmazonS3Client(new AmazonS3Config
        {
            RegionEndpoint = DefaultRegion(),
            // Custom endpoints (local servers, MinIO) address buckets by path.
            ForcePathStyle = HasCustomEndpoint("S3"),
        }));
        return services;
    }

    private static bool HasCustomEndpoint(string service) =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable($"AWS_ENDPOINT_URL_{service}"))
        || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL"));

    /// <summary>The configured region, or us-east-1 when none is.</summary>
    private static RegionEndpoint DefaultRegion()
    {
        try
        {
            return FallbackRegionFactory.GetRegionEndpoint() ?? RegionEndpoint.USEast1;
        }
        catch (AmazonClientException)
        {
            return RegionEndpoint.USEast1;
        }
    }
}
