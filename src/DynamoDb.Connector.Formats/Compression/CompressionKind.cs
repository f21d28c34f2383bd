namespace DynamoDb.Connector.Formats.Compression;

/// <summary>How a file's bytes are compressed.</summary>
public enum CompressionKind
{
    /// <summary>Not compressed.</summary>
    None,
    /// <summary>gzip (RFC 1952); several concatenated members read as one stream. Suffix <c>.gz</c>.</summary>
    Gzip,
    /// <summary>Zstandard; several concatenated frames read as one stream. Suffix <c>.zst</c>.</summary>
    Zstd,
}

/// <summary>The command-line names of <see cref="CompressionKind"/> values: <c>none</c>, <c>gzip</c>, <c>zstd</c>.</summary>
public static class CompressionKindNames
{
    /// <summary>Every name, in the order of the enum.</summary>
    public static IReadOnlyList<string> All { get; } = ["none", "gzip", "zstd"];

    /// <summary>The name of a compression kind: <c>none</c>, <c>gzip</c> or <c>zstd</c>.</summary>
    public static string ToName(this CompressionKind kind) => All[(int)kind];

    /// <summary>Parses a name (case-insensitive); <c>gz</c> and <c>zst</c> are accepted too.</summary>
    public static bool TryParse(string? name, out CompressionKind kind)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case "none": kind = CompressionKind.None; return true;
            case "gzip" or "gz": kind = CompressionKind.Gzip; return true;
            case "zstd" or "zst": kind = CompressionKind.Zstd; return true;
            default: kind = default; return false;
        }
    }

    /// <summary>Parses a name or throws a <see cref="FormatException"/> that lists the valid names.</summary>
    public static CompressionKind Parse(string name) => TryParse(name, out var kind)
        ? kind
        : throw new FormatException($"Unknown compression '{name}'. Use one of: {string.Join(", ", All)}.");
}
