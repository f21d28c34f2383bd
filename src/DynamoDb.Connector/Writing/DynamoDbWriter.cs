using System.Diagnostics.Metrics;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Telemetry;
using Microsoft.Extensions.Logging;

namespace DynamoDb.Connector.Writing;

/// <summary>The record writer: see <see cref="IDynamoDbWriter"/>.</summary>
internal sealed partial class DynamoDbWriter : IDynamoDbWriter
{
    private const int MaxRequestBytes = 16 * 1024 * 1024;
    private const int StateOpen = 0, StateCompleting = 1, StateCompleted = 2, StateDisposed = 3;

    private readonly IAmazonDynamoDB _client;
    private readonly TableWriteBudget _budget;
    private readonly Action<TableWriteBudget> _releaseBudget;
    private readonly DynamoDbWriterOptions _options;
    private readonly KeySchema _keys;
    private readonly DeadLetterRecorder _deadLetters;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConnectorMetrics _metrics;
    private readonly WorkTracker _tracker;
    private readonly Func<double> _random;
    private readonly KeyValuePair<string, object?> _tableTag;
    private readonly string? _condition;
    private readonly Dictionary<string, string>? _conditionNames;
    private readonly Dictionary<string, AttributeValue>? _conditionValues;
    private readonly CancellationTokenSource _stop = new();
    private readonly long _startedAt;
    private readonly ITimer? _progressTimer;

    private readonly object _lock = new();
    private readonly Dictionary<ItemKey, BatchFlow> _keysInFlight = [];
    private List<WriteEntry> _open;
    private long _openUnits;
    private long _openBytes;
    private int _inFlight;
    private TaskCompletionSource? _slotFreed;
    private TaskCompletionSource? _drained;
    private string? _failure;
    private Exception? _failureException;
    private string? _outageError;
    private int _state;
    private int _calls;
    private bool _callerCounted = true;
    private WriteSummary? _summary;
    private WriteSummary _flushed;
    private int _flushedInMemory;

    private long _written, _deleted, _deduplicated, _skipped, _deadLettered, _abandoned;
    private long _requests, _throttled, _hotKeyRange, _retries, _permitWaitTicks;
    private readonly object _statsLock = new();
    private double _tableUnits;
    private readonly Dictionary<string, double> _indexUnits = new(StringComparer.Ordinal);
    private long _progressAt;
    private long _progressItems;
    private double _progressUnits;
    private int _hotKeyRangeLogged;

    public DynamoDbWriter(
        IAmazonDynamoDB client,
        TableWriteBudget budget,
        Action<TableWriteBudget> releaseBudget,
        DynamoDbWriterOptions options,
        DeadLetterRecorder deadLetters,
        TimeProvider timeProvider,
        ILogger logger,
        ConnectorMetrics metrics,
        WorkTracker tracker,
        Func<double> random)
    {
        _client = client;
        _budget = budget;
        _releaseBudget = releaseBudget;
        _options = options;
        _keys = budget.Keys;
        _deadLetters = deadLetters;
        _time = timeProvider;
        _logger = logger;
        _metrics = metrics;
        _tracker = tracker;
        _random = random;
        _tableTag = new("table", budget.TableName);
        _open = new List<WriteEntry>(options.BatchSize);
        switch (options.Mode)
        {
            case WriteMode.PutIfAbsent:
                _condition = "attribute_not_exists(#pk)";
                _conditionNames = new() { ["#pk"] = _keys.PartitionKey.Name };
                break;
            case WriteMode.PutIf:
                _condition = options.ConditionExpression;
                _conditionNames = options.ExpressionAttributeNames is { Count: > 0 } names ? new(names) : null;
                _conditionValues = options.ExpressionAttributeValues is { Count: > 0 } values ? new(values) : null;
                break;
        }
        // The caller is a flow of its own: working unless it waits inside this writer (see WorkTracker).
        _tracker.Enter();
        _startedAt = _progressAt = timeProvider.GetTimestamp();
        _flushed = new WriteSummary { TableName = budget.TableName };
        if (options.ProgressInterval > TimeSpan.Zero)
        {
            _progressTimer = timeProvider.CreateTimer(static state => ((DynamoDbWriter)state!).ReportProgress(), this, options.ProgressInterval, options.ProgressInterval);
        }
        Log.WriterStarted(logger, TableName, options.Mode.ToString(), options.MaxBatchesInFlight, options.BatchSize);
    }

