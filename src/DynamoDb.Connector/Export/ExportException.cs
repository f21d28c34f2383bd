namespace DynamoDb.Connector.Export;

/// <summary>An export failed for good: DynamoDB refused the reads, retries ran out, or a file could not be written. What was committed stays recorded; run the export again to resume.</summary>
public sealed class ExportException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ExportException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
