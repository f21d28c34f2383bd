namespace DynamoDb.Connector.Formats.Csv;

/// <summary>
/// What a bad CSV record kept whole (<see cref="Lines.RecordError.RawLine"/>) needs to be read again as CSV: written
/// after <paramref name="HeaderLine"/> (or alone, when it is null), it reads with the same schema as it did in its file.
/// </summary>
/// <param name="HeaderLine">The header line of the record's file as read (without its line end), or null when the file has none (the schema lists the columns).</param>
public sealed record CsvRecordOrigin(string? HeaderLine);
