namespace DynamoDb.Connector.Formats.Lines;

/// <summary>
/// The rule that stops a run whose detected format turns out wrong: when most of a file's first records cannot be
/// read in it, the file is in another format (or not item data at all), and reading on would only set every record
/// aside one by one. Checked on a sample before anything is written.
/// </summary>
public static class FormatMismatch
{
    /// <summary>The fewest records looked at before the rule judges: one or two bad lines are a damaged file, not a wrong format.</summary>
    public const int MinimumSample = 3;

    /// <summary>Throws when more than half of the <paramref name="read"/> + <paramref name="bad"/> first records were bad.</summary>
    /// <exception cref="FormatRefusedException">Most of them were.</exception>
    public static void ThrowIfMostlyBad(int read, int bad, RecordError? first, string source, ItemFileFormat format, string formatReason)
    {
        int sampled = read + bad;
        if (first is null || sampled < MinimumSample || bad * 2 <= sampled)
        {
            return;
        }
        throw new FormatRefusedException(
            $"{source}: {bad} of the first {sampled} records cannot be read as {format.ToName()}, the format detected ({formatReason}), so nothing was written; " +
            $"the first: {first.Source}:{first.Line}: {first.Reason}. The file is probably in another format: the formats considered are {DocumentDetection.Considered}; pass the right one with --format.");
    }
}
