using System.Globalization;

namespace DynamoDb.Connector.Formats.Parquet;

/// <summary>
/// Reads a Parquet type as a schema file writes it: <c>string</c>, <c>int64</c>, <c>decimal(38,s)</c>, <c>binary</c>,
/// <c>bool</c>, <c>list&lt;T&gt;</c>, <c>map&lt;string, T&gt;</c>, <c>struct&lt;a: T, b: T&gt;</c> (case-insensitive),
/// and the DynamoDB names that say one type: S, B, BOOL, SS, BS.
/// </summary>
internal sealed class ParquetTypeText(string text)
{
    private int _at;

    public ParquetShape ReadType()
    {
        string word = Word();
        switch (word.ToLowerInvariant())
        {
            case "string" or "s": return new ParquetShape(ParquetShapeKind.String);
            case "int64" or "bigint" or "long": return new ParquetShape(ParquetShapeKind.Int64);
            case "binary" or "b": return new ParquetShape(ParquetShapeKind.Binary);
            case "bool" or "boolean": return new ParquetShape(ParquetShapeKind.Bool);
            case "ss": return new ParquetShape(ParquetShapeKind.List, element: new ParquetShape(ParquetShapeKind.String));
            case "bs": return new ParquetShape(ParquetShapeKind.List, element: new ParquetShape(ParquetShapeKind.Binary));
            case "decimal":
                Expect('(');
                int precision = Number();
                Expect(',');
                int scale = Number();
                Expect(')');
                if (precision != ParquetColumn.Precision || scale is < 0 or > 28) throw new FormatException($"a decimal is decimal({ParquetColumn.Precision},s) with s from 0 to 28 (DynamoDB numbers have 38 digits; a .NET decimal's scale is at most 28)");
                return new ParquetShape(ParquetShapeKind.Decimal, scale);
            case "list":
                Expect('<');
                var element = ReadType();
                Expect('>');
                return new ParquetShape(ParquetShapeKind.List, element: element);
            case "map":
                Expect('<');
                if (!Word().Equals("string", StringComparison.OrdinalIgnoreCase)) throw new FormatException("a map's keys are strings: map<string, T>");
                Expect(',');
                var value = ReadType();
                Expect('>');
                return new ParquetShape(ParquetShapeKind.Map, element: value);
            case "struct":
                Expect('<');
                var fields = new List<KeyValuePair<string, ParquetShape>>();
                do
                {
                    string name = Word();
                    if (fields.Exists(f => f.Key == name)) throw new FormatException($"the struct field '{name}' is listed twice");
                    Expect(':');
                    fields.Add(new(name, ReadType()));
                }
                while (TryExpect(','));
                Expect('>');
                return new ParquetShape(ParquetShapeKind.Struct, fields: fields);
            case "n" or "ns" or "l" or "m":
                throw new FormatException($"{word} does not say one Parquet type: use int64 or decimal(38,s) for N, list<int64> or list<decimal(38,s)> for NS, list<T> for L, struct<...> or map<string, T> for M");
            default:
                throw new FormatException($"unknown type '{word}' (string, int64, decimal(38,s), binary, bool, list<T>, map<string, T>, struct<a: T, ...>, S, B, BOOL, SS, BS)");
        }
    }

    public void End()
    {
        SkipSpace();
        if (_at < text.Length) throw new FormatException($"unexpected '{text[_at..]}' after the type");
    }

    private string Word()
    {
        SkipSpace();
        int start = _at;
        while (_at < text.Length && (char.IsLetterOrDigit(text[_at]) || text[_at] is '_' or '-' or '#' or '.')) _at++;
        if (_at == start) throw new FormatException(_at < text.Length ? $"a type or name expected at '{text[_at..]}'" : "the type ends too soon");
        return text[start.._at];
    }

    private int Number() => int.TryParse(Word(), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : throw new FormatException("a number expected in decimal(p,s)");

    private void Expect(char c)
    {
        if (!TryExpect(c)) throw new FormatException(_at < text.Length ? $"'{c}' expected at '{text[_at..]}'" : $"'{c}' expected at the end");
    }

    private bool TryExpect(char c)
    {
        SkipSpace();
        if (_at < text.Length && text[_at] == c)
        {
            _at++;
            return true;
        }
        return false;
    }

    private void SkipSpace()
    {
        while (_at < text.Length && char.IsWhiteSpace(text[_at])) _at++;
    }
}
