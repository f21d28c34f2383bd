using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace DynamoDb.Connector.Checkpoints;

/// <summary>
/// The JSON of every checkpoint document and lease, written by source generation (no reflection, so trimming and
/// Native AOT keep it) with the web defaults the documents have always had: camelCase names, numbers for enums.
/// A new checkpoint document type is added here.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(LeaseDocument))]
[JsonSerializable(typeof(Import.SplitCheckpoint))]
[JsonSerializable(typeof(Import.PlanCheckpoint))]
[JsonSerializable(typeof(Export.ExportCheckpointJob))]
[JsonSerializable(typeof(Export.ExportSplitRecord))]
internal sealed partial class CheckpointJsonContext : JsonSerializerContext
{
    /// <summary>The generated contract of <typeparamref name="T"/>.</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> is not declared above (a bug).</exception>
    public static JsonTypeInfo<T> TypeInfo<T>() =>
        Default.GetTypeInfo(typeof(T)) as JsonTypeInfo<T>
        ?? throw new InvalidOperationException($"{typeof(T).Name} is not a checkpoint document type: add it to {nameof(CheckpointJsonContext)}.");
}
