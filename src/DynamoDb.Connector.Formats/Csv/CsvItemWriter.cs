using System.Text;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Formats.Csv;

/// <summary>
/// Writes items as CSV in the schema's column order: a header line when <see cref="CsvSchema.HasHeaderRow"/>, lines
/// ending with LF, fields quoted only where needed (RFC 4180). CSV is lossy, so an item it cannot hold exactly is
/// refused with a <see cref="NotSupportedException"/> naming the attribute, and nothing of that item is written.
/// The stream is not disposed: its owner does that after <see cref="CompleteAsync"/>.
/// </summary>
internal sealed class CsvItemWriter : IItemWriter
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);
    private readonly StreamWriter _writer;
    private readonly CsvSchema _schema;
    private readonly Dictionary<string, int> _index;
    private readonly StringBuilder _line = new();
    private readonly string?[] _cells;
    private readonly bool[] _quoteWhenEmpty;
    private readonly char[] _needsQuotes;
    private bool _headerWritten;
    private long _itemsWritten;

    /// <summary>Creates a writer over a raw stream (compression, if any, is the caller's).</summary>
    /// <exception cref="ArgumentException">The schema is not valid or lists no columns (<see cref="CsvSchema.Infer"/> derives them from items).</exception>
    public CsvItemWriter(Stream stream, CsvSchema schema)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(schema);
        schema.Validate();
        if (schema.Columns.Count == 0)
        {
            throw new ArgumentException("A CSV writer needs the schema's columns listed; CsvSchema.Infer derives them from sample items.", nameof(schema));
        }
        _schema = schema;
        _writer = new StreamWriter(stream, Utf8NoBom, bufferSize: 64 * 1024, leaveOpen: true) { NewLine = "\n" };
        _index = new Dictionary<string, int>(schema.Columns.Count, StringComparer.Ordinal);
        for (int i = 0; i < schema.Columns.Count; i++)
        {
            _index[schema.Columns[i].Name] = i;
        }
        _cells = new string?[schema.Columns.Count];
        _quoteWhenEmpty = new bool[schema.Columns.Count];
        _needsQuotes = [schema.Delimiter, '"', '\r', '\n'];
    }

    /// <inheritdoc />
    public long ItemsWritten => _itemsWritten;

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">
    /// The record is a delete; or an attribute is not a column of the schema, does not fit its column's type, or holds
    /// something CSV cannot keep (binary or a set inside a list or map, a set element holding the list delimiter, an
    /// empty set). The message names the attribute.
    /// </exception>
    public async ValueTask WriteAsync(ItemRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Operation == RecordOperation.Delete)
        {
            throw new NotSupportedException("CSV cannot hold a delete; write deletes to a JSON format (ddb-json-incremental).");
        }
        if (record.Item.Count == 0)
        {
            throw new NotSupportedException("The item has no attributes; CSV would write an empty line, which reads back as nothing.");
        }
        Array.Clear(_cells);
        Array.Clear(_quoteWhenEmpty);
        foreach (var (name, value) in record.Item)
        {
            if (!_index.TryGetValue(name, out int at))
            {
                throw new NotSupportedException($"Attribute '{name}' is not a column of the CSV schema (columns: {string.Join(", ", _schema.Columns.Select(c => c.Name))}).");
            }
            _cells[at] = CsvCells.Write(name, value, _schema.Columns[at].Type, _schema, out _quoteWhenEmpty[at]);
        }
        await WriteHeaderOnceAsync(cancellationToken).ConfigureAwait(false);
        _line.Clear();
        for (int i = 0; i < _cells.Length; i++)
        {
            AppendCell(_cells[i], _quoteWhenEmpty[i] && _cells[i] is { Length: 0 }, i);
        }
        _line.Append('\n');
        await _writer.WriteAsync(_line, cancellationToken).ConfigureAwait(false);
        _itemsWritten++;
    }

    /// <inheritdoc />
    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        await WriteHeaderOnceAsync(cancellationToken).ConfigureAwait(false);
        await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _writer.DisposeAsync();

    private async ValueTask WriteHeaderOnceAsync(CancellationToken cancellationToken)
    {
        if (_headerWritten)
        {
            return;
        }
        _headerWritten = true;
        if (!_schema.HasHeaderRow)
        {
            return;
        }
        _line.Clear();
        for (int i = 0; i < _schema.Columns.Count; i++)
        {
            AppendCell(_schema.Columns[i].Name, forceQuotes: false, i);
        }
        _line.Append('\n');
        await _writer.WriteAsync(_line, cancellationToken).ConfigureAwait(false);
    }

    private void AppendCell(string? text, bool forceQuotes, int column)
    {
        if (column > 0)
        {
            _line.Append(_schema.Delimiter);
        }
        if (text is null)
        {
            return; // a missing attribute: an empty, unquoted cell
        }
        // A leading byte order mark would be taken for the file's own at the start of the file: quote it.
        if (forceQuotes || text.AsSpan().IndexOfAny(_needsQuotes) >= 0 || (column == 0 && text.StartsWith('\uFEFF')))
        {
            _line.Append('"').Append(text.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
        }
        else
        {
            _line.Append(text);
        }
    }
}
