namespace DynamoDb.Connector.Writing;

/// <summary>
/// A writer's way to its dead letters: the caller's sink, numbered chunk objects the writer opens on the first dead
/// letter after each flush and commits at the flush (<see cref="DynamoDbWriterOptions.DeadLetterUri"/>), or (neither)
/// a bounded list kept in memory for the summary.
/// </summary>
internal sealed class DeadLetterRecorder : IAsyncDisposable
{
    private readonly IDeadLetterSink? _shared;
    private readonly Func<int, CancellationToken, Task<JsonLinesDeadLetterSink>>? _open;
    private readonly int _memoryLimit;
    private readonly List<DeadLetter> _memory = [];
    private readonly SemaphoreSlim _opening = new(1, 1);
    private JsonLinesDeadLetterSink? _owned;
    private int _nextChunk;

    /// <param name="shared">The caller's sink, or null.</param>
    /// <param name="open">Opens chunk number n (from 0) of the writer's own dead letters, or null.</param>
    /// <param name="memoryLimit">The most dead letters kept in memory when neither is given.</param>
    public DeadLetterRecorder(IDeadLetterSink? shared, Func<int, CancellationToken, Task<JsonLinesDeadLetterSink>>? open, int memoryLimit)
    {
        _shared = shared;
        _open = open;
        _memoryLimit = memoryLimit;
    }

    /// <summary>The dead letters kept in memory (empty when a sink is used).</summary>
    public IReadOnlyList<DeadLetter> InMemory
    {
        get { lock (_memory) return [.. _memory]; }
    }

    public async ValueTask RecordAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        if (_shared is not null)
        {
            await _shared.WriteAsync(letter, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (_open is not null)
        {
            var sink = _owned ?? await OpenAsync(cancellationToken).ConfigureAwait(false);
            await sink.WriteAsync(letter, cancellationToken).ConfigureAwait(false);
            return;
        }
        lock (_memory)
        {
            if (_memory.Count >= _memoryLimit)
            {
                throw new InvalidOperationException(
                    $"More than {_memoryLimit:N0} items could not be written and no dead-letter sink is set: set DynamoDbWriterOptions.DeadLetterSink or DeadLetterUri, or raise MaxDeadLettersInMemory. Last: {letter.Reason}");
            }
            _memory.Add(letter);
        }
    }

    /// <summary>How many dead letters are kept in memory (the flush reports those past its previous count).</summary>
    public int InMemoryCount
    {
        get { lock (_memory) return _memory.Count; }
    }

    /// <summary>The dead letters kept in memory from <paramref name="start"/> on.</summary>
    public IReadOnlyList<DeadLetter> InMemoryFrom(int start)
    {
        lock (_memory) return _memory.Count <= start ? [] : _memory.GetRange(start, _memory.Count - start);
    }

    /// <summary>
    /// Makes the dead letters recorded so far durable: flushes a shared sink, commits the open chunk (the next dead
    /// letter opens the next chunk). Called with no dead letter being recorded (the writer is drained).
    /// </summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_shared is not null)
        {
            await _shared.FlushAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        await _opening.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_owned is null) return;
            await _owned.CompleteAsync(cancellationToken).ConfigureAwait(false);
            await _owned.DisposeAsync().ConfigureAwait(false);
            _owned = null;
            _nextChunk++;
        }
        finally
        {
            _opening.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_owned is not null) await _owned.DisposeAsync().ConfigureAwait(false);
        _opening.Dispose();
    }

    private async Task<JsonLinesDeadLetterSink> OpenAsync(CancellationToken cancellationToken)
    {
        await _opening.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _owned ??= await _open!(_nextChunk, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _opening.Release();
        }
    }
}
