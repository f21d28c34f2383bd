using System.Globalization;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Storage;
using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Import;

/// <summary>
/// Counts an import's dead letters and keeps the first few for the result (what the CLI shows), whether or not they
/// are also written somewhere.
/// </summary>
internal sealed class DeadLetterSamples : IDeadLetterSink
{
    /// <summary>How many are kept.</summary>
    public const int Limit = 20;

    private readonly List<DeadLetter> _kept = [];

    /// <summary>The first <see cref="Limit"/> dead letters.</summary>
    public IReadOnlyList<DeadLetter> Kept
    {
        get { lock (_kept) return [.. _kept]; }
    }

    public ValueTask WriteAsync(DeadLetter letter, CancellationToken cancellationToken = default)
    {
        lock (_kept)
        {
            if (_kept.Count < Limit) _kept.Add(letter);
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}

/// <summary>
/// The dead letters of one split, durable at each of its checkpoints: written as JSON lines (see
/// <see cref="JsonLinesDeadLetterSink"/>) to numbered chunk objects <c>{folder}/{plan}-{split}-{chunk}.jsonl</c>, each
/// committed when the split checkpoints (<see cref="FlushAsync"/>). A crash loses only the chunk of lines the last
/// checkpoint does not cover, and a rerun reads those lines again. The checkpoint records the next chunk number, so the
/// rerun rewrites that chunk instead of adding a duplicate, and deletes first any chunk committed after what the
/// checkpoint records: every bad line and item is set aside exactly once. A CSV record that could not be read goes,
/// whole, to the chunk's CSV part in <c>{folder}/csv/</c> instead (<see cref="CsvDeadLetterChunk"/>), which imports again as CSV.
/// A delete that could not be applied goes to the chunk of the same name in <c>{folder}/deletes/</c>
/// (<see cref="DeadLetter.DeletesFolder"/>): a <c>{"Keys":...}</c> line is a delete only to ddb-json-incremental, an
/// <c>{"Item":...}</c> line an item only to ddb-json, so each file holds one kind and imports again, whole, in the format
/// it names.
/// </summary>
internal sealed class SplitDeadLetters : IDeadLetterSink, IAsyncDisposable
{
    private readonly IObjectStore _store;
    private readonly string _folderUri;
    private readonly string _namePrefix;
    private readonly DeadLetterSamples _samples;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private JsonLinesDeadLetterSink? _chunk;
    private JsonLinesDeadLetterSink? _deleteChunk;
    private CsvDeadLetterChunk? _csvChunk;

    public SplitDeadLetters(ObjectStores stores, string folderUri, string planFingerprint, int splitIndex, int nextChunk, DeadLetterSamples samples)
    {
        _store = stores.For(folderUri);
        _folderUri = ObjectUri.AsDirectory(folderUri);
        _namePrefix = string.Create(CultureInfo.InvariantCulture, $"{planFingerprint[..Math.Min(8, planFingerprint.Length)]}-{splitIndex:D6}-");
        _samples = samples;
        NextChunk = nextChunk;
    }

    /// <summary>The number the next chunk gets: what a checkpoint records.</summary>
    public int NextChunk { get; private set; }

    /// <summary>Whether this split committed any chunk in this run.</summary>
    public bool HasCommitted { get; private set; }

    public async ValueTask WriteAsync(DeadLetter letter, CancellationToken cancellationToken = default)
    {
        await _samples.WriteAsync(letter, cancellationToken).ConfigureAwait(false);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (letter is { Csv: { } origin, RawLine: { } record })
            {
                _csvChunk ??= new CsvDeadLetterChunk(_store, CsvFolderUri, ChunkName(NextChunk));
                await _csvChunk.WriteAsync(origin, record, cancellationToken).ConfigureAwait(false);
                return;
            }
            if (letter is { Operation: RecordOperation.Delete, RawLine: null })
            {
                _deleteChunk ??= await JsonLinesDeadLetterSink.CreateAsync(_store, DeleteChunkUri(NextChunk), cancellationToken).ConfigureAwait(false);
                await _deleteChunk.WriteAsync(letter, cancellationToken).ConfigureAwait(false);
                return;
            }
            _chunk ??= await JsonLinesDeadLetterSink.CreateAsync(_store, ChunkUri(NextChunk), cancellationToken).ConfigureAwait(false);
            await _chunk.WriteAsync(letter, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Called by each table writer as it completes or is disposed: does nothing, since a chunk is committed only when
    /// the split checkpoints (<see cref="CommitAsync"/>). A writer disposed by a failed or cancelled run must not commit
    /// the dead letters of lines the checkpoint does not cover: the rerun reads those lines again.
    /// </summary>
    public ValueTask FlushAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    /// <summary>
    /// Deletes the chunks from <see cref="NextChunk"/> on, left by a run that committed them but stopped before its
    /// checkpoint recorded them: their lines come after the checkpoint and are set aside again.
    /// </summary>
    public async Task DiscardUnrecordedAsync(CancellationToken cancellationToken)
    {
        DiscardTemporaryFiles();
        for (int chunk = NextChunk; ; chunk++)
        {
            string uri = ChunkUri(chunk);
            bool json = await DeleteIfPresentAsync(uri, cancellationToken).ConfigureAwait(false);
            bool deletes = await DeleteIfPresentAsync(DeleteChunkUri(chunk), cancellationToken).ConfigureAwait(false);
            bool csv = await CsvDeadLetterChunk.DeleteAsync(_store, CsvFolderUri, ChunkName(chunk), cancellationToken).ConfigureAwait(false);
            if (!json && !deletes && !csv) return;
        }
    }

    private async Task<bool> DeleteIfPresentAsync(string uri, CancellationToken cancellationToken)
    {
        if (await _store.GetInfoAsync(uri, cancellationToken).ConfigureAwait(false) is null) return false;
        await _store.DeleteAsync(uri, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Deletes this split's chunks that a killed run left half written: on a local disk they stay as the store's
    /// temporary files (S3 keeps no object of an upload never completed). Their lines come after the checkpoint and
    /// are set aside again, into a chunk of their own.
    /// </summary>
    private void DiscardTemporaryFiles()
    {
        if (ObjectUri.KindOf(_folderUri) != ObjectUriKind.Local) return;
        foreach (string folder in new[] { _folderUri, DeletesFolderUri, CsvFolderUri })
        {
            string path = ObjectUri.ToLocalPath(folder);
            if (!Directory.Exists(path)) continue;
            foreach (var temp in Directory.EnumerateFiles(path, $".{_namePrefix}*{LocalFileObjectStore.TempMarker}*"))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>Commits the open chunk, if any; the next dead letter opens the next one. The split's checkpoint then records <see cref="NextChunk"/>.</summary>
    public async ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_chunk is null && _deleteChunk is null && _csvChunk is null) return;
            if (_chunk is not null)
            {
                await _chunk.CompleteAsync(cancellationToken).ConfigureAwait(false);
                await _chunk.DisposeAsync().ConfigureAwait(false);
                _chunk = null;
            }
            if (_deleteChunk is not null)
            {
                await _deleteChunk.CompleteAsync(cancellationToken).ConfigureAwait(false);
                await _deleteChunk.DisposeAsync().ConfigureAwait(false);
                _deleteChunk = null;
            }
            if (_csvChunk is not null)
            {
                await _csvChunk.CommitAsync(cancellationToken).ConfigureAwait(false);
                await _csvChunk.DisposeAsync().ConfigureAwait(false);
                _csvChunk = null;
            }
            NextChunk++;
            HasCommitted = true;
        }
        finally
        {
            _gate.Release();
        }
    }

    private string ChunkUri(int chunk) => ObjectUri.Combine(_folderUri, $"{ChunkName(chunk)}.jsonl");

    private string ChunkName(int chunk) => string.Create(CultureInfo.InvariantCulture, $"{_namePrefix}{chunk:D4}");

    private string DeleteChunkUri(int chunk) => ObjectUri.Combine(DeletesFolderUri, $"{ChunkName(chunk)}.jsonl");

    private string DeletesFolderUri => ObjectUri.Combine(_folderUri, DeadLetter.DeletesFolder);

    private string CsvFolderUri => ObjectUri.Combine(_folderUri, CsvDeadLetterChunk.FolderName);

    /// <summary>Discards a chunk not committed: its lines are after the last checkpoint and are read again on a rerun.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_chunk is not null) await _chunk.DisposeAsync().ConfigureAwait(false);
        if (_deleteChunk is not null) await _deleteChunk.DisposeAsync().ConfigureAwait(false);
        if (_csvChunk is not null) await _csvChunk.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }
}
