using System.Collections.Concurrent;
using DynamoDb.Connector.Formats.Parquet;

namespace DynamoDb.Connector.Cli;

/// <summary>Parquet writer options for convert and export that say on stderr, once per attribute, which attributes are written as DynamoDB JSON text and why.</summary>
internal static class ParquetNotices
{
    public static ParquetWriterOptions WriterOptions(TextWriter stderr)
    {
        var told = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        return new ParquetWriterOptions
        {
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
