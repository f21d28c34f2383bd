using System.Threading.RateLimiting;
using Amazon.DynamoDBv2;
using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Retry;
using DynamoDb.Connector.Telemetry;
using Microsoft.Extensions.Logging;

namespace DynamoDb.Connector.Writing;

/// <summary>
/// What every request of one writer goes through, whichever sender makes it (<see cref="BatchSender"/>,
/// <see cref="ConditionalSender"/>): permits from the table's budget before, a throttle signal to it and a backoff
/// after a failure, the retry limits (past which the writer stops: an outage, not the items' fault), and the
/// dead-letter sink for what DynamoDB rejects. Thread-safe.
/// </summary>
internal sealed class WriteAttempts(
    IAmazonDynamoDB client,
    TableWriteBudget budget,
    RetryPolicy retry,
    DeadLetterRecorder deadLetters,
    WriterStatistics statistics,
    WorkTracker tracker,
    TimeProvider timeProvider,
    ILogger logger,
    Action<WriterFailure> fail,
    CancellationToken stop)
{
    public IAmazonDynamoDB Client => client;

    public TableWriteBudget Budget => budget;

    public string TableName => budget.TableName;

    public KeySchema Keys => budget.Keys;

    public WriterStatistics Statistics => statistics;

    public WorkTracker Tracker => tracker;

    public ILogger Logger => logger;

    /// <summary>Cancelled when the writer is disposed or failed: every request and wait stops.</summary>
    public CancellationToken Stop => stop;

    /// <summary>Fails the writer at once (the other batches stop too).</summary>
    public void Fail(WriterFailure failure) => fail(failure);

    /// <summary>A deadline for one request (<see cref="RetryOptions.AttemptTimeout"/>).</summary>
    public AttemptDeadline StartAttempt() => retry.StartAttempt(stop);

    /// <summary>Waits for <paramref name="permits"/> from the table's budget.</summary>
    public async ValueTask AcquireAsync(int permits)
    {
        long start = timeProvider.GetTimestamp();
        var acquiring = budget.Limiter.AcquireAsync(permits, stop);
        RateLimitLease lease;
        if (acquiring.IsCompleted)
        {
            lease = acquiring.Result;
        }
        else
        {
            lease = await tracker.WaitAsync(acquiring.AsTask()).ConfigureAwait(false);
            statistics.AddPermitWait(timeProvider.GetElapsedTime(start));
        }
        if (!lease.IsAcquired) throw new OperationCanceledException("The table's write budget was released.", stop);
    }

    /// <summary>Waits before sending <paramref name="pending"/> again after its <paramref name="failures"/>th failure in a row.</summary>
    public async Task BackOffAsync(List<WriteEntry> pending, int failures, string reason, bool throttled)
    {
        foreach (var entry in pending) entry.LastError = reason;
        var delay = retry.DelayBefore(failures);
        if (throttled) Log.WriteThrottled(logger, TableName, pending.Count, reason, failures, delay);
        else Log.WriteRetrying(logger, TableName, pending.Count, reason, failures, delay);
        await tracker.DelayAsync(delay, timeProvider, stop).ConfigureAwait(false);
    }

    /// <summary>DynamoDB throttled a request: counted, and the table's pacing slows down.</summary>
    public void OnThrottled(string reason, bool hotKeyRange)
    {
        if (statistics.CountThrottled(hotKeyRange)) Log.HotKeyRange(logger, TableName, reason);
        budget.OnThrottled(hotKeyRange);
    }

    /// <summary>
    /// Stops the writer when an entry ran out of attempts or time (<see cref="RetryOptions"/>). Only retryable errors
    /// (throttling, timeouts, dropped or refused connections, 5xx) count as attempts, and those are the service's
    /// trouble, not the item's: the entries are not dead-lettered but stay unacknowledged, so a rerun writes them.
    /// </summary>
    public void ThrowIfOutOfRetries(List<WriteEntry> pending)
    {
        foreach (var entry in pending) ThrowIfOutOfRetries(entry);
    }

    /// <inheritdoc cref="ThrowIfOutOfRetries(List{WriteEntry})"/>
    public void ThrowIfOutOfRetries(WriteEntry entry)
    {
        if (!retry.IsExhausted(entry.Attempts, entry.FirstAttemptAt, out string limits)) return;
        throw new WriterFailure(
            $"writes to table '{TableName}' failed {entry.Attempts} times in a row over {timeProvider.GetElapsedTime(entry.FirstAttemptAt):g} with errors that retrying should fix (retry limits: {limits})",
            null, entry.LastError ?? "unknown");
    }

    /// <summary>Sets <paramref name="entries"/> of <paramref name="flow"/> aside: DynamoDB rejected them for their content.</summary>
    public async Task DeadLetterAllAsync(BatchFlow flow, List<WriteEntry> entries, string cause, string reason)
    {
        foreach (var entry in entries)
        {
            await DeadLetterAsync(new DeadLetter(entry.Original, entry.Operation, reason, entry.Source, entry.Line), cause, CancellationToken.None).ConfigureAwait(false);
            Interlocked.Increment(ref flow.Settled);
        }
    }

    /// <summary>Records one dead letter; a sink that fails fails the writer (an item must not be lost silently).</summary>
    public async ValueTask DeadLetterAsync(DeadLetter letter, string cause, CancellationToken cancellationToken)
    {
        try
        {
            await deadLetters.RecordAsync(letter, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new WriterFailure($"could not dead-letter an item ({letter.Reason}): {ex.Message}", ex);
        }
        statistics.CountDeadLettered(cause);
        Log.ItemDeadLettered(logger, TableName, letter.Source ?? "", letter.Line, letter.Reason);
    }
}

/// <summary>An error that fails the writer, raised inside a batch; <paramref name="outageError"/> when it is an outage (retryable errors outlasted the retry limits).</summary>
internal sealed class WriterFailure(string message, Exception? inner, string? outageError = null) : Exception(message, inner)
{
    /// <summary>The last retryable error, when the writer stops because DynamoDB is unavailable; null otherwise.</summary>
    public string? OutageError { get; } = outageError;
}
