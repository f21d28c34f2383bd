using System.Net;
using Amazon.Runtime;

namespace DynamoDb.Connector.Storage;

/// <summary>Turns S3 service errors into .NET I/O exceptions whose messages name the uri (and the bucket, when it is missing).</summary>
internal static class S3Errors
{
    /// <summary>Whether S3 answered that the object (or, with no body as on HEAD, something) is not there.</summary>
    public static bool IsNotFound(AmazonServiceException ex) =>
        ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode is null or "NoSuchKey" or "NotFound";

    /// <summary>The exception to throw for <paramref name="ex"/>, raised while <paramref name="action"/> <paramref name="uri"/>.</summary>
    /// <param name="ex">What S3 answered.</param>
    /// <param name="action">What was being done, as a verb phrase: "reading", "listing", "writing".</param>
    /// <param name="uri">The object or prefix.</param>
    /// <param name="missingBucketIsMissingObject">Report a missing bucket as <see cref="FileNotFoundException"/> (reads), not <see cref="DirectoryNotFoundException"/>.</param>
    public static Exception Translate(AmazonServiceException ex, string action, string uri, bool missingBucketIsMissingObject = false)
    {
        if (ex.ErrorCode == "NoSuchBucket")
        {
            string bucket = ObjectUri.ParseS3(uri).Bucket;
            string message = $"S3 bucket '{bucket}' does not exist ({action} {uri}).";
            return missingBucketIsMissingObject ? new FileNotFoundException(message, uri, ex) : new DirectoryNotFoundException(message, ex);
        }
        if (IsNotFound(ex))
        {
            return new FileNotFoundException($"No object at {uri}.", uri, ex);
        }
        if (ex.ErrorCode == "AccessDenied" || ex.StatusCode == HttpStatusCode.Forbidden)
        {
            return new UnauthorizedAccessException($"S3 denied access while {action} {uri}: {ex.Message}", ex);
        }
        return new IOException($"S3 failed while {action} {uri}: {ex.ErrorCode ?? "error"} (HTTP {(int)ex.StatusCode}) {ex.Message}", ex);
    }
}
