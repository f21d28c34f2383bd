using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Retry;
using DynamoDb.Connector.Telemetry;

namespace DynamoDb.Connector.Writing;

/// <summary>
/// The unconditional path: BatchWriteItem. Sends a batch, then only what DynamoDB left unprocessed, until everything
/// is written or dead-lettered; a batch rejected for its content is halved until the bad items stand alone.
/// </summary>
internal sealed class BatchSender(WriteAttempts attempts)
{
    public async Task SendAsync(BatchFlow flow, List<WriteEntry> pending)
    {
        using var span = ConnectorActivities.StartBatchWrite(attempts.TableName, pending.Count, flow.Parent);
        var budget = attempts.Budget;
        int failures = 0;
        while (pending.Count > 0)
        {
            attempts.ThrowIfOutOfRetries(pending);
            int permits = budget.EstimatePermits(UnitsOf(pending));
            await attempts.AcquireAsync(permits).ConfigureAwait(false);
            attempts.Statistics.CountRequest(pending, failures > 0);
            BatchWriteItemResponse response;
            using var attempt = attempts.StartAttempt();
            using var sdk = SdkAttempts.Observe(attempts.Client);
            try
            {
                response = await attempts.Client.BatchWriteItemAsync(BatchRequestBody.For(attempts.Client, attempts.TableName, pending), attempt.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                attempts.CountSdkRetries(sdk, callFailed: true);
                var error = attempt.Classify(ex, attempts.Stop);
                switch (error.Kind)
                {
                    case RequestErrorKind.Throttled:
                        budget.Refund(permits);
                        attempts.OnThrottled(error.Reason, error.HotKeyRange);
                        await attempts.BackOffAsync(pending, ++failures, error.Reason, throttled: true).ConfigureAwait(false);
                        continue;
                    case RequestErrorKind.Transient:
                        // It may have been applied and charged: keep the permits; a put or delete applied twice is the same.
                        await attempts.BackOffAsync(pending, ++failures, error.Reason, throttled: false).ConfigureAwait(false);
                        continue;
                    case RequestErrorKind.Rejected:
                        budget.Refund(permits);
                        UndoAttempt(pending);
                        await BisectAsync(flow, pending, error.Reason).ConfigureAwait(false);
                        return;
                    case RequestErrorKind.Cancelled:
                        throw new OperationCanceledException(attempts.Stop);
                    default:
                        // Not the items' fault (access denied, the table gone): they are not dead letters but stay unwritten.
                        throw new WriterFailure(error.Reason, ex);
                }
            }
            attempts.CountSdkRetries(sdk, callFailed: false);
            var consumed = ConsumedWrite.From(response.ConsumedCapacity, attempts.TableName);
            budget.Settle(permits, consumed);
            attempts.Statistics.AddConsumed(consumed);
            var unprocessed = UnprocessedOf(response, pending);
            ConnectorActivities.BatchWriteAnswered(span, consumed.Table, unprocessed?.Count ?? 0);
            if (unprocessed is null) attempts.Statistics.CountApplied(flow, pending);
            else attempts.Statistics.CountApplied(flow, pending.FindAll(e => !unprocessed.Contains(e)));
            if (unprocessed is null || unprocessed.Count == 0) return;
            attempts.OnThrottled("unprocessed items", hotKeyRange: false);
            pending = unprocessed;
            await attempts.BackOffAsync(pending, ++failures, $"{unprocessed.Count} items unprocessed", throttled: true).ConfigureAwait(false);
        }
    }

    /// <summary>DynamoDB rejected the whole batch for one or more bad items: halve it until the bad ones stand alone.</summary>
    private async Task BisectAsync(BatchFlow flow, List<WriteEntry> pending, string reason)
    {
        if (pending.Count == 1)
        {
            await attempts.DeadLetterAllAsync(flow, pending, "rejected", reason).ConfigureAwait(false);
            return;
        }
        Log.BatchBisected(attempts.Logger, attempts.TableName, pending.Count, reason);
        int half = pending.Count / 2;
        await SendAsync(flow, pending.GetRange(0, half)).ConfigureAwait(false);
        await SendAsync(flow, pending.GetRange(half, pending.Count - half)).ConfigureAwait(false);
    }

    private List<WriteEntry>? UnprocessedOf(BatchWriteItemResponse response, List<WriteEntry> pending)
    {
        if (response.UnprocessedItems is null || !response.UnprocessedItems.TryGetValue(attempts.TableName, out var requests) || requests is not { Count: > 0 })
        {
            return null;
        }
        var keys = attempts.Keys;
        var unprocessed = new List<WriteEntry>(requests.Count);
        foreach (var request in requests)
        {
            var item = request.PutRequest?.Item ?? request.DeleteRequest?.Key;
            if (item is null) continue;
            var key = ItemKey.Of(item, keys);
            var entry = pending.Find(e => e.Key.Equals(key));
            if (entry is not null && !unprocessed.Contains(entry)) unprocessed.Add(entry);
        }
        return unprocessed;
    }

    private static void UndoAttempt(List<WriteEntry> pending)
    {
        foreach (var entry in pending) entry.Attempts--;
    }

    private static long UnitsOf(List<WriteEntry> pending)
    {
        long units = 0;
        foreach (var entry in pending) units += entry.WriteUnits;
        return units;
    }
}
