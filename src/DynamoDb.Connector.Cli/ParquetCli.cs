using System.Collections.Concurrent;
using DynamoDb.Connector.Formats.Parquet;

namespace DynamoDb.Connector.Cli;

/// <summary>
/// The CLI's Parquet options: the <c>--parquet-schema</c> file (columns to write; <c>nulls</c> when reading), which
/// <c>--nulls</c> overrides, and writer options that say on stderr, once per attribute, which attributes are written as
/// DynamoDB JSON text and why.
/// </summary>
internal static class ParquetCli
{
    public static System.CommandLine.Option<FileInfo?> SchemaOption() => new("--parquet-schema")
    {
        Description = "A JSON file for Parquet (see README): \"columns\" to write ([{\"name\":\"pk\",\"type\":\"string\"},{\"name\":\"doc\",\"type\":\"struct<a: int64>\"}], instead of inferring them) and \"nulls\" (omit or null) for reading; --nulls wins over the file.",
    };

    /// <summary>Loads the file, with its path in any error; null when none is given.</summary>
    public static async Task<ParquetSchemaFile?> LoadAsync(FileInfo? file, CancellationToken cancellationToken)
    {
        if (file is null) return null;
        if (!file.Exists) throw new FileNotFoundException($"Parquet schema {file.FullName} does not exist.", file.FullName);
        await using var stream = file.OpenRead();
        return await ParquetSchemaFile.LoadAsync(stream, $"Parquet schema {file.FullName}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What a Parquet null becomes: the <c>--nulls</c> flag when given, else the schema file's <c>nulls</c>, else omit.</summary>
    public static ParquetNulls Nulls(string? flag, ParquetSchemaFile? schema) =>
        flag is not null ? CliOptions.ParseNulls(flag)!.Value : schema?.Nulls ?? ParquetNulls.Omit;

    /// <summary>Writer options with the schema file's columns (when it has some) and the fallback notice on <paramref name="stderr"/>.</summary>
    public static ParquetWriterOptions WriterOptions(TextWriter stderr, ParquetSchemaFile? schema = null)
    {
        var told = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        return new ParquetWriterOptions
        {
            Schema = schema,
            OnFallback = (attribute, why) =>
            {
                if (!told.TryAdd(attribute, true)) return;
                lock (stderr)
                {
                    stderr.WriteLine($"Note: attribute '{attribute}' is written as its DynamoDB JSON text in a string column ({{\"M\":{{...}}}}), not a Parquet type: {why}.");
                }
            },
        };
    }
}
