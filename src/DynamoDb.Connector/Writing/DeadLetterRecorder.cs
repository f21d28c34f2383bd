namespace DynamoDb.Connector.Writing;

/// <summary>
/// A writer's way to its dead letters: the caller's sink, a sink the writer opens on the first dead letter and
/// completes with itself, or (neither) a bounded list kept in memory for the summary.
/// </summary>
internal sealed class DeadLetterRecorder : IAsyncDisposable
{
    private readonly IDeadLetterSink? _shared;
    private readonly Func<CancellationToken, Task<JsonLinesDeadLetterSink>>? _open;
    private readonly int _memoryLimit;
    private readonly List<DeadLetter> _memory = [];
    private readonly SemaphoreSlim _opening = new(1, 1);
    private JsonLinesDeadLetterSink? _owned;

    public DeadLetterRecorder(IDeadLetterSink? shared, Func<CancellationToken, Task<JsonLinesDeadLetterSink>>? open, int memoryLimit)
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

    /// <summary>Makes the dead letters durable: flushes a shared sink, completes (commits) an owned one.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (_shared is not null)
        {
            await _shared.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        else if (_owned is not null)
        {
            await _owned.CompleteAsync(cancellationToken).ConfigureAwait(false);
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
            return _owned ??= await _open!(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _opening.Release();
        }
    }
}
