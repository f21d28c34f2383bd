using System.Buffers.Binary;
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
        int slot = Slot(utf8);
        if (_keys[slot] is { } key && utf8.SequenceEqual(key))
        {
            return _names[slot]!;
        }
        string name = Decode(utf8);
        _keys[slot] = utf8.ToArray();
        _names[slot] = name;
        return name;
    }

    /// <summary>
    /// A cheap hash (length, first and last 8 bytes) that is good enough for a cache: a collision only costs a
    /// miss. Measured at about half the time of <see cref="HashCode.AddBytes"/> for short names.
    /// </summary>
    private static int Slot(ReadOnlySpan<byte> utf8)
    {
        ulong hash = (ulong)utf8.Length * 0x9E3779B97F4A7C15;
        if (utf8.Length >= 8)
        {
            hash ^= (BinaryPrimitives.ReadUInt64LittleEndian(utf8) * 0xC2B2AE3D27D4EB4F) ^ (BinaryPrimitives.ReadUInt64LittleEndian(utf8[^8..]) * 0x165667B19E3779F9);
        }
        else
        {
            foreach (byte b in utf8)
            {
                hash = (hash ^ b) * 0x100000001B3;
            }
        }
        return (int)((hash * 0x9E3779B97F4A7C15) >> 55) & (Slots - 1);
    }

    private static string Decode(ReadOnlySpan<byte> utf8)
    {
        EnsureValid(utf8);
        return Encoding.UTF8.GetString(utf8);
    }

    /// <summary>Throws <see cref="AttributePathException"/> when an attribute name's bytes are not valid UTF-8.</summary>
    public static void EnsureValid(ReadOnlySpan<byte> utf8)
    {
        if (!Utf8.IsValid(utf8))
        {
            throw new AttributePathException("attribute name is not valid UTF-8");
        }
    }
}
