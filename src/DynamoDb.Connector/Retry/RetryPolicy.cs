using System.Runtime.ExceptionServices;
using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Retry;

/// <summary>
/// The one retry policy of the connector's DynamoDB reads and writes: classification (<see cref="RequestError"/>:
/// throttled and transient errors are retried; rejected, failed conditions and fatal errors are not), full-jitter
/// exponential backoff, a deadline per attempt (<see cref="RetryOptions.AttemptTimeout"/>) and limits per operation
/// (<see cref="RetryOptions.MaxAttempts"/>, <see cref="RetryOptions.MaxRetryTime"/>). The writer uses its parts (its
/// batches also retry what DynamoDB left unprocessed); a read uses <c>ExecuteAsync</c>. Thread-safe.
/// </summary>
internal sealed class RetryPolicy(RetryOptions options, TimeProvider timeProvider, Func<double> random)
{
    public RetryOptions Options => options;

    /// <summary>
    /// The backoff before the <paramref name="failures"/>-th retry in a row: full jitter, <paramref name="random"/>
    /// (0 to 1) x min(MaxDelay, BaseDelay x 2^(n-1)).
    /// </summary>
    public static TimeSpan DelayBefore(RetryOptions options, int failures, double random)
    {
        double ceiling = Math.Min(options.MaxDelay.Ticks, options.BaseDelay.Ticks * Math.Pow(2, Math.Min(failures - 1, 40)));
        return TimeSpan.FromTicks((long)(ceiling * random));
    }

    /// <inheritdoc cref="DelayBefore(RetryOptions, int, double)"/>
    public TimeSpan DelayBefore(int failures) => DelayBefore(options, failures, random());

    /// <summary>A deadline for one attempt, within <paramref name="cancellationToken"/>.</summary>
    public AttemptDeadline StartAttempt(CancellationToken cancellationToken) => new(options.AttemptTimeout, timeProvider, cancellationToken);

    /// <summary>
    /// Whether an operation sent <paramref name="attempts"/> times, first at <paramref name="firstAttemptAt"/> (a
    /// <see cref="TimeProvider"/> timestamp), may not be sent again; <paramref name="limits"/> says what they are.
    /// </summary>
    public bool IsExhausted(int attempts, long firstAttemptAt, out string limits)
    {
        bool outOfAttempts = options.MaxAttempts is { } max && attempts >= max;
        bool outOfTime = attempts > 0 && options.MaxRetryTime is { } limit && timeProvider.GetElapsedTime(firstAttemptAt) >= limit;
        limits = $"{(options.MaxAttempts is { } m ? $"{m} attempts" : "no attempt limit")}, {(options.MaxRetryTime is { } t ? $"{t:g}" : "no time limit")}";
        return outOfAttempts || outOfTime;
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> (given its attempt's token) until it succeeds, retrying throttled and transient
    /// errors with backoff. Before each retry <paramref name="onRetry"/> sees the error and the failures so far (to
    /// refund permits, slow the pacing down, log). Errors that are not retried are rethrown as they were.
    /// </summary>
    /// <exception cref="RetriesExhaustedException">Retryable errors outlasted the limits: DynamoDB is unavailable.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> attempt, Func<RequestError, int, ValueTask>? onRetry, CancellationToken cancellationToken) =>
        ExecuteAsync(attempt, onRetry, null, cancellationToken);

    /// <summary>
    /// As the overload without <paramref name="tracker"/>; the backoff waits as a flow of <paramref name="tracker"/>
    /// when one is given (so a test's fake clock advances meanwhile).
    /// </summary>
    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> attempt, Func<RequestError, int, ValueTask>? onRetry, Capacity.WorkTracker? tracker, CancellationToken cancellationToken)
    {
        int failures = 0;
        long firstAttemptAt = timeProvider.GetTimestamp();
        while (true)
        {
            RequestError error;
            Exception failure;
            using (var deadline = StartAttempt(cancellationToken))
            {
                try
                {
                    return await attempt(deadline.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    error = deadline.Classify(ex, cancellationToken);
                    if (error.Kind == RequestErrorKind.Cancelled) throw new OperationCanceledException(cancellationToken);
                    if (error.Kind is not (RequestErrorKind.Throttled or RequestErrorKind.Transient)) ExceptionDispatchInfo.Throw(ex);
                    failure = ex;
                }
            }
            failures++;
            if (IsExhausted(failures, firstAttemptAt, out string limits))
            {
                throw new RetriesExhaustedException(
                    $"failed {failures} times in a row over {timeProvider.GetElapsedTime(firstAttemptAt):g} with errors that retrying should fix (retry limits: {limits})", error, failure);
            }
            if (onRetry is not null) await onRetry(error, failures).ConfigureAwait(false);
            var delay = DelayBefore(failures);
            await (tracker is null ? Task.Delay(delay, timeProvider, cancellationToken) : tracker.DelayAsync(delay, timeProvider, cancellationToken)).ConfigureAwait(false);
        }
    }
}

/// <summary>Retryable errors outlasted the <see cref="RetryOptions"/> limits; <see cref="LastError"/> is the last of them.</summary>
internal sealed class RetriesExhaustedException(string message, RequestError lastError, Exception inner) : Exception(message, inner)
{
    public RequestError LastError { get; } = lastError;
}
