using System.Text;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;

namespace DynamoDb.Connector.Formats.Tests.Lines;

/// <summary>
/// Writes an item in every spelling the JSON line readers accept and the formatter never writes: type keys in any case
/// (and <c>nULLValue</c>), any character of any string (names, numbers, base64 too) as a <c>\u</c> escape, whitespace
/// between tokens. Reading it must give exactly the canonical bytes.
/// </summary>
internal sealed class NoncanonicalJson(Random random)
{
    private readonly StringBuilder _json = new();

    public string Map(Dictionary<string, AttributeValue> map)
    {
        _json.Clear();
        WriteMap(map);
        return _json.ToString();
    }

    /// <summary>The legacy Data Pipeline line (<c>name\x03{value}\x02...</c>), values spelled as <see cref="Map"/> does.</summary>
    public string Legacy(Dictionary<string, AttributeValue> map)
    {
        _json.Clear();
        bool first = true;
        foreach (var (name, value) in map)
        {
            if (!first) _json.Append('\u0002');
            first = false;
            _json.Append(name).Append('\u0003');
            WriteValue(value);
        }
        return _json.ToString();
    }

    private void WriteMap(Dictionary<string, AttributeValue> map)
    {
        Token("{");
        bool first = true;
        foreach (var (name, value) in map)
        {
            if (!first) Token(",");
            first = false;
            WriteString(name);
            Token(":");
            WriteValue(value);
        }
        Token("}");
    }

    private void WriteValue(AttributeValue value)
    {
        var kind = AttributeValues.KindOf(value);
        Token("{");
        WriteString(TypeKey(kind));
        Token(":");
        switch (kind)
        {
            case AttributeKind.S: WriteString(value.S); break;
            case AttributeKind.N: WriteString(value.N); break;
            case AttributeKind.B: WriteString(Convert.ToBase64String(value.B.ToArray())); break;
            case AttributeKind.Bool: Token(value.BOOL == true ? "true" : "false"); break;
            case AttributeKind.Null: Token("true"); break;
            case AttributeKind.SS: Array(value.SS, WriteString); break;
            case AttributeKind.NS: Array(value.NS, WriteString); break;
            case AttributeKind.BS: Array(value.BS, b => WriteString(Convert.ToBase64String(b.ToArray()))); break;
            case AttributeKind.L: Array(value.L, WriteValue); break;
            default: WriteMap(value.M); break;
        }
        Token("}");
    }

    private void Array<T>(List<T> elements, Action<T> write)
    {
        Token("[");
        for (int i = 0; i < elements.Count; i++)
        {
            if (i > 0) Token(",");
            write(elements[i]);
        }
        Token("]");
    }

    private string TypeKey(AttributeKind kind)
    {
        string key = kind switch
        {
            AttributeKind.Bool => "BOOL",
            AttributeKind.Null => random.Next(2) == 0 ? "NULL" : "NULLVALUE",
            _ => kind.ToString(),
        };
        return string.Concat(key.Select(c => random.Next(2) == 0 ? char.ToLowerInvariant(c) : c));
    }

    /// <summary>Whitespace (spaces and tabs, never a line end) around a token.</summary>
    private void Token(string token)
    {
        Blank();
        _json.Append(token);
        Blank();
    }

    private void Blank()
    {
        if (random.Next(4) == 0) _json.Append(random.Next(2) == 0 ? " " : "\t ");
    }

    private void WriteString(string text)
    {
        Blank();
        _json.Append('"');
        Span<char> units = stackalloc char[2];
        foreach (var rune in text.EnumerateRunes())
        {
            bool mustEscape = rune.Value < 0x20 || rune.Value is '"' or '\\';
            if (mustEscape || random.Next(5) == 0)
            {
                // A character outside the BMP is escaped as its surrogate pair, both halves.
                int length = rune.EncodeToUtf16(units);
                foreach (char unit in units[..length]) _json.Append(random.Next(2) == 0 ? $"\\u{(int)unit:x4}" : $"\\u{(int)unit:X4}");
            }
            else
            {
                _json.Append(rune.ToString());
            }
        }
        _json.Append('"');
        Blank();
    }
}
