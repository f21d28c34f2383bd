namespace DynamoDb.Connector.Writing;

/// <summary>The outage decision: when retryable errors have lasted too long, the writer stops instead of dead-lettering.</summary>
internal sealed partial class DynamoDbWriter
{
    /// <summary>
    /// Stops the writer when an entry ran out of attempts or time (<see cref="RetryOptions"/>). Only retryable errors
    /// (throttling, timeouts, dropped or refused connections, 5xx) count as attempts, and those are the service's
    /// trouble, not the item's: the entries are not dead-lettered but stay unacknowledged, so a rerun writes them.
    /// </summary>
    private void ThrowIfOutOfRetries(List<WriteEntry> pending)
    {
        foreach (var entry in pending) ThrowIfOutOfRetries(entry);
    }

    private void ThrowIfOutOfRetries(WriteEntry entry)
    {
        var retry = _options.Retry;
        bool outOfAttempts = retry.MaxAttempts is { } max && entry.Attempts >= max;
        bool outOfTime = entry.Attempts > 0 && retry.MaxRetryTime is { } limit && _time.GetElapsedTime(entry.FirstAttemptAt) >= limit;
        if (!outOfAttempts && !outOfTime) return;
        string limits = $"{(retry.MaxAttempts is { } m ? $"{m} attempts" : "no attempt limit")}, {(retry.MaxRetryTime is { } t ? $"{t:g}" : "no time limit")}";
        throw new WriterFailure(
            $"writes to table '{TableName}' failed {entry.Attempts} times in a row over {_time.GetElapsedTime(entry.FirstAttemptAt):g} with errors that retrying should fix (retry limits: {limits})",
            null, entry.LastError ?? "unknown");
    }
}
