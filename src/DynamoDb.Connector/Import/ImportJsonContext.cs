using System.Text.Json;
using System.Text.Json.Serialization;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Import;

/// <summary>
/// The import's JSON documents through source generation (no reflection: trimming- and AOT-safe): split documents and
/// run summaries, with the names and the format spelling <see cref="ImportPlan"/>'s JSON has always had.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, Converters = [typeof(ItemFileFormatJsonConverter)])]
[JsonSerializable(typeof(SplitDocument))]
[JsonSerializable(typeof(SplitRunSummary))]
[JsonSerializable(typeof(ImportPlan))]
[JsonSerializable(typeof(IReadOnlyList<ImportSplit>))]
internal sealed partial class ImportJsonContext : JsonSerializerContext
{
    /// <summary>The same, indented (the split files <c>plan --out</c> writes, for people to read).</summary>
    internal static ImportJsonContext Indented { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new ItemFileFormatJsonConverter() },
    });
}

/// <summary>Formats in kebab case (<c>ddb-json</c>...), as <see cref="ImportPlan"/>'s JSON writes them.</summary>
internal sealed class ItemFileFormatJsonConverter() : JsonStringEnumConverter<ItemFileFormat>(JsonNamingPolicy.KebabCaseLower);
