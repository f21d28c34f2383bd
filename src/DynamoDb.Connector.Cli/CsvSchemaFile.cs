using DynamoDb.Connector.Formats.Csv;

namespace DynamoDb.Connector.Cli;

/// <summary>Loads the <c>--csv-schema</c> file, with its path in any error.</summary>
internal static class CsvSchemaFile
{
    public static async Task<CsvSchema?> LoadAsync(FileInfo? file, CancellationToken cancellationToken)
    {
        if (file is null) return null;
        if (!file.Exists) throw new FileNotFoundException($"CSV schema {file.FullName} does not exist.", file.FullName);
        await using var stream = file.OpenRead();
        try
        {
            return await CsvSchema.LoadAsync(stream, file.FullName, cancellationToken).ConfigureAwait(false);
        }
        catch (FormatException e)
        {
            throw new FormatException($"CSV schema {file.FullName}: {e.Message}", e);
        }
    }
}
