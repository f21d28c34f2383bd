using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Manifests;
using DynamoDb.Connector.Storage;

namespace DynamoDb.Connector.Import;

/// <summary>The files of an EMR manifest or a native DynamoDB export, checked against them when asked.</summary>
public sealed partial class ImportInputFormat
{
    private async Task<FoundFiles> FromEmrManifestAsync(IObjectStore store, string manifestUri, ImportSourceOptions options, CancellationToken cancellationToken)
    {
        ExportManifest manifest;
        var stream = await store.OpenReadAsync(manifestUri, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            manifest = await ExportManifest.ReadAsync(stream, manifestUri, cancellationToken).ConfigureAwait(false);
        }
        bool relative = options.ManifestUrls switch
        {
            ManifestUrlResolution.AsWritten => false,
            ManifestUrlResolution.RelativeToManifest => true,
            _ => manifest.Entries.Count > 0 && manifest.Entries.Any(e => ObjectUri.Parent(e.Url) != ObjectUri.Parent(manifestUri)),
        };
        var written = manifest.Entries;
        if (relative)
        {
            manifest = manifest.RelativeTo(manifestUri);
        }
        if (!options.AllowEntriesOutsideSource)
        {
            // Every entry before any is touched: a refused manifest reads nothing.
            string root = ObjectUri.Parent(manifestUri);
            for (int i = 0; i < manifest.Entries.Count; i++)
            {
                SourceScope.EnsureInside(manifestUri, root, $"entry {i + 1} ({written[i].Url})", manifest.Entries[i].Url);
            }
        }
        var files = new List<SplitFile>(manifest.Entries.Count);
        var present = new List<ExportManifestEntry>(manifest.Entries.Count);
        var warnings = new List<string>();
        foreach (var entry in manifest.Entries)
        {
            var entryStore = _stores.For(entry.Url);
            var info = await entryStore.GetInfoAsync(entry.Url, cancellationToken).ConfigureAwait(false);
            if (info is null && !entry.Mandatory)
            {
                // The manifest itself says the import may go on without it.
                warnings.Add($"{manifestUri} lists {entry.Url} as not mandatory, and it does not exist: skipped.");
                continue;
            }
            if (info is null)
            {
                throw new FileNotFoundException($"{manifestUri} lists {entry.Url}, which does not exist{(relative ? "" : " (if the export was copied, resolve entries relative to the manifest)")}.", entry.Url);
            }
            files.Add(new SplitFile(info.Uri, info.Size, 0, info.Size, entry.ItemCount));
            present.Add(entry);
        }
        if (present.Count < manifest.Entries.Count) manifest = new ExportManifest(present);
        long? expected = manifest.Entries.All(e => e.ItemCount.HasValue) ? manifest.Entries.Sum(e => e.ItemCount!.Value) : null;
        if (options.Verify)
        {
            var verification = await ManifestVerifier.VerifyAsync(manifest, OpenStoredAsync, VerifyParallelism, cancellationToken).ConfigureAwait(false);
            ThrowIfMismatched(verification, manifestUri);
        }
        // The manifest does not say the line format: the EMR tool writes data-pipeline, this connector's export may
        // write ddb-json under the same manifest, so the first line there is decides.
        var format = files.Where(f => f.Size > 0).ToList() is { Count: > 0 } withLines
            ? await DetectFormatAsync(withLines, cancellationToken).ConfigureAwait(false)
            : (ItemFileFormat.DataPipeline, $"EMR manifest {manifestUri} (every file empty)");
        return new FoundFiles(ImportSourceKind.EmrManifest, files, format, expected) { TableExport = ImportOrderingRules.TableExportOf(manifest), Warnings = warnings };
    }

    private async Task<FoundFiles> FromNativeExportAsync(IObjectStore store, string summaryUri, ImportSourceOptions options, CancellationToken cancellationToken)
    {
        bool verify = options.Verify;
        NativeExportSummary summary;
        var stream = await store.OpenReadAsync(summaryUri, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            summary = await NativeExport.ReadSummaryAsync(stream, summaryUri, cancellationToken).ConfigureAwait(false);
        }
        if (summary.OutputFormat is { } output && !output.Equals("DYNAMODB_JSON", StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException($"{summaryUri}: the export's output format is {output}; only DYNAMODB_JSON exports can be imported.");
        }
        if (summary.Status is { } status && !status.Equals("COMPLETED", StringComparison.OrdinalIgnoreCase))
        {
            RefuseOrWarnIncomplete(options, $"{summaryUri} says its status is {status}, not COMPLETED");
        }
        string exportFolder = ObjectUri.Parent(summaryUri);
        string filesUri = ObjectUri.Combine(exportFolder, NativeExport.FilesFileName);
        var files = new List<SplitFile>();
        var dataFiles = new List<NativeExportDataFile>();
        var filesStream = await store.OpenReadAsync(filesUri, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (filesStream.ConfigureAwait(false))
        {
            await foreach (var dataFile in NativeExport.ReadFilesAsync(filesStream, filesUri, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                string uri = summary.ResolveDataFileUri(dataFile.DataFileS3Key, exportFolder);
                if (!options.AllowEntriesOutsideSource)
                {
                    SourceScope.EnsureInside(filesUri, exportFolder, $"line {dataFile.Line} ({dataFile.DataFileS3Key})", uri);
                }
                var info = await store.GetInfoAsync(uri, cancellationToken).ConfigureAwait(false)
                    ?? throw new FileNotFoundException($"{filesUri} line {dataFile.Line} lists {uri}, which does not exist.", uri);
                files.Add(new SplitFile(info.Uri, info.Size, 0, info.Size, dataFile.ItemCount));
                if (verify) dataFiles.Add(dataFile);
            }
        }
        if (verify)
        {
            var verification = await ManifestVerifier.VerifyAsync(summary, dataFiles, exportFolder, OpenStoredAsync, VerifyParallelism, cancellationToken).ConfigureAwait(false);
            ThrowIfMismatched(verification, summaryUri);
        }
        var format = summary.IsIncremental ? ItemFileFormat.DynamoDbJsonIncremental : ItemFileFormat.DynamoDbJson;
        return new FoundFiles(ImportSourceKind.NativeExport, files, (format, $"native export {summaryUri}"), summary.ItemCount);
    }

    /// <summary>Files verified at once: reading is I/O bound, and a few streams keep S3 busy without crowding the machine.</summary>
    private const int VerifyParallelism = 4;

    /// <summary>The most mismatches an error lists; the rest are counted.</summary>
    private const int MismatchesShown = 20;

    private Task<Stream> OpenStoredAsync(string uri, CancellationToken cancellationToken) =>
        _stores.For(uri).OpenReadAsync(uri, cancellationToken: cancellationToken);

    private static void ThrowIfMismatched(ManifestVerification verification, string manifestUri)
    {
        if (verification.IsValid) return;
        var shown = verification.Mismatches.Take(MismatchesShown).Select(m => m.ToString());
        int more = verification.Mismatches.Count - MismatchesShown;
        throw new InvalidDataException(
            $"{manifestUri}: the export does not match its manifest, so nothing was imported: {string.Join("; ", shown)}{(more > 0 ? $"; and {more} more" : "")}.");
    }
}
