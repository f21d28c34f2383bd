namespace DynamoDb.Connector.Formats.Lines;

/// <summary>
/// A file cannot be read as a whole, whatever the bad-record handling says: its format cannot be told apart from
/// another (detection would have to guess), it is not in the format it is read as on most of its first records, or
/// it needs a choice that was not made (which table of a BatchWriteItem file). Thrown before any of its items is
/// returned where that can be known; the message names the file, what was seen and what to pass.
/// </summary>
public sealed class FormatRefusedException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public FormatRefusedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public FormatRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
