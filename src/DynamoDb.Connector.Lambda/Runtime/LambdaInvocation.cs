namespace DynamoDb.Connector.Lambda.Runtime;

/// <summary>One invocation handed out by the Lambda Runtime API: its id, its deadline and its payload.</summary>
public sealed class LambdaInvocation
{
    internal LambdaInvocation(string requestId, DateTimeOffset deadline, Stream payload, string? traceId, string? functionArn)
    {
        RequestId = requestId;
        Deadline = deadline;
        Payload = payload;
        TraceId = traceId;
        FunctionArn = functionArn;
    }

    /// <summary>The invocation's request id (<c>Lambda-Runtime-Aws-Request-Id</c>).</summary>
    public string RequestId { get; }

    /// <summary>When Lambda stops the invocation (<c>Lambda-Runtime-Deadline-Ms</c>).</summary>
    public DateTimeOffset Deadline { get; }

    /// <summary>The event, as sent (JSON for a Step Functions task).</summary>
    public Stream Payload { get; }

    /// <summary>The X-Ray trace header (<c>Lambda-Runtime-Trace-Id</c>), when there is one.</summary>
    public string? TraceId { get; }

    /// <summary>The invoked function's ARN (<c>Lambda-Runtime-Invoked-Function-Arn</c>), when given.</summary>
    public string? FunctionArn { get; }
}
