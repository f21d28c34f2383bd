using System.Globalization;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;
using Parquet;
using Parquet.Schema;

namespace DynamoDb.Connector.Formats.Parquet;

/// <summary>
/// Writes items as a Parquet file, one row group at a time: items are buffered until the row group is full (by rows
/// or by bytes), then written column by column. The schema is inferred from the first row group
/// (<see cref="ParquetColumn.Infer"/>); a later item with an attribute the schema lacks, or a value its column cannot
/// hold, is refused with the attribute named (a Parquet file has one schema), before anything of its row group is written.
/// With <see cref="ParquetWriterOptions.Schema"/> the columns are the schema file's and every item is held to them.
/// </summary>
internal sealed class ParquetItemWriter(Stream stream, ParquetWriterOptions options, bool leaveOpen) : IItemWriter
{
    private readonly List<Dictionary<string, AttributeValue>> _buffer = [];
    private long _bufferBytes;
    private readonly bool _given = options.Schema is { Columns.Count: > 0 };
    private List<ParquetColumn>? _columns = options.Schema is { Columns.Count: > 0 } schema ? schema.Shapes() : null;
    private Dictionary<string, ParquetColumn>? _byName;
    private ParquetWriter? _writer;
    private long _itemsWritten;
    private bool _completed;

    public long ItemsWritten => _itemsWritten;

    public async ValueTask WriteAsync(ItemRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Operation != RecordOperation.Put) throw new NotSupportedException("A Parquet file holds items, not deletes.");
        if (_columns is not null) CheckFits(record.Item, _itemsWritten + _buffer.Count + 1, _byName ??= _columns.ToDictionary(c => c.Name, StringComparer.Ordinal));
        _buffer.Add(record.Item);
        _bufferBytes += ItemSize.Of(record.Item);
        if (_buffer.Count >= options.RowGroupRows || _bufferBytes >= options.RowGroupBytes)
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        if (_completed) return;
        _completed = true;
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        if (_writer is null)
        {
            // No items: a valid file with no rows, of the given schema or one of its own.
            _columns ??= [new ParquetColumn("item", null)];
            _writer = await ParquetWriter.CreateAsync(new ParquetSchema(_columns.Select(c => c.Field)), stream, null, false, cancellationToken).ConfigureAwait(false);
        }
        await _writer.DisposeAsync().ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private void CheckFits(Dictionary<string, AttributeValue> item, long row, Dictionary<string, ParquetColumn> byName)
    {
        foreach (var (name, value) in item)
        {
            string? why = byName.TryGetValue(name, out var column)
                ? column.Misfit(value)
                : "the attribute is not in the file's schema";
            if (why is not null)
            {
                throw new FormatException(_given
                    ? $"Parquet row {row}, attribute '{name}': {why}, which the Parquet schema file gives. Add the attribute or change its type in the schema file."
                    : $"Parquet row {row}, attribute '{name}': {why}, which was inferred from the first row group. A Parquet file holds one type per column: export to json or ddb-json instead, give the columns in a Parquet schema file, or make the first row group show every attribute and type.");
            }
        }
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_buffer.Count == 0) return;
        if (_columns is null)
        {
            _columns = ParquetColumn.Infer(_buffer);
            foreach (var column in _columns)
            {
                if (column.Fallback is { } why) options.OnFallback?.Invoke(column.Name, why);
            }
        }
        if (_writer is null)
        {
            _writer = await ParquetWriter.CreateAsync(new ParquetSchema(_columns.Select(c => c.Field)), stream, null, false, cancellationToken).ConfigureAwait(false);
        }
        using (var group = _writer!.CreateRowGroup())
        {
            foreach (var column in _columns)
            {
                await ParquetShredder.WriteAsync(group, column, _buffer, cancellationToken).ConfigureAwait(false);
            }
            group.CompleteValidate();
        }
        _itemsWritten += _buffer.Count;
        _buffer.Clear();
        _bufferBytes = 0;
    }

    public async ValueTask DisposeAsync()
    {
        if (_writer is not null && !_completed)
        {
            // Not completed: the file is abandoned; the footer is still written so the writer lets go of its buffers.
            try { await _writer.DisposeAsync().ConfigureAwait(false); } catch (IOException) { }
        }
        if (!leaveOpen) await stream.DisposeAsync().ConfigureAwait(false);
    }
}
