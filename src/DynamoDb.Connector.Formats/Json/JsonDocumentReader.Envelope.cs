using System.Buffers;
using System.Text;
using System.Text.Json;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Formats.Json;

/// <summary>The structure around the items: how the document starts, which table a request file is read for, and the envelope's tokens up to the items.</summary>
internal sealed partial class JsonDocumentReader
{
    /// <summary>Looks at the first byte of the content: an array or an object to walk, or (json) lines.</summary>
    private bool TryStart()
    {
        var data = _buffer.AsSpan(_start, _end - _start);
        int bom = data.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        int first = data[bom..].IndexOfAnyExcept(" \t\r\n"u8);
        if (first < 0)
        {
            if (!_eof) return false;
            _state = State.End; // no content: no items
            return true;
        }
        byte opening = data[bom + first];
        if (_format == ItemFileFormat.Json && opening != (byte)'[')
        {
            // Objects one per line: the line reader, given back the bytes already read.
            _state = State.Lines;
            var rest = new PrefixedReadStream(data.ToArray(), _stream);
            _lines = new JsonItemReader(rest, _format, _options, _parser);
            return true;
        }
        if (opening == (byte)'[' && _format == ItemFileFormat.DynamoDbBatchWrite)
        {
            throw Refuse($"the file is a JSON array, but a BatchWriteItem request file is an object of tables, {{\"Table\":[{{\"PutRequest\":...}}]}}: read it with --format ddb-scan or json");
        }
        if (opening is not ((byte)'[' or (byte)'{'))
        {
            throw Refuse($"the file starts with '{(char)opening}', not with '[' or '{{' as a {_format.ToName()} file does");
        }
        Advance(bom + first);
        _rootIsObject = opening == (byte)'{';
        if (_format == ItemFileFormat.DynamoDbBatchWrite && _table is null)
        {
            _table = OnlyTable();
        }
        _state = State.Envelope;
        return true;
    }

    /// <summary>The one table of an unnamed request file read whole into the buffer; refuses several, or a file too large to look through.</summary>
    private string? OnlyTable()
    {
        var names = new List<string>();
        try
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _eof, default);
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    names.Add(reader.GetString()!);
                    if (!reader.TrySkip()) break;
                }
            }
        }
        catch (JsonException)
        {
            // The walk reports the broken JSON with its line; the tables seen before it are what there is to go on.
        }
        catch (InvalidOperationException)
        {
        }
        if (!_eof)
        {
            throw Refuse($"the BatchWriteItem request file is larger than {MaxUnnamedRequestFileBytes / (1024 * 1024)} MiB (what one request can be), so its tables cannot all be seen first" +
                $"{(names.Count > 0 ? $" (it starts with requests for {Quote(names)})" : "")}: name the table whose requests to read (--request-table)");
        }
        if (names.Distinct(StringComparer.Ordinal).Count() > 1)
        {
            throw Refuse($"the BatchWriteItem request file holds requests for {names.Count} tables ({Quote(names)}): name the one to read (--request-table)");
        }
        return names.Count == 1 ? names[0] : null;
    }

    /// <summary>Reads one token of the structure around the items; false when more input is needed.</summary>
    private bool TryEnvelopeToken()
    {
        var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _eof, _envelope);
        bool read;
        try
        {
            read = reader.Read();
        }
        catch (JsonException e)
        {
            return Broken(e);
        }
        if (!read)
        {
            if (!_eof) return false;
            Advance(_end - _start); // blanks after the end
            Finish();
            return true;
        }
        var token = reader.TokenType;
        int depth = reader.CurrentDepth;
        string? name = token == JsonTokenType.PropertyName && depth == 1 && _rootIsObject && _skipDepth < 0 ? JsonText.GetString(ref reader, "a field name") : null;
        Advance((int)reader.BytesConsumed);
        _envelope = reader.CurrentState;
        if (_skipDepth >= 0)
        {
            if (depth == _skipDepth && token is JsonTokenType.EndObject or JsonTokenType.EndArray) _skipDepth = -1;
            return true;
        }
        if (_valueIsSkipped)
        {
            _valueIsSkipped = false;
            if (token is JsonTokenType.StartObject or JsonTokenType.StartArray) _skipDepth = depth;
            return true;
        }
        if (_nextValueIsItems)
        {
            _nextValueIsItems = false;
            if (token != JsonTokenType.StartArray)
            {
                throw Refuse($"line {_line}: \"{(_format == ItemFileFormat.DynamoDbScan ? "Items" : _table)}\" is {JsonDocumentParser.Describe(token)}, not an array of {(_format == ItemFileFormat.DynamoDbScan ? "items" : "requests")}");
            }
            StartElements();
            return true;
        }
        if (depth == 0 && token == JsonTokenType.StartArray)
        {
            StartElements(); // a bare array of items
        }
        else if (name is not null)
        {
            bool items = _format == ItemFileFormat.DynamoDbScan ? name == "Items" : _table is null || name == _table;
            if (_format == ItemFileFormat.DynamoDbBatchWrite)
            {
                _tables.Add(name);
                _table ??= name;
            }
            _nextValueIsItems = items && !_foundItems;
            _valueIsSkipped = !_nextValueIsItems;
        }
        return true;
    }
}
