using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Retry;

namespace DynamoDb.Connector.Writing;

/// <summary>
/// The conditional path (<see cref="WriteMode.PutIfAbsent"/>, <see cref="WriteMode.PutIf"/>): PutItem with the
/// condition, and DeleteItem, one request per entry.
/// </summary>
internal sealed class ConditionalSender
{
    private readonly WriteAttempts _attempts;
    private readonly string _condition;
    private readonly Dictionary<string, string>? _conditionNames;
    private readonly Dictionary<string, AttributeValue>? _conditionValues;

    private ConditionalSender(WriteAttempts attempts, string condition, Dictionary<string, string>? names, Dictionary<string, AttributeValue>? values)
    {
        _attempts = attempts;
        _condition = condition;
        _conditionNames = names;
        _conditionValues = values;
    }

    /// <summary>The sender for <paramref name="options"/>' mode; null for the unconditional modes (see <see cref="BatchSender"/>).</summary>
    public static ConditionalSender? For(DynamoDbWriterOptions options, WriteAttempts attempts) => options.Mode switch
    {
        WriteMode.PutIfAbsent => new(attempts, "attribute_not_exists(#pk)", new() { ["#pk"] = attempts.Keys.PartitionKey.Name }, null),
        WriteMode.PutIf => new(attempts, options.ConditionExpression!,
            options.ExpressionAttributeNames is { Count: > 0 } names ? new(names) : null,
            options.ExpressionAttributeValues is { Count: > 0 } values ? new(values) : null),
        _ => null,
    };

    /// <summary>
    /// PutItem (conditional modes) and DeleteItem: one request per entry, every entry of the batch in flight at once and
    /// each retried on its own, so one slow or failing request holds back no other.
    /// </summary>
    public Task SendAsync(BatchFlow flow, List<WriteEntry> pending)
    {
        int next = -1;
        // Each entry is a flow of its own on the tracker; this one waits for them all.
        return _attempts.Tracker.RunAllAsync(pending.Count, () => SendEntryAsync(flow, pending[Interlocked.Increment(ref next)]), out _);
    }

    private async Task SendEntryAsync(BatchFlow flow, WriteEntry entry)
    {
        try
        {
            int failures = 0;
            while (true)
            {
                _attempts.ThrowIfOutOfRetries(entry);
                int permits = _attempts.Budget.EstimatePermits(entry.WriteUnits);
                await _attempts.AcquireAsync(permits).ConfigureAwait(false);
                _attempts.Statistics.CountRequest([entry], failures > 0);
                var outcome = await SendOneAsync(entry).ConfigureAwait(false);
                if (outcome.Error is not { } error)
                {
                    _attempts.Budget.Settle(permits, outcome.Consumed);
                    _attempts.Statistics.AddConsumed(outcome.Consumed);
                    _attempts.Statistics.CountApplied(flow, [entry]);
                    return;
                }
                switch (error.Kind)
                {
                    case RequestErrorKind.ConditionFailed:
                        // DynamoDB charges a failed condition; the estimate stands.
                        if (!entry.MayHaveApplied)
                        {
                            _attempts.Statistics.CountSkipped(flow);
                            return;
                        }
                        // An earlier attempt failed in a way that leaves it unknown: the item found may be this one.
                        var stored = outcome.OldItem ?? await ReadStoredAsync(entry).ConfigureAwait(false);
                        if (stored.Found)
                        {
                            if (stored.Item is not null && StoredItemMatch.Same(entry.Payload, stored.Item)) _attempts.Statistics.CountApplied(flow, [entry]);
                            else _attempts.Statistics.CountSkipped(flow);
                            return;
                        }
                        entry.LastError = stored.Error;
                        await _attempts.BackOffAsync([entry], ++failures, stored.Error!, throttled: false).ConfigureAwait(false);
                        continue;
                    case RequestErrorKind.Throttled:
                        _attempts.Budget.Refund(permits);
                        _attempts.OnThrottled(error.Reason, error.HotKeyRange);
                        await _attempts.BackOffAsync([entry], ++failures, error.Reason, throttled: true).ConfigureAwait(false);
                        continue;
                    case RequestErrorKind.Transient:
                        // It may have been applied and charged: keep the permits, and remember it for the condition.
                        entry.MayHaveApplied = true;
                        await _attempts.BackOffAsync([entry], ++failures, error.Reason, throttled: false).ConfigureAwait(false);
                        continue;
                    case RequestErrorKind.Rejected:
                        _attempts.Budget.Refund(permits);
                        await _attempts.DeadLetterAllAsync(flow, [entry], "rejected", error.Reason).ConfigureAwait(false);
                        return;
                    case RequestErrorKind.Cancelled:
                        throw new OperationCanceledException(_attempts.Stop);
                    default:
                        throw new WriterFailure(error.Reason, outcome.Exception);
                }
            }
        }
        catch (WriterFailure failure)
        {
            // At once, so the batch's other entries stop too.
            _attempts.Fail(failure);
            throw;
        }
    }

