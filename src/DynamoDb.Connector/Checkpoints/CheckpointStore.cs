using DynamoDb.Connector.Storage;

namespace DynamoDb.Connector.Checkpoints;

/// <summary>
/// Small JSON documents under a root uri (a local folder or an S3 prefix) that record how far a job got, so a rerun
/// resumes instead of starting over. One object per unit of work (a split, a scan segment): workers in one process or
/// in many processes never contend for the same object, and each write replaces its object atomically (a temporary
/// file renamed into place locally; a single PUT on S3), so a crash or kill -9 leaves the previous checkpoint intact.
/// The default <see cref="ICheckpointStore"/>.
/// </summary>
internal sealed class CheckpointStore : ICheckpointStore
{
    private readonly IObjectStore _store;
    private readonly string _rootUri;

    public CheckpointStore(IObjectStore store, string rootUri)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(rootUri);
        _store = store;
        _rootUri = rootUri.TrimEnd('/');
    }

    /// <summary>Where the checkpoints live.</summary>
    public string RootUri => _rootUri;

    /// <inheritdoc/>
    public string Location => _rootUri;

    /// <summary>Reads the document <paramref name="name"/>, or null when it was never written.</summary>
    public Task<T?> ReadAsync<T>(string name, CancellationToken cancellationToken)
        where T : class => CheckpointDocuments.ReadAsync<T>(this, name, cancellationToken);

    /// <summary>Replaces the document <paramref name="name"/> atomically.</summary>
    public Task WriteAsync<T>(string name, T value, CancellationToken cancellationToken) =>
        CheckpointDocuments.WriteAsync(this, name, value, cancellationToken);

    /// <inheritdoc/>
    public async Task<string?> ReadAsync(string name, CancellationToken cancellationToken = default)
    {
        string uri = UriOf(name);
        if (await _store.GetInfoAsync(uri, cancellationToken).ConfigureAwait(false) is null)
        {
            return null;
        }
        var stream = await _store.OpenReadAsync(uri, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var text = new StreamReader(stream, System.Text.Encoding.UTF8);
            return await text.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async Task WriteAsync(string name, string json, CancellationToken cancellationToken = default)
    {
        var writer = await _store.CreateAsync(UriOf(name), cancellationToken).ConfigureAwait(false);
        await using (writer.ConfigureAwait(false))
        {
            await writer.Stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(json), cancellationToken).ConfigureAwait(false);
            await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes the document <paramref name="name"/>; deleting one that was never written is not an error.</summary>
    public Task DeleteAsync(string name, CancellationToken cancellationToken = default) => _store.DeleteAsync(UriOf(name), cancellationToken);

    /// <summary>
    /// Removes <paramref name="folder"/> (relative to the root; "" for the root itself) when it is an empty folder on a
    /// local disk (after deleting the temporary files of writes a kill cut short), so a finished job leaves no empty
    /// folders behind. S3 has no folders: nothing to do there. A folder
    /// that is not empty (something was added meanwhile) stays.
    /// </summary>
    public Task RemoveFolderIfEmptyAsync(string folder, CancellationToken cancellationToken) => SyncTasks.Run(() =>
    {
        if (ObjectUri.KindOf(_rootUri) != ObjectUriKind.Local) return false;
        string path = ObjectUri.ToLocalPath(folder.Length == 0 ? _rootUri : $"{_rootUri}/{folder}");
        try
        {
            if (!Directory.Exists(path)) return false;
            // Temporary files of writes a kill cut short are the checkpoint's own, never committed: not worth keeping.
            foreach (var temp in Directory.EnumerateFiles(path, $".*{LocalFileObjectStore.TempMarker}*")) File.Delete(temp);
            if (Directory.EnumerateFileSystemEntries(path).Any()) return false;
            Directory.Delete(path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false; // not empty after all, or not ours to remove: it stays
        }
    }, cancellationToken);

    /// <summary>The names of the documents under <paramref name="folder"/> (e.g. "splits").</summary>
    public async IAsyncEnumerable<string> ListAsync(string folder, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string prefix = $"{_rootUri}/{folder}";
        await foreach (var info in _store.ListAsync(prefix, recursive: false, cancellationToken).ConfigureAwait(false))
        {
            string name = info.Uri[(info.Uri.LastIndexOf('/') + 1)..];
            if (name.EndsWith(".json", StringComparison.Ordinal))
            {
                yield return $"{folder}/{name[..^5]}";
            }
        }
    }

    private string UriOf(string name) => $"{_rootUri}/{name}.json";
}
