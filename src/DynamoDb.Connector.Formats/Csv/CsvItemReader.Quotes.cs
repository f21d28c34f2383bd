using System.Buffers;
using System.Text;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Formats.Csv;

/// <summary>A stray quote costs one record: the reader reads on from the line after the one the quote opened on.</summary>
internal sealed partial class CsvItemReader
{
    /// <summary>
    /// A quote opened and never closed: report the record up to the end of the line that quote opened on, then read on
    /// from the next line, so a stray quote costs one record, not the rest of the file. Possible because the input
    /// ended (nothing follows the kept bytes) and the record was kept whole.
    /// </summary>
    private void ReportUnterminated()
    {
        string column = ColumnName(_openQuoteCell);
        if (ReadOnAfterTheQuotesLine(_openQuoteAt, $"{column}: a quoted field is not closed (no closing quote before the end of the file)"))
        {
            return;
        }
        // Nothing to read on from: the quote opened on the record's last line, or the record was too long to keep.
        if (_names is null) throw HeaderError($"{column}: a quoted field is not closed");
        Bad($"{column}: a quoted field is not closed (the file ends inside quotes)", _recordTooLong ? null : RawText());
    }

    /// <summary>
    /// Reports the record up to the end of the line on which the quote at <paramref name="quoteAt"/> opened, and puts
    /// the bytes after that line back to be read again, so a stray quote costs one record, not every line it swallowed.
    /// False when the record was too long to keep, or the quote opened on its last line (nothing to read on from).
    /// </summary>
    private bool ReadOnAfterTheQuotesLine(int quoteAt, string reason)
    {
        var record = _record.AsSpan(0, _recordLength);
        int lineEnd = _recordTooLong ? -1 : record[quoteAt..].IndexOf(NewLine);
        if (lineEnd < 0)
        {
            return false;
        }
        lineEnd += quoteAt;
        var bad = record[..lineEnd];
        var rest = record[(lineEnd + 1)..];
        int restInBuffer = _len - _pos; // bytes after the record not yet scanned: they follow the put-back ones
        _line = _recordStartLine + bad.Count(NewLine);
        if (_names is null) throw HeaderError(reason);
        string raw = Encoding.UTF8.GetString(bad.EndsWith("\r"u8) ? bad[..^1] : bad);
        // The record's own line end was dropped by the scan: put it back too, as it was (it may be inside a quoted field).
        int putBack = rest.Length + (_recordEndedWithCr ? 1 : 0) + (_recordEndedWithNewLine ? 1 : 0) + restInBuffer;
        var merged = ArrayPool<byte>.Shared.Rent(Math.Max(putBack, BufferSize));
        rest.CopyTo(merged);
        int at = rest.Length;
        if (_recordEndedWithCr) merged[at++] = (byte)'\r';
        if (_recordEndedWithNewLine) merged[at++] = NewLine;
        _buffer.AsSpan(_pos, restInBuffer).CopyTo(merged.AsSpan(at));
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = merged;
        _pos = 0;
        _len = putBack;
        Bad($"{reason}; reading on from line {_line + 1}", raw);
        return true;
    }

    /// <summary>The reason for a quoted field that closes lines after it opened and is followed by text.</summary>
    private string StrayQuote()
    {
        var record = _record.AsSpan(0, _recordLength);
        long opened = _recordStartLine + record[.._strayQuoteAt].Count(NewLine);
        long closed = opened + record[_strayQuoteAt.._strayQuoteClosedAt].Count(NewLine);
        string after = RecordError.ExcerptOf(Encoding.UTF8.GetString(record.Slice(_strayQuoteClosedAt + 1, Math.Min(20, record.Length - _strayQuoteClosedAt - 1))));
        return $"{ColumnName(_cellExtents.Count)}: a quoted field is not closed on line {opened}, where it opens: the next quote, on line {closed}, is followed by '{after}'";
    }
}
