namespace DynamoDb.Connector.Formats.Compression;

/// <summary>
/// Compressed data that cannot be decompressed, truncated or corrupt: the decompressing streams raise it in place of
/// the codecs' own exceptions, in words about the file rather than the codec. It is an
/// <see cref="InvalidDataException"/> (that type is sealed), marked so the item readers can tell it from other errors.
/// </summary>
internal static class DamagedData
{
    private const string ProblemKey = "DynamoDb.Connector.DamagedData.Problem";
    private const string DetailKey = "DynamoDb.Connector.DamagedData.Detail";

    /// <summary>The exception for damaged data.</summary>
    /// <param name="problem">What is wrong, such as "the gzip stream is truncated".</param>
    /// <param name="detail">Where, such as "it ends inside member 1".</param>
    /// <param name="inner">The codec's exception, if any.</param>
    public static InvalidDataException Exception(string problem, string detail, Exception? inner = null)
    {
        var exception = new InvalidDataException($"{problem} ({detail})", inner);
        exception.Data[ProblemKey] = problem;
        exception.Data[DetailKey] = detail;
        return exception;
    }

    /// <summary>Whether <paramref name="e"/> was raised by <see cref="Exception"/>.</summary>
    public static bool Is(Exception e) => e is InvalidDataException && e.Data[ProblemKey] is string;

    /// <summary>
    /// The reason for the record the damage cuts, when <paramref name="linesRead"/> lines were read whole before it:
    /// "the gzip stream is truncated after line 1010 (it ends inside member 1, ...): the rest of the file cannot be read".
    /// </summary>
    public static string ReasonAfter(Exception e, long linesRead)
    {
        string problem = e.Data[ProblemKey] as string ?? e.Message;
        string detail = e.Data[DetailKey] is string text ? $" ({text})" : "";
        return linesRead == 0
            ? $"{problem}{detail}: no line of the file can be read"
            : $"{problem} after line {linesRead}{detail}: the rest of the file cannot be read; lines 1 to {linesRead} were read";
    }
}
