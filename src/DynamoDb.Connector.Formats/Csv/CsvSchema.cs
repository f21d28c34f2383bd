namespace DynamoDb.Connector.Formats.Csv;

/// <summary>Placeholder replaced by the CSV work: the column layout of a CSV file.</summary>
public sealed class CsvSchema
{
}