    /// <summary>The item stored under the entry's key (consistent read), for a condition that failed after an attempt that may have applied.</summary>
    private async Task<StoredItem> ReadStoredAsync(WriteEntry entry)
    {
        using var attempt = _attempts.StartAttempt();
        try
        {
            var response = await _attempts.Client.GetItemAsync(new GetItemRequest { TableName = _attempts.TableName, Key = BatchAssembler.KeyOf(entry.Payload, _attempts.Keys), ConsistentRead = true }, attempt.Token).ConfigureAwait(false);
            return new StoredItem(true, response.Item is { Count: > 0 } item ? item : null, null);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var error = attempt.Classify(ex, _attempts.Stop);
            if (error.Kind == RequestErrorKind.Cancelled) throw new OperationCanceledException(_attempts.Stop);
            if (error.Kind is not (RequestErrorKind.Transient or RequestErrorKind.Throttled)) throw new WriterFailure(error.Reason, ex);
            return new StoredItem(false, null, error.Reason);
        }
    }

    private async Task<SendOutcome> SendOneAsync(WriteEntry entry)
    {
        using var attempt = _attempts.StartAttempt();
        using var sdk = SdkAttempts.Observe(_attempts.Client);
        try
        {
            if (entry.Operation == RecordOperation.Put)
            {
                var response = await _attempts.Client.PutItemAsync(new PutItemRequest
                {
                    TableName = _attempts.TableName,
                    Item = entry.Payload,
                    ConditionExpression = _condition,
                    ExpressionAttributeNames = _conditionNames,
                    ExpressionAttributeValues = _conditionValues,
                    // When the condition fails, DynamoDB returns the item that made it fail: after an attempt that may
                    // have applied, that tells this item (written) from another (skipped).
                    ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD,
                    ReturnConsumedCapacity = ReturnConsumedCapacity.INDEXES,
                }, attempt.Token).ConfigureAwait(false);
                _attempts.CountSdkRetries(sdk, callFailed: false);
                return new SendOutcome(null, ConsumedWrite.From(response.ConsumedCapacity), null, null);
            }
            // The condition guards puts; a delete read from an incremental export applies as is.
            var deleted = await _attempts.Client.DeleteItemAsync(new DeleteItemRequest
            {
                TableName = _attempts.TableName,
                Key = entry.Payload,
                ReturnConsumedCapacity = ReturnConsumedCapacity.INDEXES,
            }, attempt.Token).ConfigureAwait(false);
            _attempts.CountSdkRetries(sdk, callFailed: false);
            return new SendOutcome(null, ConsumedWrite.From(deleted.ConsumedCapacity), null, null);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _attempts.CountSdkRetries(sdk, callFailed: true);
            // The SDK client retried a timeout or a server error on its own: that attempt may have applied.
            if (sdk.HiddenFailures(callFailed: true).Any(e => e.Kind == RequestErrorKind.Transient)) entry.MayHaveApplied = true;
            // A server that does not return the old item (an emulator) leaves it to a read.
            var old = ex is ConditionalCheckFailedException { Item: { Count: > 0 } item } ? new StoredItem(true, item, null) : (StoredItem?)null;
            return new SendOutcome(attempt.Classify(ex, _attempts.Stop), default, old, ex);
        }
    }

    /// <summary>What one request did: no error, or the error with, for a failed condition, the item that failed it.</summary>
    private readonly record struct SendOutcome(RequestError? Error, ConsumedWrite Consumed, StoredItem? OldItem, Exception? Exception);

    /// <summary>The item under a key (null: none), or, when it could not be read, why.</summary>
    private readonly record struct StoredItem(bool Found, Dictionary<string, AttributeValue>? Item, string? Error);
}
