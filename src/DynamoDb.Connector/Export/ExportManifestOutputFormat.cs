using System.Security.Cryptography;
using DynamoDb.Connector.Storage;

namespace DynamoDb.Connector.Export;

/// <summary>
/// The file side of an export, usable alone: writes items (from a table, or any a host makes itself) as part files
/// with a manifest, in S3 or on a local disk, with the export's commit protocol: each part written under a
/// temporary name and committed whole, and the manifest written last, so a manifest exists only for a complete set of
/// committed parts. <see cref="Open"/> gives the <see cref="ExportOutput"/> of one destination. Registered by
/// <c>services.AddDynamoDbConnector(...)</c>; uses the object stores (local files, S3) from DI.
/// </summary>
/// <example>
/// <code>
/// var output = outputs.Open(new ExportOutputOptions { Destination = "s3://bucket/orders/" });
/// await output.CleanAsync([], ct);
/// var part = await output.CreatePartAsync(ct);
/// await part.WriteAsync(item, ct);
/// await output.CommitAsync(part, ct);
/// await output.WriteManifestAsync(ct);
/// </code>
/// </example>
public sealed class ExportManifestOutputFormat
{
    internal const string NativeRoot = "AWSDynamoDB";
    internal const string StartedFileName = "_started";
    internal const string FilesChecksumFileName = "manifest-files.checksum";
    internal const string SummaryChecksumFileName = "manifest-summary.checksum";

    private readonly ObjectStores _stores;
    private readonly TimeProvider _time;

    /// <summary>Creates the output format over the object stores registered in DI.</summary>
    /// <param name="stores">The object stores (S3, local files) destinations are written to.</param>
    /// <param name="timeProvider">The clock (the native summary's times).</param>
    public ExportManifestOutputFormat(IEnumerable<IObjectStore> stores, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(stores);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _stores = new ObjectStores(stores);
        _time = timeProvider;
    }

    /// <summary>
    /// The output in <see cref="ExportOutputOptions.Destination"/> (a relative local path made absolute). Writes
    /// nothing: see <see cref="ExportOutput.IsCompleteAsync"/> for an export already there, and
    /// <see cref="ExportOutput.CleanAsync"/> before the first part.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    /// <exception cref="NotSupportedException">No object store serves the destination's scheme.</exception>
    public ExportOutput Open(ExportOutputOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { Count: > 0 } problems)
        {
            throw new ArgumentException($"Invalid export output options: {string.Join(" ", problems)}", nameof(options));
        }
        options = options.Clone();
        options.Destination = AbsoluteDestination(options.Destination);
        return new ExportOutput(_stores.For(options.Destination), options, _time);
    }

    /// <summary>A new native export id: the time in milliseconds (14 digits) and 8 random hex digits, as DynamoDB's look.</summary>
    public static string NewExportId(DateTimeOffset now) =>
        $"{now.ToUnixTimeMilliseconds():D14}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";

    /// <summary><paramref name="destination"/> as a directory uri, with a relative local path made absolute (manifests list absolute uris).</summary>
    public static string AbsoluteDestination(string destination)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(destination);
        if (ObjectUri.KindOf(destination) == ObjectUriKind.Local && ObjectUri.SchemeOf(destination) is null && !Path.IsPathFullyQualified(destination))
        {
            destination = Path.GetFullPath(destination);
        }
        return ObjectUri.AsDirectory(ObjectUri.Normalize(destination));
    }
}
