using System.Net;
using System.Net.Sockets;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;

namespace DynamoDb.Connector.Retry;

/// <summary>What to do about a failed request to DynamoDB (a read or a write).</summary>
internal enum RequestErrorKind
{
    /// <summary>DynamoDB refused for lack of capacity: back off, slow down, send again.</summary>
    Throttled,
    /// <summary>A server error, timeout or dropped connection: back off and send again (puts and deletes are idempotent).</summary>
    Transient,
    /// <summary>DynamoDB rejected the request for its content (ValidationException): never retried.</summary>
    Rejected,
    /// <summary>A conditional put's condition was false: the item is skipped.</summary>
    ConditionFailed,
    /// <summary>The caller stopped (the writer or job is being disposed or cancelled).</summary>
    Cancelled,
    /// <summary>Nothing retrying can fix (missing table, denied access): the writer or job fails.</summary>
    Fatal,
}

/// <summary>A failed request, classified.</summary>
/// <param name="Kind">What to do.</param>
/// <param name="Reason">DynamoDB's (or the network's) message, for logs and dead letters.</param>
/// <param name="HotKeyRange">Throttled because of a hot key range (every throttling reason is a <c>KeyRangeThroughputExceeded</c>).</param>
internal readonly record struct RequestError(RequestErrorKind Kind, string Reason, bool HotKeyRange = false)
{
    public static RequestError Classify(Exception exception, CancellationToken stopToken)
    {
        if (exception is OperationCanceledException && stopToken.IsCancellationRequested)
        {
            return new(RequestErrorKind.Cancelled, "stopped by its caller");
        }
        switch (exception)
        {
            case ProvisionedThroughputExceededException e:
                return Throttle(e, e.ThrottlingReasons);
            case ThrottlingException e:
                return Throttle(e, e.ThrottlingReasons);
            case RequestLimitExceededException e:
                return Throttle(e, e.ThrottlingReasons);
            case ConditionalCheckFailedException e:
                return new(RequestErrorKind.ConditionFailed, Describe(e));
            case ItemCollectionSizeLimitExceededException e:
                return new(RequestErrorKind.Rejected, Describe(e));
            case TransactionConflictException e:
                return new(RequestErrorKind.Transient, Describe(e));
            case AmazonServiceException e when e.ErrorCode is "ProvisionedThroughputExceededException" or "ThrottlingException" or "Throttling" or "RequestLimitExceeded" or "RequestLimitExceededException":
                return new(RequestErrorKind.Throttled, Describe(e));
            case AmazonServiceException e when e.ErrorCode is "ValidationException" or "SerializationException":
                return new(RequestErrorKind.Rejected, Describe(e));
            case AmazonServiceException e when (int)e.StatusCode >= 500:
                return new(RequestErrorKind.Transient, Describe(e));
        }
        if (IsNetworkFailure(exception))
        {
            return new(RequestErrorKind.Transient, $"{exception.GetType().Name}: {exception.Message}");
        }
        return new(RequestErrorKind.Fatal, exception is AmazonServiceException service ? Describe(service) : $"{exception.GetType().Name}: {exception.Message}");
    }

    private static RequestError Throttle(AmazonServiceException exception, List<ThrottlingReason>? reasons)
    {
        bool hot = reasons is { Count: > 0 } && reasons.TrueForAll(r => r.Reason?.EndsWith("KeyRangeThroughputExceeded", StringComparison.Ordinal) == true);
        string text = Describe(exception);
        if (reasons is { Count: > 0 }) text += $" [{string.Join(", ", reasons.ConvertAll(r => r.Reason))}]";
        return new(RequestErrorKind.Throttled, text, hot);
    }

    private static string Describe(AmazonServiceException exception) =>
        string.IsNullOrEmpty(exception.ErrorCode) ? exception.Message : $"{exception.ErrorCode}: {exception.Message}";

    // Timeouts (a TaskCanceledException not caused by the writer), dropped connections and socket errors, however the SDK wraps them.
    private static bool IsNetworkFailure(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException or IOException or SocketException or TimeoutException or OperationCanceledException or WebException)
            {
                return true;
            }
        }
        return false;
    }
}
