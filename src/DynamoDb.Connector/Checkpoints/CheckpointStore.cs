using System.Text.Json;
using DynamoDb.Connector.Storage;

namespace DynamoDb.Connector.Checkpoints;

/// <summary>
/// Small JSON documents under a root uri (a local folder or an S3 prefix) that record how far a job got, so a rerun
/// resumes instead of starting over. One object per unit of work (a split, a scan segment): workers in one process or
/// in many processes never contend for the same object, and each write replaces its object atomically (a temporary
/// file renamed into place locally; a single PUT on S3), so a crash or kill -9 leaves the previous checkpoint intact.
/// </summary>
internal sealed class CheckpointStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = false };

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

    /// <summary>Reads the document <paramref name="name"/>, or null when it was never written.</summary>
    public async Task<T?> ReadAsync<T>(string name, CancellationToken cancellationToken)
        where T : class
    {
        string uri = UriOf(name);
        if (await _store.GetInfoAsync(uri, cancellationToken).ConfigureAwait(false) is null)
        {
            return null;
        }
        var stream = await _store.OpenReadAsync(uri, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            try
            {
                return await JsonSerializer.DeserializeAsync<T>(stream, Json, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"Checkpoint {uri} is not valid: {e.Message}. Delete it to start that part over.", e);
            }
        }
    }

    /// <summary>Replaces the document <paramref name="name"/> atomically.</summary>
    public async Task WriteAsync<T>(string name, T value, CancellationToken cancellationToken)
    {
        var writer = await _store.CreateAsync(UriOf(name), cancellationToken).ConfigureAwait(false);
        await using (writer.ConfigureAwait(false))
        {
            await JsonSerializer.SerializeAsync(writer.Stream, value, Json, cancellationToken).ConfigureAwait(false);
            await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes the document <paramref name="name"/>; deleting one that was never written is not an error.</summary>
    public Task DeleteAsync(string name, CancellationToken cancellationToken) => _store.DeleteAsync(UriOf(name), cancellationToken);

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
