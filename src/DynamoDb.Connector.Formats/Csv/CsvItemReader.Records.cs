using System.Buffers;
using System.Text;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Formats.Csv;

/// <summary>A record's bytes to cells, the header, and cells to an item.</summary>
internal sealed partial class CsvItemReader
{
    /// <summary>Splits <see cref="_record"/> into unquoted cells; returns a problem, or null.</summary>
    private string? SplitCells()
    {
        _cellExtents.Clear();
        if (_cells.Length < _recordLength)
        {
            ArrayPool<byte>.Shared.Return(_cells);
            _cells = ArrayPool<byte>.Shared.Rent(_recordLength);
        }
        var record = _record.AsSpan(0, _recordLength);
        int i = 0, output = 0;
        _strayQuoteAt = -1;
        while (true)
        {
            int start = output;
            bool quoted = i < record.Length && record[i] == Quote;
            if (quoted)
            {
                int opened = i;
                i++;
                while (true)
                {
                    int close = record[i..].IndexOf(Quote);
                    if (close < 0)
                    {
                        return $"{ColumnName(_cellExtents.Count)}: a quoted field is not closed";
                    }
                    record.Slice(i, close).CopyTo(_cells.AsSpan(output));
                    output += close;
                    i += close + 1;
                    if (i < record.Length && record[i] == Quote)
                    {
                        _cells[output++] = Quote; // "" is one quote
                        i++;
                        continue;
                    }
                    break;
                }
                if (i < record.Length && record[i] != _delimiter)
                {
                    if (record[opened..i].Contains(NewLine))
                    {
                        // Text after a quote that closes lines later: most likely that quote was never closed.
                        _strayQuoteAt = opened;
                        _strayQuoteClosedAt = i - 1;
                    }
                    return $"{ColumnName(_cellExtents.Count)}: unexpected text after the closing quote ('{RecordError.ExcerptOf(Encoding.UTF8.GetString(record.Slice(i, Math.Min(20, record.Length - i))))}'); a quote inside a quoted field is written twice";
                }
            }
            else
            {
                int length = record[i..].IndexOf(_delimiter);
                if (length < 0) length = record.Length - i;
                record.Slice(i, length).CopyTo(_cells.AsSpan(output));
                output += length;
                i += length;
            }
            _cellExtents.Add((start, output - start, quoted));
            if (i >= record.Length)
            {
                return null;
            }
            i++; // the delimiter
        }
    }

    private void ReadHeader()
    {
        var names = new string[_cellExtents.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int k = 0; k < names.Length; k++)
        {
            var (start, length, _) = _cellExtents[k];
            string name;
            try
            {
                name = new UTF8Encoding(false, true).GetString(_cells, start, length);
            }
            catch (DecoderFallbackException)
            {
                throw HeaderError($"header column {k + 1} is not valid UTF-8");
            }
            if (name.Length == 0)
            {
                throw HeaderError($"header column {k + 1} has no name{NoHeaderHint}");
            }
            if (!seen.Add(name))
            {
                throw HeaderError($"header column '{name}' appears twice{NoHeaderHint}");
            }
            names[k] = name;
        }
        var missing = _schema.Columns.Where(c => !seen.Contains(c.Name)).Select(c => c.Name).ToList();
        if (missing.Count > 0)
        {
            throw HeaderError($"the CSV schema types column{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing.Select(m => $"'{m}'"))} but the header has no such column (header: {string.Join(",", names)})");
        }
        _headerLine = RawText();
        _headerLineNumber = _recordStartLine;
        // A schema naming the header's columns confirms line 1 is the header: nothing to check against the first row.
        _headerToCheck = _schema.Columns.Count == 0;
        SetColumns(names);
    }

    /// <summary>What to do when line 1 is data, not a header: an empty or repeated "name" is a cell of a data row.</summary>
    internal const string NoHeaderHint = "; if the file has no header line (line 1 is data), give the columns in a CSV schema with \"header\": false and \"columns\": [...]";

    private void SetColumns(string[] names)
    {
        _names = names;
        _nameSet = new HashSet<string>(names, StringComparer.Ordinal);
        _types = names.Select(_schema.TypeOf).ToArray();
        _origin = new CsvRecordOrigin(_schema.HasHeaderRow ? _headerLine : null);
    }

    /// <summary>
    /// Refuses a header that has the form of the first data row below it (numbers, true/false, or text with digits
    /// shaped like the value under it, in at least half the columns): the file most likely has no header line, and
    /// reading on would name every attribute after a value of line 1.
    /// </summary>
    private void RefuseHeaderThatLooksLikeData()
    {
        _headerToCheck = false;
        var names = _names!;
        var alike = new List<string>();
        for (int k = 0; k < Math.Min(names.Length, _cellExtents.Count); k++)
        {
            var (start, length, _) = _cellExtents[k];
            string value = Encoding.UTF8.GetString(_cells, start, length);
            if (LooksAlike(names[k], value)) alike.Add($"'{RecordError.ExcerptOf(names[k])}' above '{RecordError.ExcerptOf(value)}'");
        }
        if (alike.Count == 0 || alike.Count * 2 < names.Length)
        {
            return;
        }
        string raw = _headerLine!;
        throw new RecordFormatException(new RecordError(_options.SourceName, _headerLineNumber,
            $"bad CSV header: line {_headerLineNumber} looks like data, not a header ({string.Join(", ", alike.Take(3))}{(alike.Count > 3 ? $" and {alike.Count - 3} more" : "")}: {alike.Count} of {names.Length} columns have the form of the values below them), so nothing was read{NoHeaderHint}; if it is the header, list its columns in the schema (\"columns\": [{{\"name\":...}}]) to say so",
            RecordError.ExcerptOf(raw), raw));
    }

