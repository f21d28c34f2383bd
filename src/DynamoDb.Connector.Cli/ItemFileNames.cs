using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Cli;

/// <summary>File names for written item files: the format's extension plus the compression's.</summary>
internal static class ItemFileNames
{
    private static readonly string[] DataExtensions = [".json", ".jsonl", ".csv", ".txt", ".parquet"];

    /// <summary>The extension a format's files get: <c>.json</c> for DynamoDB JSON, <c>.csv</c>, none for data-pipeline (as EMR writes them).</summary>
    public static string Extension(ItemFileFormat format, CompressionKind compression) => (format switch
    {
        ItemFileFormat.DynamoDbJson or ItemFileFormat.DynamoDbJsonIncremental or ItemFileFormat.Json => ".json",
        ItemFileFormat.Csv => ".csv",
        ItemFileFormat.Parquet => ".parquet",
        _ => "",
    }) + (format == ItemFileFormat.Parquet ? "" : StreamCompression.FileExtension(compression)); // Parquet compresses inside the file

    /// <summary><paramref name="sourceName"/> without its compression and data extensions, with those of the target.</summary>
    public static string Convert(string sourceName, ItemFileFormat format, CompressionKind compression)
    {
        string name = sourceName;
        if (StreamCompression.FromFileName(name) != CompressionKind.None) name = Path.GetFileNameWithoutExtension(name);
        foreach (var extension in DataExtensions)
        {
            if (name.EndsWith(extension, StringComparison.OrdinalIgnoreCase)) name = name[..^extension.Length];
        }
        return name + Extension(format, compression);
    }
}
