using System.Net;
using System.Net.Sockets;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;

namespace DynamoDb.Connector.Writing;

/// <summary>What to do about a failed write request.</summary>
internal enum WriteErrorKind
{
    /// <summary>DynamoDB refused for lack of capacity: back off, slow down, send again.</summary>
    Throttled,
    /// <summary>A server error, timeout or dropped connection: back off and send again (puts and deletes are idempotent).</summary>
    Transient,
    /// <summary>DynamoDB rejected the request for its content (ValidationException): never retried.</summary>
    Rejected,
    /// <summary>A conditional put's condition was false: the item is skipped.</summary>
    ConditionFailed,
    /// <summary>The writer is being disposed.</summary>
    Cancelled,
    /// <summary>Nothing retrying can fix (missing table, denied access): the writer fails.</summary>
    Fatal,
}

/// <summary>A failed request, classified.</summary>
/// <param name="Kind">What to do.</param>
/// <param name="Reason">DynamoDB's (or the network's) message, for logs and dead letters.</param>
/// <param name="HotKeyRange">Throttled because of a hot key range (every throttling reason is a <c>KeyRangeThroughputExceeded</c>).</param>
internal readonly record struct WriteError(WriteErrorKind Kind, string Reason, bool HotKeyRange = false)
{
    public static WriteError Classify(Exception exception, CancellationToken writerToken)
    {
        if (exception is OperationCanceledException && writerToken.IsCancellationRequested)
        {
            return new(WriteErrorKind.Cancelled, "the writer was disposed");
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
                return new(WriteErrorKind.ConditionFailed, Describe(e));
            case ItemCollectionSizeLimitExceededException e:
                return new(WriteErrorKind.Rejected, Describe(e));
            case TransactionConflictException e:
                return new(WriteErrorKind.Transient, Describe(e));
            case AmazonServiceException e when e.ErrorCode is "ProvisionedThroughputExceededException" or "ThrottlingException" or "Throttling" or "RequestLimitExceeded" or "RequestLimitExceededException":
                return new(WriteErrorKind.Throttled, Describe(e));
            case AmazonServiceException e when e.ErrorCode is "ValidationException" or "SerializationException":
                return new(WriteErrorKind.Rejected, Describe(e));
            case AmazonServiceException e when (int)e.StatusCode >= 500:
                return new(WriteErrorKind.Transient, Describe(e));
        }
        if (IsNetworkFailure(exception))
        {
            return new(WriteErrorKind.Transient, $"{exception.GetType().Name}: {exception.Message}");
        }
        return new(WriteErrorKind.Fatal, exception is AmazonServiceException service ? Describe(service) : $"{exception.GetType().Name}: {exception.Message}");
    }

    private static WriteError Throttle(AmazonServiceException exception, List<ThrottlingReason>? reasons)
    {
        bool hot = reasons is { Count: > 0 } && reasons.TrueForAll(r => r.Reason?.EndsWith("KeyRangeThroughputExceeded", StringComparison.Ordinal) == true);
        string text = Describe(exception);
        if (reasons is { Count: > 0 }) text += $" [{string.Join(", ", reasons.ConvertAll(r => r.Reason))}]";
        return new(WriteErrorKind.Throttled, text, hot);
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
