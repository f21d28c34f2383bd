using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Retry;
using DynamoDb.Connector.Telemetry;
using Microsoft.Extensions.Logging;

namespace DynamoDb.Connector.Writing;

/// <summary>
/// The record writer (see <see cref="IDynamoDbWriter"/>): its lifecycle (accept, flush, complete, dispose, fail)
/// around named parts: <see cref="BatchAssembler"/> (the open batch), <see cref="InFlightWindow"/> (batches in
/// flight and key order across them), <see cref="BatchSender"/> or <see cref="ConditionalSender"/> (the requests),
/// <see cref="WriteAttempts"/> (permits, backoff, retry limits, dead letters) and <see cref="WriterStatistics"/>.
/// </summary>
internal sealed class DynamoDbWriter : IDynamoDbWriter
{
    private const int StateOpen = 0, StateCompleting = 1, StateCompleted = 2, StateDisposed = 3;

    private readonly IAmazonDynamoDB _client;
    private readonly TableWriteBudget _budget;
    private readonly Action<TableWriteBudget> _releaseBudget;
    private readonly DynamoDbWriterOptions _options;
    private readonly DeadLetterRecorder _deadLetters;
    private readonly ILogger _logger;
    private readonly WorkTracker _tracker;
    private readonly CancellationTokenSource _stop = new();
    private readonly ITimer? _progressTimer;
    private readonly WriterStatistics _statistics;
    private readonly BatchAssembler _batch;
    private readonly InFlightWindow _window;
    private readonly WriteAttempts _attempts;
    private readonly BatchSender _batchSender;
    private readonly ConditionalSender? _conditionalSender;
    private readonly IDisposable _allotted; // the write budget gauge, while this writer holds the budget

