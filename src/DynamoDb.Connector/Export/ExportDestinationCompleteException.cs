namespace DynamoDb.Connector.Export;

/// <summary>
/// The export's destination already holds a complete export (its manifest exists) and
/// <see cref="ExportOptions.Overwrite"/> is not set: nothing was written. Set <see cref="ExportOptions.Overwrite"/> to
/// replace it, or choose another destination.
/// </summary>
public sealed class ExportDestinationCompleteException : InvalidOperationException
{
    /// <summary>Creates the exception for <paramref name="destination"/>, whose manifest is <paramref name="manifestUri"/>.</summary>
    public ExportDestinationCompleteException(string destination, string manifestUri)
        : base($"{destination} already holds a complete export ({manifestUri}). Set ExportOptions.Overwrite to replace it, or choose another destination.")
    {
        Destination = destination;
        ManifestUri = manifestUri;
    }

    /// <summary>The destination given.</summary>
    public string Destination { get; }

    /// <summary>The manifest of the complete export found there.</summary>
    public string ManifestUri { get; }
}
