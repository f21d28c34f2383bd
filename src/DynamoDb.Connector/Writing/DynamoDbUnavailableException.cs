using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime.Endpoints;

namespace DynamoDb.Connector.Writing;

/// <summary>
/// DynamoDB could not be reached, or kept failing with errors that retrying is meant to fix (connection refused or
/// reset, timeouts, HTTP 5xx, throttling), for longer than <see cref="RetryOptions"/> allow. Nothing is lost: the items
/// it could not write are neither dead-lettered nor acknowledged (an import's checkpoint stays behind them), so running
/// the job again once the service answers completes it.
/// </summary>
public sealed class DynamoDbUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DynamoDbUnavailableException(string message, string endpoint, string lastError, WriteSummary? summary = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Endpoint = endpoint;
        LastError = lastError;
        Summary = summary;
    }

    /// <summary>The endpoint the client was talking to (a URL, or the region's when the client resolves it).</summary>
    public string Endpoint { get; }

    /// <summary>The last error, as the network or DynamoDB gave it.</summary>
    public string LastError { get; }

    /// <summary>What the writer did before it stopped (written items, items abandoned); null when no writer was running.</summary>
    public WriteSummary? Summary { get; }

    /// <summary>The exception for a call that failed with <paramref name="error"/> (a retryable one) and will not be tried again.</summary>
    internal static DynamoDbUnavailableException For(IAmazonDynamoDB client, string what, string error, Exception? inner, WriteSummary? summary = null)
    {
        string endpoint = EndpointOf(client);
        return new DynamoDbUnavailableException($"DynamoDB at {endpoint} is unavailable: {what}. Last error: {error}", endpoint, error, summary, inner);
    }

    /// <summary>Where <paramref name="client"/> sends its requests, in words (never throws).</summary>
    internal static string EndpointOf(IAmazonDynamoDB client)
    {
        try
        {
            var config = client.Config;
            if (!string.IsNullOrEmpty(config.ServiceURL)) return config.ServiceURL;
            // AWS_ENDPOINT_URL_DYNAMODB and region endpoints are resolved per request.
            var resolved = config.DetermineServiceOperationEndpoint(new ServiceOperationEndpointParameters(new DescribeTableRequest { TableName = "t" }));
            if (!string.IsNullOrEmpty(resolved?.URL)) return resolved.URL;
            return config.RegionEndpoint?.SystemName ?? "an unknown endpoint";
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return "an endpoint the client could not name";
        }
    }
}