    private readonly object _lock = new();
    private string? _failure;
    private Exception? _failureException;
    private string? _outageError;
    private int _state;
    private int _calls;
    private bool _callerCounted = true;
    private WriteSummary? _summary;

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
        _deadLetters = deadLetters;
        _logger = logger;
        _tracker = tracker;
        _statistics = new WriterStatistics(budget.TableName, timeProvider, metrics);
        _batch = new BatchAssembler(budget.Keys, options.BatchSize, budget);
        _window = new InFlightWindow(options.MaxBatchesInFlight, tracker, () => Volatile.Read(ref _failure) is not null, _stop.Token, this);
        _attempts = new WriteAttempts(client, budget, new RetryPolicy(options.Retry, timeProvider, random), deadLetters, _statistics, tracker, timeProvider, logger, Fail, _stop.Token);
        _batchSender = new BatchSender(_attempts);
        _conditionalSender = ConditionalSender.For(options, _attempts);
        _allotted = metrics.WriteAllotted.Track(budget, budget.TableName, () => budget.Current.WriteUnitsPerSecond);
        // The caller is a flow of its own: working unless it waits inside this writer (see WorkTracker).
        _tracker.Enter();
        if (options.ProgressInterval > TimeSpan.Zero)
        {
            _progressTimer = timeProvider.CreateTimer(static state => ((DynamoDbWriter)state!).ReportProgress(), this, options.ProgressInterval, options.ProgressInterval);
        }
        Log.WriterStarted(logger, TableName, options.Mode.ToString(), options.MaxBatchesInFlight, options.BatchSize);
    }

    public string TableName => _budget.TableName;

    public WriteBudget Budget => _budget.Current;

    private bool Conditional => _conditionalSender is not null;

    /// <summary>
    /// When the caller is a flow that goes on working after this writer ends (an import worker between checkpoints),
    /// the writer hands it its count back instead of leaving it: leaving and being counted again by the caller would
    /// open a moment at which a test clock sees nobody working and runs on.
    /// </summary>
    internal bool HandsCallerBack { get; set; }

    public ValueTask WriteAsync(Dictionary<string, AttributeValue> item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        return WriteCoreAsync(item, null, _options.Mode == WriteMode.Delete ? RecordOperation.Delete : RecordOperation.Put, null, 0, cancellationToken);
    }

    public ValueTask WriteAsync(EncodedItem item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        // A delete projects the key from the dictionary.
        return _options.Mode == WriteMode.Delete
            ? WriteCoreAsync(item.ToItem(), null, RecordOperation.Delete, null, 0, cancellationToken)
            : WriteCoreAsync(null, item, RecordOperation.Put, null, 0, cancellationToken);
    }

    public ValueTask WriteAsync(ItemRecord record, string? source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var operation = _options.Mode == WriteMode.Delete ? RecordOperation.Delete : record.Operation;
        // A put read as wire bytes is sent as them; a delete projects the key from the dictionary.
        return operation == RecordOperation.Put && record.Encoded is { } encoded
            ? WriteCoreAsync(null, encoded, operation, source, record.Line, cancellationToken)
            : WriteCoreAsync(record.Item, null, operation, source, record.Line, cancellationToken);
    }

    public WriteProgress GetProgress() => _statistics.Progress(_budget);

    public async Task<WriteFlush> FlushAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfNotAccepting();
        EnterCall();
        try
        {
            await SendAllAsync(cancellationToken).ConfigureAwait(false);
            if (_failure is not null)
            {
                _statistics.CountAbandoned(_batch.Discard());
                throw FailureException(BuildSummary(), earlier: false);
            }
            await _deadLetters.FlushAsync(cancellationToken).ConfigureAwait(false);
            return _statistics.Flush(_deadLetters);
        }
        finally
        {
            ExitCall();
        }
    }

    public async Task<WriteSummary> CompleteAsync(CancellationToken cancellationToken = default)
    {
        if (_summary is not null) return Finish(_summary);
        ObjectDisposedException.ThrowIf(_state == StateDisposed, this);
        EnterCall();
        try
        {
            _state = StateCompleting;
            await SendAllAsync(cancellationToken).ConfigureAwait(false);
            await _deadLetters.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (_failure is not null) _statistics.CountAbandoned(_batch.Discard());
            _summary = BuildSummary();
            _state = StateCompleted;
            StopTimers();
            _options.Progress?.Report(GetProgress());
            _statistics.LogCompleted(_logger, _summary);
            ReleaseCaller();
            _releaseBudget(_budget);
            return Finish(_summary);
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
            _statistics.CountAbandoned(_batch.Discard());
            _stop.Cancel();
            try
            {
                await _window.WaitForDrainAsync(CancellationToken.None).ConfigureAwait(false);
                // Dead letters recorded so far are kept: they are failures the caller must see.
                await _deadLetters.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.WriterFailed(_logger, TableName, "could not save its dead letters while being disposed", ex);
            }
            long abandoned = _statistics.Abandoned;
            if (abandoned > 0) Log.WriterAbandoned(_logger, TableName, abandoned, _statistics.ItemsApplied);
            ReleaseCaller();
            _releaseBudget(_budget);
        }
        await _deadLetters.DisposeAsync().ConfigureAwait(false);
        _allotted.Dispose();
        _stop.Dispose();
    }

    /// <summary>Sends the open batch (unless the writer failed) and waits for every batch in flight.</summary>
    private async ValueTask SendAllAsync(CancellationToken cancellationToken)
    {
        if (_batch.Count > 0 && _failure is null && await _window.WaitForSlotAsync(cancellationToken).ConfigureAwait(false))
        {
            Dispatch();
        }
        await _window.WaitForDrainAsync(cancellationToken).ConfigureAwait(false);
    }

    private WriteSummary BuildSummary() => _statistics.Summary(_deadLetters.InMemory);

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

    /// <summary>Accepts a write of <paramref name="item"/> or, for a put, of <paramref name="encoded"/> (one of the two is given).</summary>
    private async ValueTask WriteCoreAsync(Dictionary<string, AttributeValue>? item, EncodedItem? encoded, RecordOperation operation, string? source, long line, CancellationToken cancellationToken)
    {
        ThrowIfNotAccepting();
        EnterCall();
        try
        {
            var entry = encoded is not null
                ? _batch.Prepare(encoded, source, line, out var problem)
                : _batch.Prepare(item!, operation, source, line, out problem);
            if (entry is null)
            {
                try
                {
                    // The dead letter holds the item as given: an encoded one is built for it.
                    var letter = new DeadLetter(item ?? encoded!.ToItem(), operation, problem!, source, line);
                    await _attempts.DeadLetterAsync(letter, "invalid", cancellationToken).ConfigureAwait(false);
                }
                catch (WriterFailure failure)
                {
                    Fail(failure);
                    ThrowIfNotAccepting();
                }
                return;
            }
            int index = _batch.IndexOf(entry.Key);
            if (index >= 0 && !Conditional)
            {
                // Last write wins, as applying the input in order would: replace the pending write of this key.
                _batch.Replace(index, entry);
                _statistics.CountDeduplicated();
                return;
            }
            if (index >= 0 || !_batch.Fits(entry))
            {
                // A conditional write of a pending key goes after it (the condition depends on it); a full batch goes now.
                if (!await _window.WaitForSlotAsync(cancellationToken).ConfigureAwait(false)) ThrowIfNotAccepting();
                Dispatch();
            }
            _batch.Add(entry);
            if (_batch.IsFull && _window.TryReserveSlot())
            {
                Dispatch();
            }
        }
        finally
        {
            ExitCall();
        }
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

    private void ReleaseCaller()
    {
        if (!_callerCounted) return;
        _callerCounted = false;
        if (!HandsCallerBack) _tracker.Exit();
    }

    private void StopTimers() => _progressTimer?.Dispose();

    /// <summary>Sends the open batch as a new flow; a slot must be reserved.</summary>
    private void Dispatch()
    {
        var flow = _window.Open(_batch.Take());
        // On the thread pool: the SDK's marshalling of this batch runs beside the caller preparing the next one.
        ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Writer.RunAsync(state.Flow), (Writer: this, Flow: flow), preferLocal: false);
    }

    private async Task RunAsync(BatchFlow flow)
    {
        try
        {
            await _window.WaitForEarlierAsync(flow).ConfigureAwait(false);
            if (_conditionalSender is { } conditional) await conditional.SendAsync(flow, flow.Entries).ConfigureAwait(false);
            else await _batchSender.SendAsync(flow, flow.Entries).ConfigureAwait(false);
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
            _statistics.CountAbandoned(flow.Entries.Count - Volatile.Read(ref flow.Settled));
            _window.Close(flow);
        }
    }

    private void Fail(WriterFailure failure)
    {
        lock (_lock)
        {
            if (_failure is not null) return;
            _failureException = failure.InnerException;
            _outageError = failure.OutageError;
            Volatile.Write(ref _failure, failure.Message);
        }
        Log.WriterFailed(_logger, TableName, failure.Message, failure.InnerException);
        // The writer is done for: the other batches stop now instead of each retrying to its own limit, and what
        // they hold stays unacknowledged (abandoned), as does what waits to be sent.
        _stop.Cancel();
    }

    private void ReportProgress()
    {
        var progress = _statistics.ProgressSinceLastReport(_budget);
        Log.WriteProgress(_logger, TableName, progress.ItemsWritten, progress.ItemsDeleted, progress.ItemsDeadLettered, progress.WritesPerSecond, progress.WriteUnitsPerSecond, progress.BudgetWriteUnitsPerSecond, progress.PacingWriteUnitsPerSecond);
        _options.Progress?.Report(progress);
    }
}
