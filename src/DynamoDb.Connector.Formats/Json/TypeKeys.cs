using System.Text;
using DynamoDb.Connector.Formats.Items;

namespace DynamoDb.Connector.Formats.Json;

/// <summary>
/// The type keys of typed value objects. Reading is case-insensitive (<c>s</c>, <c>S</c>, <c>sS</c>, <c>SS</c>) and also
/// accepts <c>nULLValue</c> (files written before 2023). Writing uses the EMR spelling or DynamoDB's upper case.
/// </summary>
internal static class TypeKeys
{
    /// <summary>Matches a type key; false for anything else.</summary>
    public static bool TryParse(ReadOnlySpan<byte> key, out AttributeKind kind)
    {
        kind = AttributeKind.Empty;
        switch (key.Length)
        {
            case 1:
                kind = (key[0] | 0x20) switch
                {
                    's' => AttributeKind.S,
                    'n' => AttributeKind.N,
                    'b' => AttributeKind.B,
                    'l' => AttributeKind.L,
                    'm' => AttributeKind.M,
                    _ => AttributeKind.Empty,
                };
                break;
            case 2:
                if ((key[1] | 0x20) == 's')
                {
                    kind = (key[0] | 0x20) switch
                    {
                        's' => AttributeKind.SS,
                        'n' => AttributeKind.NS,
                        'b' => AttributeKind.BS,
                        _ => AttributeKind.Empty,
                    };
                }
                break;
            case 4:
                if (Ascii.EqualsIgnoreCase(key, "bool"u8)) kind = AttributeKind.Bool;
                else if (Ascii.EqualsIgnoreCase(key, "null"u8)) kind = AttributeKind.Null;
                break;
            case 9:
                if (Ascii.EqualsIgnoreCase(key, "nullvalue"u8)) kind = AttributeKind.Null;
                break;
        }
        return kind != AttributeKind.Empty;
    }

    /// <summary>
    /// The bytes that open a typed value, <c>{"s":</c>, indexed by <see cref="AttributeKind"/>: EMR spelling
    /// (<c>s n b bOOL nULL sS nS bS l m</c>) or DynamoDB's (<c>S N B BOOL NULL SS NS BS L M</c>).
    /// </summary>
    public static readonly byte[][] EmrOpeners = Openers(["", "s", "n", "b", "bOOL", "nULL", "sS", "nS", "bS", "l", "m"]);

    /// <inheritdoc cref="EmrOpeners"/>
    public static readonly byte[][] DynamoDbOpeners = Openers(["", "S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M"]);

    private static byte[][] Openers(string[] keys) => [.. keys.Select(key => Encoding.UTF8.GetBytes($"{{\"{key}\":"))];
}