    public string TableName => _budget.TableName;

    public WriteBudget Budget => _budget.Current;

    private bool Conditional => _condition is not null;

    public ValueTask WriteAsync(Dictionary<string, AttributeValue> item, CancellationToken cancellationToken = default) =>
        WriteCoreAsync(item, _options.Mode == WriteMode.Delete ? RecordOperation.Delete : RecordOperation.Put, null, 0, cancellationToken);

    public ValueTask WriteAsync(ItemRecord record, string? source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var operation = _options.Mode == WriteMode.Delete ? RecordOperation.Delete : record.Operation;
        return WriteCoreAsync(record.Item, operation, source, record.Line, cancellationToken);
    }

    public WriteProgress GetProgress()
    {
        double units;
        lock (_statsLock) units = _tableUnits;
        var elapsed = _time.GetElapsedTime(_startedAt);
        long items = Interlocked.Read(ref _written) + Interlocked.Read(ref _deleted);
        double seconds = Math.Max(elapsed.TotalSeconds, 1e-9);
        return new WriteProgress(TableName, Interlocked.Read(ref _written), Interlocked.Read(ref _deleted), Interlocked.Read(ref _deadLettered),
            units, items / seconds, units / seconds, _budget.Current.WriteUnitsPerSecond, _budget.PacingRate, elapsed, Interlocked.Read(ref _throttled));
    }

    public async Task<WriteSummary> CompleteAsync(CancellationToken cancellationToken = default)
    {
        if (_summary is not null) return Finish(_summary);
        ObjectDisposedException.ThrowIf(_state == StateDisposed, this);
        EnterCall();
        try
        {
            _state = StateCompleting;
            if (_open.Count > 0 && _failure is null && await WaitForSlotAsync(cancellationToken).ConfigureAwait(false))
            {
                Dispatch();
            }
            await WaitForDrainAsync(cancellationToken).ConfigureAwait(false);
            await _deadLetters.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (_failure is not null)
            {
                Interlocked.Add(ref _abandoned, _open.Count);
                _open.Clear();
            }
            _summary = BuildSummary();
            _state = StateCompleted;
            StopTimers();
            _options.Progress?.Report(GetProgress());
            var s = _summary;
            Log.WriterCompleted(_logger, TableName, s.ItemsWritten, s.ItemsDeleted, s.ItemsDeduplicated, s.ItemsSkippedByCondition, s.ItemsDeadLettered,
                s.ConsumedWriteUnits, s.Elapsed, (s.ItemsWritten + s.ItemsDeleted) / Math.Max(s.Elapsed.TotalSeconds, 1e-9), s.ThrottledRequests, s.Retries);
            ReleaseCaller();
            _releaseBudget(_budget);
            return Finish(_summary);
        }
        finally
        {
            ExitCall();
        }
    }

