using System.IO.Compression;

namespace DynamoDb.Connector.Formats.Compression;

/// <summary>
/// Opens compressed and plain files alike. Reading detects gzip (<c>1f 8b</c>) and zstd (<c>28 b5 2f fd</c>) by their
/// magic bytes, not by the file name, so a <c>.gz</c> object that was already decompressed in transit still reads.
/// Truncated or corrupt gzip or zstd data is an <see cref="InvalidDataException"/> that says which and where,
/// never a silently shorter file.
/// </summary>
public static class StreamCompression
{
    /// <summary>How many leading bytes <see cref="Detect"/> needs at most.</summary>
    public const int MagicBytes = 4;

    /// <summary>The compression whose magic bytes <paramref name="firstBytes"/> starts with; <see cref="CompressionKind.None"/> otherwise.</summary>
    public static CompressionKind Detect(ReadOnlySpan<byte> firstBytes)
    {
        if (firstBytes.Length >= 2 && firstBytes[0] == 0x1F && firstBytes[1] == 0x8B)
        {
            return CompressionKind.Gzip;
        }
        if (firstBytes.Length >= 4 && firstBytes[0] == 0x28 && firstBytes[1] == 0xB5 && firstBytes[2] == 0x2F && firstBytes[3] == 0xFD)
        {
            return CompressionKind.Zstd;
        }
        return CompressionKind.None;
    }

    /// <summary>
    /// The compression a file name or uri suggests: <c>.gz</c>/<c>.gzip</c> gzip, <c>.zst</c>/<c>.zstd</c> zstd, otherwise none.
    /// A hint for naming and writing; reading trusts the magic bytes.
    /// </summary>
    public static CompressionKind FromFileName(string? pathOrUri)
    {
        if (string.IsNullOrEmpty(pathOrUri))
        {
            return CompressionKind.None;
        }
        if (pathOrUri.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) || pathOrUri.EndsWith(".gzip", StringComparison.OrdinalIgnoreCase))
        {
            return CompressionKind.Gzip;
        }
        if (pathOrUri.EndsWith(".zst", StringComparison.OrdinalIgnoreCase) || pathOrUri.EndsWith(".zstd", StringComparison.OrdinalIgnoreCase))
        {
            return CompressionKind.Zstd;
        }
        return CompressionKind.None;
    }

    /// <summary>The file suffix for a compression kind: empty, <c>.gz</c> or <c>.zst</c>.</summary>
    public static string FileExtension(CompressionKind kind) => kind switch
    {
        CompressionKind.None => "",
        CompressionKind.Gzip => ".gz",
        CompressionKind.Zstd => ".zst",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown compression kind."),
    };

    /// <summary>
    /// Wraps <paramref name="source"/> in a stream that returns its decompressed bytes. Detection happens at the first
    /// read, from the magic bytes, which are not lost (the source need not be seekable). Concatenated gzip members and
    /// zstd frames read as one stream.
    /// </summary>
    /// <param name="source">The raw (possibly compressed) bytes.</param>
    /// <param name="leaveOpen">Whether disposing the returned stream leaves <paramref name="source"/> open. Default false.</param>
    public static Stream OpenRead(Stream source, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new DecompressingReadStream(source, leaveOpen);
    }

    /// <summary>
    /// <see cref="OpenRead(Stream, bool)"/> for a file named <paramref name="name"/>: when the name says gzip or zstd and
    /// the bytes are neither that nor text, the first read says so (rather than reading binary data as lines).
    /// </summary>
    internal static Stream OpenRead(Stream source, string name, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new DecompressingReadStream(source, leaveOpen, FromFileName(name));
    }

    /// <summary>
    /// Wraps <paramref name="destination"/> in a stream that compresses what is written to it. Dispose the returned
    /// stream to finish the gzip member or zstd frame (with <paramref name="leaveOpen"/> true the destination stays open).
    /// </summary>
    /// <param name="destination">Where the compressed bytes go.</param>
    /// <param name="kind">The compression; <see cref="CompressionKind.None"/> returns a stream that writes through.</param>
    /// <param name="level">
    /// The trade-off between speed and size. Default <see cref="CompressionLevel.Optimal"/> (gzip level 6, zstd level 3);
    /// <see cref="CompressionLevel.Fastest"/> is gzip 1 / zstd 1; <see cref="CompressionLevel.SmallestSize"/> is gzip 9 / zstd 19.
    /// </param>
    /// <param name="leaveOpen">Whether disposing the returned stream leaves <paramref name="destination"/> open. Default false.</param>
    public static Stream OpenWrite(Stream destination, CompressionKind kind, CompressionLevel level = CompressionLevel.Optimal, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return kind switch
        {
            CompressionKind.None => new PassThroughWriteStream(destination, leaveOpen),
            CompressionKind.Gzip => new GZipStream(destination, level, leaveOpen),
            CompressionKind.Zstd => new ZstdSharp.CompressionStream(destination, ZstdLevel(level), leaveOpen: leaveOpen),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown compression kind."),
        };
    }

    private static int ZstdLevel(CompressionLevel level) => level switch
    {
        CompressionLevel.Fastest or CompressionLevel.NoCompression => 1,
        CompressionLevel.SmallestSize => 19,
        _ => 3,
    };
}
