using System.Text;
using System.Text.Unicode;

namespace DynamoDb.Connector.Formats.Json;

/// <summary>
/// Attribute names repeat on every line of a file; this small direct-mapped cache turns their UTF-8 bytes into the
/// same string instance instead of allocating a new one per line. Not thread-safe: one per reader.
/// </summary>
internal sealed class NameCache
{
    private const int Slots = 512;
    private const int MaxCachedBytes = 64;
    private readonly byte[]?[] _keys = new byte[Slots][];
    private readonly string?[] _names = new string[Slots];

    /// <summary>The string for <paramref name="utf8"/>; throws <see cref="AttributePathException"/> when it is not valid UTF-8.</summary>
    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxCachedBytes)
        {
            return Decode(utf8);
        }
        var hash = new HashCode();
        hash.AddBytes(utf8);
        int slot = hash.ToHashCode() & (Slots - 1);
        if (_keys[slot] is { } key && utf8.SequenceEqual(key))
        {
            return _names[slot]!;
        }
        string name = Decode(utf8);
        _keys[slot] = utf8.ToArray();
        _names[slot] = name;
        return name;
    }

    private static string Decode(ReadOnlySpan<byte> utf8) => Utf8.IsValid(utf8)
        ? Encoding.UTF8.GetString(utf8)
        : throw new AttributePathException("attribute name is not valid UTF-8");
}
