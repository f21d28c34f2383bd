using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Retry;

/// <summary>
/// One request's cancellation: the caller's token, cancelled too when the request outlasts
/// <see cref="RetryOptions.AttemptTimeout"/>, so a connection that stalls is retried like a dropped one instead of
/// holding its batch for the client's own timeout (100 s by default).
/// </summary>
internal sealed class AttemptDeadline : IDisposable
{
    private readonly TimeSpan? _timeout;
    private readonly CancellationTokenSource? _expiry;
    private readonly CancellationTokenSource? _linked;

    public AttemptDeadline(TimeSpan? timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        _timeout = timeout;
        if (timeout is not { } limit)
        {
            Token = cancellationToken;
            return;
        }
        _expiry = new CancellationTokenSource(limit, timeProvider);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _expiry.Token);
        Token = _linked.Token;
    }

    /// <summary>The token to give the request.</summary>
    public CancellationToken Token { get; }

    /// <summary>Classifies a failed request: a timeout (transient: it may have applied) when this deadline cut it short.</summary>
    public RequestError Classify(Exception exception, CancellationToken cancellationToken) =>
        _expiry?.IsCancellationRequested == true && !cancellationToken.IsCancellationRequested
            ? new RequestError(RequestErrorKind.Transient, $"no answer within {_timeout:g} (the attempt timeout)")
            : RequestError.Classify(exception, cancellationToken);

    public void Dispose()
    {
        _linked?.Dispose();
        _expiry?.Dispose();
    }
}
