using System.Globalization;
using System.Text;
using System.Text.Json;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.Storage;

namespace DynamoDb.Connector.FanOut;

/// <summary>
/// A plan laid out for a Step Functions Distributed Map: one document per split (or export segment) and an
/// <c>items.json</c> listing them, the array the Map's ItemReader reads (<c>[{"splitUri": "...", "index": 0}, ...]</c>).
/// </summary>
public static class DistributedMapItems
{
    /// <summary>The name of the item list in a plan folder.</summary>
    public const string FileName = "items.json";

    /// <summary>The import item list: <c>[{"splitUri": uri, "index": i}]</c>, in split order.</summary>
    public static string ForImport(IReadOnlyList<string> splitUris) => ToJson("splitUri", splitUris);

    /// <summary>The export item list: <c>[{"exportSegmentUri": uri, "index": i}]</c>, in segment order.</summary>
    public static string ForExport(IReadOnlyList<string> segmentUris) => ToJson("exportSegmentUri", segmentUris);

    /// <summary>The file name of split <paramref name="index"/>'s document in a plan folder.</summary>
    public static string SplitFileName(int index) => string.Create(CultureInfo.InvariantCulture, $"split-{index:D6}.json");

    /// <summary>
    /// Writes <paramref name="plan"/>'s split documents (<see cref="SplitFileName"/>) and <see cref="FileName"/> into
    /// the folder <paramref name="folderUri"/> (a local folder, <c>file://</c> or <c>s3://bucket/prefix/</c>), items.json
    /// last, so a listed split always exists. A relative local folder is made absolute: the uris in items.json resolve
    /// from anywhere. Returns the split documents' uris.
    /// </summary>
    public static async Task<IReadOnlyList<string>> WriteImportPlanAsync(ObjectStores stores, ImportPlan plan, string folderUri, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stores);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentException.ThrowIfNullOrEmpty(folderUri);
        string folder = Folder(folderUri);
        var uris = new string[plan.Splits.Count];
        for (int i = 0; i < uris.Length; i++)
        {
            uris[i] = ObjectUri.Combine(folder, SplitFileName(i));
            await stores.WriteTextAsync(uris[i], plan.SplitToJson(i), cancellationToken).ConfigureAwait(false);
        }
        await stores.WriteTextAsync(ItemsUri(folder), ForImport(uris), cancellationToken).ConfigureAwait(false);
        return uris;
    }

    /// <summary>The uri of the item list in the plan folder <paramref name="folderUri"/> (a relative local folder made absolute).</summary>
    public static string ItemsUri(string folderUri) => ObjectUri.Combine(Folder(folderUri), FileName);

    private static string Folder(string uri) => ObjectUri.AsDirectory(
        ObjectUri.KindOf(uri) == ObjectUriKind.Local && ObjectUri.SchemeOf(uri) is null ? Path.GetFullPath(uri) : uri);

    private static string ToJson(string uriField, IReadOnlyList<string> uris)
    {
        ArgumentNullException.ThrowIfNull(uris);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartArray();
            for (int i = 0; i < uris.Count; i++)
            {
                w.WriteStartObject();
                w.WriteString(uriField, uris[i]);
                w.WriteNumber("index", i);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
