using System.Text.Json;

namespace DynamoDb.Connector.Checkpoints;

/// <summary>
/// Where a job keeps how far it got: small named JSON documents (a split's position, the plan it belongs to), so a
/// rerun resumes instead of starting over. The default keeps them as objects under a folder or S3 prefix (set
/// <see cref="Import.ImportJobOptions.CheckpointUri"/>); a host can keep them anywhere else (a table, a database, the
/// state of its workflow) by implementing this and setting <see cref="Import.ImportJobOptions.CheckpointStore"/>.
/// </summary>
/// <remarks>
/// A write must replace the document atomically: a crash mid-write leaves the previous version readable. Workers write
/// different names at once (one per split), never the same name at once.
/// </remarks>
public interface ICheckpointStore
{
    /// <summary>Where the documents are, in words or as a uri, for messages (e.g. <c>s3://bucket/checkpoints</c>).</summary>
    string Location { get; }

    /// <summary>Reads the document <paramref name="name"/> (e.g. <c>splits/000003</c>), or null when there is none.</summary>
    Task<string?> ReadAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Replaces the document <paramref name="name"/> with <paramref name="json"/>, atomically.</summary>
    Task WriteAsync(string name, string json, CancellationToken cancellationToken = default);

    /// <summary>Deletes the document <paramref name="name"/>; deleting one there is not is not an error.</summary>
    Task DeleteAsync(string name, CancellationToken cancellationToken = default);
}

/// <summary>Checkpoint documents as typed values, in one JSON shape whichever store holds them.</summary>
internal static class CheckpointDocuments
{
    /// <summary>Reads the document <paramref name="name"/> as <typeparamref name="T"/>, or null when there is none.</summary>
    /// <exception cref="InvalidDataException">The document is not valid JSON of that shape.</exception>
    public static async Task<T?> ReadAsync<T>(this ICheckpointStore store, string name, CancellationToken cancellationToken)
        where T : class
    {
        string? json = await store.ReadAsync(name, cancellationToken).ConfigureAwait(false);
        return json is null ? null : Parse<T>(json, $"{store.Location.TrimEnd('/')}/{name}");
    }

    /// <summary>Writes <paramref name="value"/> as the document <paramref name="name"/>.</summary>
    public static Task WriteAsync<T>(this ICheckpointStore store, string name, T value, CancellationToken cancellationToken) =>
        store.WriteAsync(name, JsonSerializer.Serialize(value, CheckpointJsonContext.TypeInfo<T>()), cancellationToken);

    /// <summary>Parses a document read from <paramref name="where"/>.</summary>
    /// <exception cref="InvalidDataException">The document is not valid JSON of that shape.</exception>
    public static T? Parse<T>(string json, string where)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(json, CheckpointJsonContext.TypeInfo<T>());
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Checkpoint {where} is not valid: {e.Message}. Delete it to start that part over.", e);
        }
    }
}
