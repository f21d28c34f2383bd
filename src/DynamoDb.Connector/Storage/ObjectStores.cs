namespace DynamoDb.Connector.Storage;

/// <summary>
/// Picks, among the registered <see cref="IObjectStore"/>s, the one that handles a uri: how a host reads and writes
/// the same <c>s3://</c> uris, <c>file://</c> uris and local paths the connector does. Registered by
/// <c>AddDynamoDbConnector</c> (resolve it from the service provider), or created over stores of your own.
/// </summary>
public sealed class ObjectStores
{
    private readonly IObjectStore[] _stores;

    /// <summary>Creates the resolver over <paramref name="stores"/>; the first that handles a uri wins.</summary>
    public ObjectStores(IEnumerable<IObjectStore> stores)
    {
        ArgumentNullException.ThrowIfNull(stores);
        _stores = [.. stores];
    }

    /// <summary>The store for <paramref name="uri"/>.</summary>
    /// <exception cref="NotSupportedException">No registered store handles the uri's scheme.</exception>
    public IObjectStore For(string uri)
    {
        ArgumentException.ThrowIfNullOrEmpty(uri);
        foreach (var store in _stores)
        {
            if (store.CanHandle(uri)) return store;
        }
        string what = ObjectUri.SchemeOf(uri) is { } scheme ? $"the scheme '{scheme}://'" : "local paths";
        string registered = _stores.Length == 0 ? "none" : string.Join(", ", _stores.Select(s => s.GetType().Name));
        string hint = ObjectUri.KindOf(uri) == ObjectUriKind.S3 ? " S3 needs an IAmazonS3 client registered for the S3 store." : "";
        throw new NotSupportedException(
            $"No object store handles '{uri}' ({what}). Supported: s3:// (s3n://, s3a://), file:// and local paths; registered stores: {registered}.{hint}");
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8) as the object at <paramref name="uri"/>, replacing any: a plan's documents, a schema, a definition.</summary>
    /// <exception cref="NotSupportedException">No registered store handles the uri's scheme.</exception>
    public async Task WriteTextAsync(string uri, string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        var output = await For(uri).CreateAsync(uri, cancellationToken).ConfigureAwait(false);
        await using (output.ConfigureAwait(false))
        {
            await output.Stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
            await output.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