    public async Task<WriteFlush> FlushAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfNotAccepting();
        EnterCall();
        try
        {
            if (_open.Count > 0 && _failure is null && await WaitForSlotAsync(cancellationToken).ConfigureAwait(false))
            {
                Dispatch();
            }
            await WaitForDrainAsync(cancellationToken).ConfigureAwait(false);
            if (_failure is not null)
            {
                Interlocked.Add(ref _abandoned, _open.Count);
                _open.Clear();
                throw FailureException(BuildSummary(), earlier: false);
            }
            await _deadLetters.FlushAsync(cancellationToken).ConfigureAwait(false);
            var now = BuildSummary();
            var flush = new WriteFlush
            {
                ItemsWritten = now.ItemsWritten - _flushed.ItemsWritten,
                ItemsDeleted = now.ItemsDeleted - _flushed.ItemsDeleted,
                ItemsDeduplicated = now.ItemsDeduplicated - _flushed.ItemsDeduplicated,
                ItemsSkippedByCondition = now.ItemsSkippedByCondition - _flushed.ItemsSkippedByCondition,
                ItemsDeadLettered = now.ItemsDeadLettered - _flushed.ItemsDeadLettered,
                ConsumedWriteUnits = now.ConsumedWriteUnits - _flushed.ConsumedWriteUnits,
                Requests = now.Requests - _flushed.Requests,
                ThrottledRequests = now.ThrottledRequests - _flushed.ThrottledRequests,
                Retries = now.Retries - _flushed.Retries,
                DeadLetters = _deadLetters.InMemoryFrom(_flushedInMemory),
            };
            _flushed = now;
            _flushedInMemory += flush.DeadLetters.Count;
            return flush;
        }
        finally
        {
            ExitCall();
        }
    }

    public async ValueTask DisposeAsync()
    {
        int state = _state;
        if (state == StateDisposed) return;
        _state = StateDisposed;
        if (state != StateCompleted)
        {
            StopTimers();
            long waiting = _open.Count;
            _open.Clear();
            Interlocked.Add(ref _abandoned, waiting);
            _stop.Cancel();
            try
            {
                await WaitForDrainAsync(CancellationToken.None).ConfigureAwait(false);
                // Dead letters recorded so far are kept: they are failures the caller must see.
                await _deadLetters.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.WriterFailed(_logger, TableName, "could not save its dead letters while being disposed", ex);
            }
            long abandoned = Interlocked.Read(ref _abandoned);
            if (abandoned > 0)
            {
                Log.WriterAbandoned(_logger, TableName, abandoned, Interlocked.Read(ref _written) + Interlocked.Read(ref _deleted));
            }
            ReleaseCaller();
            _releaseBudget(_budget);
        }
        await _deadLetters.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private WriteSummary Finish(WriteSummary summary) => _failure is null ? summary : throw FailureException(summary, earlier: false);

    /// <summary>
    /// What the writer's failure is to its caller: <see cref="DynamoDbUnavailableException"/> when retryable errors
    /// outlasted the retry limits (nothing was dead-lettered for them), otherwise <see cref="TableWriteException"/>.
    /// </summary>
    private Exception FailureException(WriteSummary summary, bool earlier)
    {
        string counts = $"{summary.ItemsWritten + summary.ItemsDeleted} items were written, {summary.ItemsDeadLettered} dead-lettered, {summary.ItemsAbandoned} not written (abandoned)";
        if (_outageError is { } lastError)
        {
            return DynamoDbUnavailableException.For(_client, $"{_failure} ({counts}; run again when DynamoDB answers)", lastError, _failureException, summary);
        }
        return earlier
            ? new TableWriteException($"Writing to table '{TableName}' failed earlier: {_failure}", summary, _failureException)
            : new TableWriteException($"Writing to table '{TableName}' failed: {_failure}. {counts}.", summary, _failureException);
    }

    private async ValueTask WriteCoreAsync(Dictionary<string, AttributeValue> item, RecordOperation operation, string? source, long line, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        ThrowIfNotAccepting();
        EnterCall();
        try
        {
            var entry = Prepare(item, operation, source, line, out var problem);
            if (entry is null)
            {
                try
                {
                    await DeadLetterAsync(new DeadLetter(item, operation, problem!, source, line), "invalid", cancellationToken).ConfigureAwait(false);
                }
                catch (WriterFailure failure)
                {
                    Fail(failure);
                    ThrowIfNotAccepting();
                }
                return;
            }
            int index = IndexOfKey(entry.Key);
            if (index >= 0 && !Conditional)
            {
                // Last write wins, as applying the input in order would: replace the pending write of this key.
                var replaced = _open[index];
                _open[index] = entry;
                _openUnits += entry.WriteUnits - replaced.WriteUnits;
                _openBytes += entry.WireBytes - replaced.WireBytes;
                Interlocked.Increment(ref _deduplicated);
                _metrics.ItemsDeduplicated.Add(1, _tableTag);
                return;
            }
            if (index >= 0 || !Fits(entry))
            {
                // A conditional write of a pending key goes after it (the condition depends on it); a full batch goes now.
                if (!await WaitForSlotAsync(cancellationToken).ConfigureAwait(false)) ThrowIfNotAccepting();
                Dispatch();
            }
            _open.Add(entry);
            _openUnits += entry.WriteUnits;
            _openBytes += entry.WireBytes;
            if (_open.Count >= _options.BatchSize && TryReserveSlot())
            {
                Dispatch();
            }
        }
        finally
        {
            ExitCall();
        }
    }

    private WriteEntry? Prepare(Dictionary<string, AttributeValue> item, RecordOperation operation, string? source, long line, out string? problem)
    {
        if (operation == RecordOperation.Put)
        {
            int size = ItemSize.Of(item);
            problem = ItemRules.Validate(item, _keys, size);
            if (problem is not null) return null;
            return new WriteEntry(item, item, operation, ItemKey.Of(item, _keys), CapacityUnits.ForWrite(size), WireBytesOf(size), source, line);
        }
        problem = ItemRules.ValidateKeys(item, _keys, requireOnlyKeys: false);
        if (problem is not null) return null;
        var key = item.Count == (_keys.SortKey is null ? 1 : 2) ? item : KeyOf(item);
        // A delete costs what the deleted item weighs, unknown here: 1 is the least, and reconciliation charges the rest.
        return new WriteEntry(item, key, operation, ItemKey.Of(item, _keys), 1, WireBytesOf(ItemSize.Of(key)), source, line);
    }

    private Dictionary<string, AttributeValue> KeyOf(Dictionary<string, AttributeValue> item)
    {
        var key = new Dictionary<string, AttributeValue>(2) { [_keys.PartitionKey.Name] = item[_keys.PartitionKey.Name] };
        if (_keys.SortKey is { } sort) key[sort.Name] = item[sort.Name];
        return key;
    }

    // Base64 binary and JSON framing make the wire larger than DynamoDB's size; a third more is generous.
    private static int WireBytesOf(int size) => size + size / 3 + 256;

    private int IndexOfKey(ItemKey key)
    {
        var open = _open;
        for (int i = 0; i < open.Count; i++)
        {
            if (open[i].Key.Equals(key)) return i;
        }
        return -1;
    }

    private bool Fits(WriteEntry entry)
    {
        if (_open.Count == 0) return true;
        if (_open.Count >= _options.BatchSize || _openBytes + entry.WireBytes > MaxRequestBytes) return false;
        // A batch's permits must fit the bucket: close it early rather than ask for more than the bucket holds.
        return _budget.EstimatePermits(_openUnits + entry.WriteUnits) <= _budget.PermitCeiling;
    }

    private void ThrowIfNotAccepting()
    {
        if (_failure is not null) throw FailureException(BuildSummary(), earlier: true);
        ObjectDisposedException.ThrowIf(_state == StateDisposed, this);
        if (_state != StateOpen) throw new InvalidOperationException($"The writer for table '{TableName}' is completed: it accepts no more items.");
    }

    private void EnterCall()
    {
        if (Interlocked.Exchange(ref _calls, 1) == 1)
        {
            throw new InvalidOperationException("A writer takes one call at a time: await each WriteAsync before the next, and use one writer per concurrent worker.");
        }
    }

    private void ExitCall() => Volatile.Write(ref _calls, 0);

    /// <summary>
    /// When the caller is a flow that goes on working after this writer ends (an import worker between checkpoints),
    /// the writer hands it its count back instead of leaving it: leaving and being counted again by the caller would
    /// open a moment at which a test clock sees nobody working and runs on.
    /// </summary>
    internal bool HandsCallerBack { get; set; }

    private void ReleaseCaller()
    {
        if (!_callerCounted) return;
        _callerCounted = false;
        if (!HandsCallerBack) _tracker.Exit();
    }

    private void StopTimers() => _progressTimer?.Dispose();

    private bool TryReserveSlot()
    {
        lock (_lock)
        {
            if (_inFlight >= _options.MaxBatchesInFlight) return false;
            _inFlight++;
            return true;
        }
    }

    /// <summary>Reserves a slot for a batch, waiting for one if need be; false when the writer failed meanwhile (no slot is reserved).</summary>
    private async ValueTask<bool> WaitForSlotAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TaskCompletionSource freed;
            lock (_lock)
            {
                if (_failure is not null) return false;
                ObjectDisposedException.ThrowIf(_stop.IsCancellationRequested, this);
                if (_inFlight < _options.MaxBatchesInFlight)
                {
                    _inFlight++;
                    return true;
                }
                freed = _slotFreed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            await WaitAsync(freed, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask WaitForDrainAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource drained;
        lock (_lock)
        {
            if (_inFlight == 0) return;
            if (_drained is null || _drained.Task.IsCompleted) _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            drained = _drained;
        }
        await WaitAsync(drained, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The caller waits for a batch to end. Whoever ends the wait counts the caller back first (<see cref="Wake"/>),
    /// and the caller's code resumes on the thread pool, never inside a batch.
    /// </summary>
    private async Task WaitAsync(TaskCompletionSource signal, CancellationToken cancellationToken)
    {
        _tracker.Exit();
        using (cancellationToken.Register(() => Wake(signal, cancellationToken)))
        {
            await signal.Task.ConfigureAwait(false);
        }
    }

    private void Wake(TaskCompletionSource? signal, CancellationToken cancelled = default)
    {
        if (signal is null) return;
        _tracker.Enter();
        bool woke = cancelled.IsCancellationRequested ? signal.TrySetCanceled(cancelled) : signal.TrySetResult();
        if (!woke) _tracker.Exit();
    }

    /// <summary>Sends the open batch as a new flow; a slot must be reserved.</summary>
    private void Dispatch()
    {
        var flow = new BatchFlow(_open);
        _open = new List<WriteEntry>(_options.BatchSize);
        _openUnits = _openBytes = 0;
        lock (_lock)
        {
            foreach (var entry in flow.Entries)
            {
                if (_keysInFlight.TryGetValue(entry.Key, out var earlier) && (flow.Dependencies is null || !flow.Dependencies.Contains(earlier)))
                {
                    (flow.Dependencies ??= []).Add(earlier);
                }
                _keysInFlight[entry.Key] = flow;
            }
        }
        _tracker.Enter();
        // On the thread pool: the SDK's marshalling of this batch runs beside the caller preparing the next one.
        ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Writer.RunAsync(state.Flow), (Writer: this, Flow: flow), preferLocal: false);
    }

    private async Task RunAsync(BatchFlow flow)
    {
        try
        {
            foreach (var earlier in flow.Dependencies ?? [])
            {
                await _tracker.WaitAsync(earlier.Done.Task).ConfigureAwait(false);
            }
            if (Conditional) await SendEachAsync(flow, flow.Entries).ConfigureAwait(false);
            else await SendBatchAsync(flow, flow.Entries).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed: what is left of the batch is abandoned and counted below.
        }
        catch (WriterFailure failure)
        {
            Fail(failure);
        }
        catch (Exception ex)
        {
            Fail(new WriterFailure($"{ex.GetType().Name}: {ex.Message}", ex));
        }
        finally
        {
            Interlocked.Add(ref _abandoned, flow.Entries.Count - Volatile.Read(ref flow.Settled));
            TaskCompletionSource? freed, drained = null;
            lock (_lock)
            {
                foreach (var entry in flow.Entries)
                {
                    if (_keysInFlight.TryGetValue(entry.Key, out var latest) && latest == flow) _keysInFlight.Remove(entry.Key);
                }
                _inFlight--;
                freed = _slotFreed;
                _slotFreed = null;
                if (_inFlight == 0)
                {
                    drained = _drained;
                    _drained = null;
                }
            }
            // Wake the waiters (they are counted again synchronously) before this flow stops counting.
            flow.Done.TrySetResult();
            Wake(freed);
            Wake(drained);
            _tracker.Exit();
        }
    }

    private void Fail(WriterFailure failure)
    {
        lock (_lock)
        {
            if (_failure is not null) return;
            _failure = failure.Message;
            _failureException = failure.InnerException;
            _outageError = failure.OutageError;
        }
        Log.WriterFailed(_logger, TableName, failure.Message, failure.InnerException);
        // The writer is done for: the other batches stop now instead of each retrying to its own limit, and what
        // they hold stays unacknowledged (abandoned), as does what waits to be sent.
        _stop.Cancel();
    }

    /// <summary>BatchWriteItem: sends the batch, then only what DynamoDB left unprocessed, until all is written or dead-lettered.</summary>
    private async Task SendBatchAsync(BatchFlow flow, List<WriteEntry> pending)
    {
        int failures = 0;
        while (pending.Count > 0)
        {
            ThrowIfOutOfRetries(pending);
            int permits = _budget.EstimatePermits(UnitsOf(pending));
            await AcquireAsync(permits).ConfigureAwait(false);
            CountRequest(pending, failures > 0);
            BatchWriteItemResponse response;
            using var attempt = new AttemptDeadline(_options.Retry.AttemptTimeout, _time, _stop.Token);
            try
            {
                response = await _client.BatchWriteItemAsync(BatchRequest(pending), attempt.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                var error = attempt.Classify(ex, _stop.Token);
                switch (error.Kind)
                {
                    case WriteErrorKind.Throttled:
                        _budget.Refund(permits);
                        OnThrottled(error.Reason, error.HotKeyRange);
                        await BackOffAsync(pending, ++failures, error.Reason, throttled: true).ConfigureAwait(false);
                        continue;
                    case WriteErrorKind.Transient:
                        // It may have been applied and charged: keep the permits; a put or delete applied twice is the same.
                        await BackOffAsync(pending, ++failures, error.Reason, throttled: false).ConfigureAwait(false);
                        continue;
                    case WriteErrorKind.Rejected:
                        _budget.Refund(permits);
                        UndoAttempt(pending);
                        await BisectAsync(flow, pending, error.Reason).ConfigureAwait(false);
                        return;
                    case WriteErrorKind.Cancelled:
                        throw new OperationCanceledException(_stop.Token);
                    default:
                        // Not the items' fault (access denied, the table gone): they are not dead letters but stay unwritten.
                        throw new WriterFailure(error.Reason, ex);
                }
            }
            var consumed = ConsumedWrite.From(response.ConsumedCapacity, TableName);
            _budget.Settle(permits, consumed);
            AddConsumed(consumed);
            var unprocessed = UnprocessedOf(response, pending);
            if (unprocessed is null) CountApplied(flow, pending);
            else CountApplied(flow, pending.FindAll(e => !unprocessed.Contains(e)));
            if (unprocessed is null || unprocessed.Count == 0) return;
            OnThrottled("unprocessed items", hotKeyRange: false);
            pending = unprocessed;
            await BackOffAsync(pending, ++failures, $"{unprocessed.Count} items unprocessed", throttled: true).ConfigureAwait(false);
        }
    }

    /// <summary>DynamoDB rejected the whole batch for one or more bad items: halve it until the bad ones stand alone.</summary>
    private async Task BisectAsync(BatchFlow flow, List<WriteEntry> pending, string reason)
    {
        if (pending.Count == 1)
        {
            await DeadLetterAllAsync(flow, pending, "rejected", reason).ConfigureAwait(false);
            return;
        }
        Log.BatchBisected(_logger, TableName, pending.Count, reason);
        int half = pending.Count / 2;
        await SendBatchAsync(flow, pending.GetRange(0, half)).ConfigureAwait(false);
        await SendBatchAsync(flow, pending.GetRange(half, pending.Count - half)).ConfigureAwait(false);
    }

    private BatchWriteItemRequest BatchRequest(List<WriteEntry> pending)
    {
        var requests = new List<WriteRequest>(pending.Count);
        foreach (var entry in pending) requests.Add(entry.ToRequest());
        return new BatchWriteItemRequest
        {
            RequestItems = new Dictionary<string, List<WriteRequest>>(1) { [TableName] = requests },
            ReturnConsumedCapacity = ReturnConsumedCapacity.INDEXES,
        };
    }

    private List<WriteEntry>? UnprocessedOf(BatchWriteItemResponse response, List<WriteEntry> pending)
    {
        if (response.UnprocessedItems is null || !response.UnprocessedItems.TryGetValue(TableName, out var requests) || requests is not { Count: > 0 })
        {
            return null;
        }
        var unprocessed = new List<WriteEntry>(requests.Count);
        foreach (var request in requests)
        {
            var item = request.PutRequest?.Item ?? request.DeleteRequest?.Key;
            if (item is null) continue;
            var key = ItemKey.Of(item, _keys);
            var entry = pending.Find(e => e.Key.Equals(key));
            if (entry is not null && !unprocessed.Contains(entry)) unprocessed.Add(entry);
        }
        return unprocessed;
    }

    private async ValueTask AcquireAsync(int permits)
    {
        long start = _time.GetTimestamp();
        var acquiring = _budget.Limiter.AcquireAsync(permits, _stop.Token);
        System.Threading.RateLimiting.RateLimitLease lease;
        if (acquiring.IsCompleted)
        {
            lease = acquiring.Result;
        }
        else
        {
            lease = await _tracker.WaitAsync(acquiring.AsTask()).ConfigureAwait(false);
            var waited = _time.GetElapsedTime(start);
            Interlocked.Add(ref _permitWaitTicks, waited.Ticks);
            _metrics.PermitWait.Record(waited.TotalSeconds, _tableTag);
        }
        if (!lease.IsAcquired) throw new OperationCanceledException("The table's write budget was released.", _stop.Token);
    }

    private async Task BackOffAsync(List<WriteEntry> pending, int failures, string reason, bool throttled)
    {
        foreach (var entry in pending) entry.LastError = reason;
        var retry = _options.Retry;
        var delay = retry.DelayBefore(failures, _random());
        if (throttled) Log.WriteThrottled(_logger, TableName, pending.Count, reason, failures, delay);
        else Log.WriteRetrying(_logger, TableName, pending.Count, reason, failures, delay);
        await _tracker.DelayAsync(delay, _time, _stop.Token).ConfigureAwait(false);
    }

    private void CountRequest(List<WriteEntry> pending, bool retry)
    {
        long now = _time.GetTimestamp();
        foreach (var entry in pending)
        {
            if (entry.Attempts++ == 0) entry.FirstAttemptAt = now;
        }
        Interlocked.Increment(ref _requests);
        if (retry)
        {
            Interlocked.Increment(ref _retries);
            _metrics.Retries.Add(1, _tableTag);
        }
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

    private void CountApplied(BatchFlow flow, List<WriteEntry> applied)
    {
        int deletes = 0;
        foreach (var entry in applied)
        {
            if (entry.Operation == RecordOperation.Delete) deletes++;
        }
        int puts = applied.Count - deletes;
        Interlocked.Add(ref flow.Settled, applied.Count);
        if (puts > 0)
        {
            Interlocked.Add(ref _written, puts);
            _metrics.ItemsWritten.Add(puts, _tableTag, new("operation", "put"));
        }
        if (deletes > 0)
        {
            Interlocked.Add(ref _deleted, deletes);
            _metrics.ItemsWritten.Add(deletes, _tableTag, new("operation", "delete"));
        }
    }

    private void AddConsumed(in ConsumedWrite consumed)
    {
        if (!consumed.Reported) return;
        lock (_statsLock)
        {
            _tableUnits += consumed.Table;
            foreach (var (index, units) in consumed.Indexes)
            {
                _indexUnits[index] = _indexUnits.GetValueOrDefault(index) + units;
            }
        }
        _metrics.WriteUnitsConsumed.Add(consumed.Table, _tableTag, new("resource", "table"));
        foreach (var (index, units) in consumed.Indexes)
        {
            _metrics.WriteUnitsConsumed.Add(units, _tableTag, new("resource", index));
        }
    }

    private void OnThrottled(string reason, bool hotKeyRange)
    {
        Interlocked.Increment(ref _throttled);
        _metrics.ThrottledRequests.Add(1, _tableTag, new("reason", hotKeyRange ? "key_range" : "capacity"));
        if (hotKeyRange)
        {
            Interlocked.Increment(ref _hotKeyRange);
            if (Interlocked.Exchange(ref _hotKeyRangeLogged, 1) == 0) Log.HotKeyRange(_logger, TableName, reason);
        }
        _budget.OnThrottled(hotKeyRange);
    }

    private async Task DeadLetterAllAsync(BatchFlow flow, List<WriteEntry> entries, string cause, string reason)
    {
        foreach (var entry in entries)
        {
            await DeadLetterAsync(new DeadLetter(entry.Original, entry.Operation, reason, entry.Source, entry.Line), cause, CancellationToken.None).ConfigureAwait(false);
            Interlocked.Increment(ref flow.Settled);
        }
    }

    private async ValueTask DeadLetterAsync(DeadLetter letter, string cause, CancellationToken cancellationToken)
    {
        try
        {
            await _deadLetters.RecordAsync(letter, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new WriterFailure($"could not dead-letter an item ({letter.Reason}): {ex.Message}", ex);
        }
        Interlocked.Increment(ref _deadLettered);
        _metrics.ItemsDeadLettered.Add(1, _tableTag, new("cause", cause));
        Log.ItemDeadLettered(_logger, TableName, letter.Source ?? "", letter.Line, letter.Reason);
    }

    private void ReportProgress()
    {
        var progress = GetProgress();
        long now = _time.GetTimestamp();
        double seconds = Math.Max(_time.GetElapsedTime(_progressAt, now).TotalSeconds, 1e-9);
        long items = progress.ItemsWritten + progress.ItemsDeleted;
        double writes = (items - _progressItems) / seconds, units = (progress.ConsumedWriteUnits - _progressUnits) / seconds;
        _progressAt = now;
        _progressItems = items;
        _progressUnits = progress.ConsumedWriteUnits;
        Log.WriteProgress(_logger, TableName, progress.ItemsWritten, progress.ItemsDeleted, progress.ItemsDeadLettered, writes, units, progress.BudgetWriteUnitsPerSecond, progress.PacingWriteUnitsPerSecond);
        _options.Progress?.Report(progress with { WritesPerSecond = writes, WriteUnitsPerSecond = units });
    }

    private WriteSummary BuildSummary()
    {
        double units;
        Dictionary<string, double> indexes;
        lock (_statsLock)
        {
            units = _tableUnits;
            indexes = new Dictionary<string, double>(_indexUnits, StringComparer.Ordinal);
        }
        return new WriteSummary
        {
            TableName = TableName,
            ItemsWritten = Interlocked.Read(ref _written),
            ItemsDeleted = Interlocked.Read(ref _deleted),
            ItemsDeduplicated = Interlocked.Read(ref _deduplicated),
            ItemsSkippedByCondition = Interlocked.Read(ref _skipped),
            ItemsDeadLettered = Interlocked.Read(ref _deadLettered),
            ItemsAbandoned = Interlocked.Read(ref _abandoned),
            ConsumedWriteUnits = units,
            IndexConsumedWriteUnits = indexes,
            Requests = Interlocked.Read(ref _requests),
            ThrottledRequests = Interlocked.Read(ref _throttled),
            HotKeyRangeThrottles = Interlocked.Read(ref _hotKeyRange),
            Retries = Interlocked.Read(ref _retries),
            PermitWaitTime = TimeSpan.FromTicks(Interlocked.Read(ref _permitWaitTicks)),
            Elapsed = _time.GetElapsedTime(_startedAt),
            DeadLetters = _deadLetters.InMemory,
        };
    }

    /// <summary>An error that fails the writer, raised inside a batch; <paramref name="outageError"/> when it is an outage (retryable errors outlasted the retry limits).</summary>
    private sealed class WriterFailure(string message, Exception? inner, string? outageError = null) : Exception(message, inner)
    {
        /// <summary>The last retryable error, when the writer stops because DynamoDB is unavailable; null otherwise.</summary>
        public string? OutageError { get; } = outageError;
    }
}