    private static bool LooksAlike(string name, string value)
    {
        if (NumberText.IsValid(name.Trim(), out _) && NumberText.IsValid(value.Trim(), out _)) return true;
        if (IsBoolean(name) && IsBoolean(value)) return true;
        return name.Any(char.IsAsciiDigit) && Shape(name) == Shape(value);

        static bool IsBoolean(string text) => text.Trim() is var t && (t.Equals("true", StringComparison.OrdinalIgnoreCase) || t.Equals("false", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The text with each run of digits as one '0': "user#12" and "user#7" have the same shape.</summary>
    private static string Shape(string text)
    {
        var shape = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (!char.IsAsciiDigit(c)) shape.Append(c);
            else if (shape.Length == 0 || shape[^1] != '0') shape.Append('0');
        }
        return shape.ToString();
    }

    private Dictionary<string, AttributeValue>? ToItem(out string? problem)
    {
        var names = _names!;
        int cells = _cellExtents.Count;
        string header = _schema.HasHeaderRow ? "the header has" : "the CSV schema lists";
        if (cells < names.Length && _schema.Ragged == CsvRaggedRows.Error)
        {
            var lacking = names.Skip(cells).Take(3).Select(n => $"'{n}'");
            problem = $"record has {Plural(cells, "column")}; {header} {names.Length} (no cell for {string.Join(", ", lacking)}{(names.Length - cells > 3 ? $" and {names.Length - cells - 3} more" : "")}); if rows may leave out trailing cells, set \"ragged\": \"pad\" in the CSV schema";
            return null;
        }
        if (cells > names.Length && _schema.ExtraCells == CsvExtraCells.Error)
        {
            var (start, length, _) = _cellExtents[names.Length];
            string first = RecordError.ExcerptOf(Encoding.UTF8.GetString(_cells, start, Math.Min(length, 40)));
            problem = $"record has {Plural(cells, "column")}; {header} {names.Length} (extra cell{(cells - names.Length == 1 ? "" : "s")} from column {names.Length + 1} on, starting '{first}'); to keep extra cells as column{names.Length + 1}..., set \"extraCells\": \"keep\" in the CSV schema";
            return null;
        }
        var item = new Dictionary<string, AttributeValue>(Math.Max(names.Length, cells), StringComparer.Ordinal);
        for (int k = 0; k < Math.Max(names.Length, cells); k++)
        {
            // A padded cell past the record's end is an empty cell; a kept extra cell is a string.
            var (start, length, quoted) = k < cells ? _cellExtents[k] : (0, 0, false);
            string name = k < names.Length ? names[k] : ExtraCellName(k);
            var type = k < names.Length ? _types![k] : AttributeKind.S;
            if (k >= names.Length && _nameSet!.Contains(name))
            {
                problem = $"extra cell {k + 1} would be kept as '{name}', which is already a column of the header";
                return null;
            }
            if (!CsvCells.TryRead(_cells.AsSpan(start, length), quoted, type, _schema, out var value, out var reason))
            {
                problem = $"column '{name}' ({CsvCells.TypeName(type)}): {reason}";
                return null;
            }
            if (value is not null)
            {
                item[name] = value;
            }
        }
        if (item.Count == 0)
        {
            problem = "every cell of the record is empty";
            return null;
        }
        problem = null;
        return item;
    }

    /// <summary>The name a kept extra cell gets: <c>column</c> and its 1-based position.</summary>
    internal static string ExtraCellName(int index) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"column{index + 1}");

    private static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    private string ColumnName(int index) =>
        _names is not null && index < _names.Length ? $"column '{_names[index]}'" : $"column {index + 1}";

    private string RawText() => Encoding.UTF8.GetString(_record, 0, _recordLength);

    private RecordFormatException HeaderError(string reason)
    {
        string raw = RawText();
        return new RecordFormatException(new RecordError(_options.SourceName, _recordStartLine, $"bad CSV header: {reason}", RecordError.ExcerptOf(raw), raw));
    }

    /// <summary>
    /// Reports a bad record. <paramref name="raw"/> is its text (null when too long to keep); <paramref name="whole"/>
    /// says it is the record as it is in the file, so it can be set aside as CSV (not when the data is cut short).
    /// </summary>
    private void Bad(string reason, string? raw, bool whole = true)
    {
        string excerpt = RecordError.ExcerptOf(raw ?? Encoding.UTF8.GetString(_record, 0, Math.Min(_recordLength, 512)));
        var error = new RecordError(_options.SourceName, _recordStartLine, reason, excerpt, raw) { Csv = whole && raw is not null ? _origin : null };
        _badRecords++;
        if (_options.BadRecords == BadRecordHandling.Fail)
        {
            throw new RecordFormatException(error);
        }
        _options.OnBadRecord?.Invoke(error);
    }
}
