using System.IO.Compression;
using DynamoDb.Connector.Formats.Compression;

namespace DynamoDb.Connector.Formats.Lines;

/// <summary>Options shared by every item writer.</summary>
public sealed class ItemWriterOptions
{
    /// <summary>How the output is compressed. Default <see cref="CompressionKind.None"/>.</summary>
    public CompressionKind Compression { get; set; } = CompressionKind.None;

    /// <summary>
    /// Speed versus size when <see cref="Compression"/> is not none. Default <see cref="System.IO.Compression.CompressionLevel.Optimal"/>
    /// (gzip 6, zstd 3); see <see cref="StreamCompression.OpenWrite"/>.
    /// </summary>
    public CompressionLevel CompressionLevel { get; set; } = CompressionLevel.Optimal;

    /// <summary>The CSV column layout; required for <see cref="ItemFileFormat.Csv"/>, ignored otherwise.</summary>
    public Csv.CsvSchema? Csv { get; set; }

    /// <summary>For <see cref="ItemFileFormat.Parquet"/>: row group bounds and the fallback report; defaults when null. Ignored otherwise.</summary>
    public Parquet.ParquetWriterOptions? Parquet { get; set; }

    /// <summary>
    /// Whether disposing the writer leaves the destination stream open. Default false: the writer owns the stream.
    /// Set it when the stream belongs to something that commits it afterwards (an object store writer).
    /// </summary>
    public bool LeaveOpen { get; set; }

    /// <summary>Throws when a value is out of its valid range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        if (!Enum.IsDefined(Compression))
        {
            throw new ArgumentOutOfRangeException(nameof(Compression), Compression, "Unknown compression kind.");
        }
        if (!Enum.IsDefined(CompressionLevel))
        {
            throw new ArgumentOutOfRangeException(nameof(CompressionLevel), CompressionLevel, "Unknown compression level.");
        }
    }
}
