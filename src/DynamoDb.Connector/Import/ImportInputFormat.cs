using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Manifests;
using DynamoDb.Connector.Storage;
using DynamoDb.Connector.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DynamoDb.Connector.Import;

/// <summary>
/// Finds what an import reads and cuts it into splits. The source may be an EMR <c>manifest</c> (entries resolved as
/// written, or relative to the manifest when the export was copied elsewhere), a native DynamoDB export
/// (<c>manifest-summary.json</c> + <c>manifest-files.json</c>), a folder or prefix (every top-level file except names
/// starting with <c>_</c> or <c>.</c>), or one file. One split per file by default; small files are grouped up to
/// <see cref="ImportSourceOptions.TargetSplitBytes"/>; large uncompressed line files are cut into byte ranges at line
/// boundaries, so one big file is not one worker; at most <see cref="ImportSourceOptions.MaxSplits"/> splits. With
/// <see cref="ImportSourceOptions.Verify"/>, a manifest's files are checked against it (<see cref="ManifestVerifier"/>)
/// while planning, so a mismatch stops the import before anything is written. The plan also says, from where the files
/// came, whether its splits may run concurrently or must run in input order (<see cref="ImportPlan.Ordering"/>).
/// </summary>
public sealed class ImportInputFormat
{
    private readonly ObjectStores _stores;
    private readonly ILogger _logger;

    internal ImportInputFormat(ObjectStores stores, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(stores);
        _stores = stores;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Plans the splits of an import.</summary>
    /// <exception cref="FileNotFoundException">The source does not exist or holds no files.</exception>
    /// <exception cref="FormatException">A manifest is malformed, or the format cannot be detected.</exception>
    /// <exception cref="InvalidDataException"><see cref="ImportSourceOptions.Verify"/> is set and a file differs from its manifest.</exception>
    /// <exception cref="InvalidOperationException"><see cref="ImportSourceOptions.Verify"/> is set and the source has no manifest.</exception>
    public async Task<ImportPlan> PlanAsync(ImportSourceOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var found = await FindFilesAsync(options, cancellationToken).ConfigureAwait(false);
        if (found.Files.Count == 0)
        {
            throw new FileNotFoundException($"No files to import in {options.Source}.", options.Source);
        }
        if (options.Verify && found.Kind is ImportSourceKind.Listing or ImportSourceKind.SingleFile)
        {
            throw new InvalidOperationException($"{options.Source} has no manifest (no 'manifest' or native export manifests), so there is nothing to verify it against: import it without verification.");
        }
        var (format, reason) = options.Format is { } given
            ? (given, "given")
            : found.Format ?? await DetectFormatAsync(found.Files, cancellationToken).ConfigureAwait(false);
        var splits = await CutAsync(found.Files, format, options, cancellationToken).ConfigureAwait(false);
        var (ordering, orderingReason) = ImportOrderingRules.Decide(found.Kind, format, found.TableExport, options.KeysUniqueAcrossFiles, splits.Count);
        foreach (var warning in found.Warnings) Log.PlanWarning(_logger, options.Source, warning);
        return new ImportPlan(options.Source, found.Kind, format, reason, splits, found.ExpectedItems)
        {
            Verified = options.Verify, Ordering = ordering, OrderingReason = orderingReason, Warnings = found.Warnings,
        };
    }

    private sealed record FoundFiles(ImportSourceKind Kind, List<SplitFile> Files, (ItemFileFormat, string)? Format, long? ExpectedItems)
    {
        /// <summary>For an EMR manifest: why it is the export of one table, or null when it may not be (see <see cref="ImportOrderingRules.TableExportOf"/>).</summary>
        public string? TableExport { get; init; }

        /// <summary>What the plan went on without (entries marked not mandatory that are missing).</summary>
        public IReadOnlyList<string> Warnings { get; init; } = [];
    }

    private async Task<FoundFiles> FindFilesAsync(ImportSourceOptions options, CancellationToken cancellationToken)
    {
        string source = options.Source;
        var store = _stores.For(source);
        if (!ObjectUri.IsDirectoryLike(source) && await store.GetInfoAsync(source, cancellationToken).ConfigureAwait(false) is { } single)
        {
            return ObjectUri.FileName(source) switch
            {
                ExportManifest.FileName => await FromEmrManifestAsync(store, source, options, cancellationToken).ConfigureAwait(false),
                NativeExport.SummaryFileName => await FromNativeExportAsync(store, source, options, cancellationToken).ConfigureAwait(false),
                _ => new FoundFiles(ImportSourceKind.SingleFile, [new SplitFile(single.Uri, single.Size, 0, single.Size)], null, null),
            };
        }

        string folder = ObjectUri.AsDirectory(source);
        string manifest = ObjectUri.Combine(folder, ExportManifest.FileName);
        if (await store.GetInfoAsync(manifest, cancellationToken).ConfigureAwait(false) is not null)
        {
            return await FromEmrManifestAsync(store, manifest, options, cancellationToken).ConfigureAwait(false);
        }
        string summary = ObjectUri.Combine(folder, NativeExport.SummaryFileName);
        if (await store.GetInfoAsync(summary, cancellationToken).ConfigureAwait(false) is not null)
        {
            return await FromNativeExportAsync(store, summary, options, cancellationToken).ConfigureAwait(false);
        }

        if (await IncompleteExportAsync(store, folder, cancellationToken).ConfigureAwait(false) is { } unfinished)
        {
            RefuseOrWarnIncomplete(options, unfinished.Why);
            // A native export's data is one level down; what is there is imported, as asked.
            if (unfinished.Native) folder = ObjectUri.Combine(folder, "data/");
        }
        var files = await ListTopLevelAsync(store, folder, cancellationToken).ConfigureAwait(false);
        if (files.Count == 0)
        {
            // A prefix given to a native export holds it under AWSDynamoDB/<export id>/.
            var summaries = new List<string>();
            var started = new List<string>();
            await foreach (var info in store.ListAsync(ObjectUri.Combine(folder, "AWSDynamoDB/"), recursive: true, cancellationToken).ConfigureAwait(false))
            {
                if (ObjectUri.FileName(info.Uri) == NativeExport.SummaryFileName) summaries.Add(info.Uri);
                else if (ObjectUri.FileName(info.Uri) == "_started") started.Add(ObjectUri.Parent(info.Uri));
            }
            if (summaries.Count == 1)
            {
                return await FromNativeExportAsync(store, summaries[0], options, cancellationToken).ConfigureAwait(false);
            }
            if (summaries.Count > 1)
            {
                throw new FormatException($"{source} holds {summaries.Count} native exports; name one of: {string.Join(", ", summaries.Select(ObjectUri.Parent))}");
            }
            if (started.Count > 0)
            {
                RefuseOrWarnIncomplete(options, $"{started[0]} has a native export's _started marker but no {NativeExport.SummaryFileName}");
                if (started.Count == 1) files = await ListTopLevelAsync(store, ObjectUri.Combine(started[0], "data/"), cancellationToken).ConfigureAwait(false);
            }
        }
        return new FoundFiles(ImportSourceKind.Listing, files, null, null);
    }

    /// <summary>The importable files at the top of <paramref name="folder"/>: every name not starting with <c>_</c> or <c>.</c>.</summary>
    private static async Task<List<SplitFile>> ListTopLevelAsync(IObjectStore store, string folder, CancellationToken cancellationToken)
    {
        var files = new List<SplitFile>();
        await foreach (var info in store.ListAsync(folder, recursive: false, cancellationToken).ConfigureAwait(false))
        {
            string name = ObjectUri.FileName(info.Uri);
            if (name.Length > 0 && name[0] is not ('_' or '.'))
            {
                files.Add(new SplitFile(info.Uri, info.Size, 0, info.Size));
            }
        }
        return files;
    }

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
            var verification = await ManifestVerifier.VerifyAsync(manifest, OpenAsync, VerifyParallelism, cancellationToken).ConfigureAwait(false);
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
            var verification = await ManifestVerifier.VerifyAsync(summary, dataFiles, exportFolder, OpenAsync, VerifyParallelism, cancellationToken).ConfigureAwait(false);
            ThrowIfMismatched(verification, summaryUri);
        }
        var format = summary.IsIncremental ? ItemFileFormat.DynamoDbJsonIncremental : ItemFileFormat.DynamoDbJson;
        return new FoundFiles(ImportSourceKind.NativeExport, files, (format, $"native export {summaryUri}"), summary.ItemCount);
    }

    /// <summary>
    /// Why the folder (which has no manifest) holds an export that did not finish, or null: this connector's export
    /// checkpoint or lease, Hadoop's <c>_temporary/</c> working folder, or a native export's <c>_started</c> marker
    /// without its summary.
    /// </summary>
    private static async Task<(string Why, bool Native)?> IncompleteExportAsync(IObjectStore store, string folder, CancellationToken cancellationToken)
    {
        if (await store.GetInfoAsync(ObjectUri.Combine(folder, "_checkpoint/export.json"), cancellationToken).ConfigureAwait(false) is not null)
        {
            return ($"no '{ExportManifest.FileName}', and the export's checkpoint {ObjectUri.Combine(folder, "_checkpoint/")} is there", false);
        }
        if (await store.GetInfoAsync(ObjectUri.Combine(folder, Checkpoints.JobLease.ExportLeaseName), cancellationToken).ConfigureAwait(false) is not null)
        {
            return ($"no '{ExportManifest.FileName}', and a running or killed export's lease {Checkpoints.JobLease.ExportLeaseName} is there", false);
        }
        await foreach (var _ in store.ListAsync(ObjectUri.Combine(folder, "_temporary/"), recursive: true, cancellationToken).ConfigureAwait(false))
        {
            return ($"no '{ExportManifest.FileName}', and Hadoop's working folder {ObjectUri.Combine(folder, "_temporary/")} is there", false);
        }
        if (await store.GetInfoAsync(ObjectUri.Combine(folder, "_started"), cancellationToken).ConfigureAwait(false) is not null)
        {
            return ($"a native export's _started marker but no {NativeExport.SummaryFileName}", true);
        }
        return null;
    }

    private void RefuseOrWarnIncomplete(ImportSourceOptions options, string why)
    {
        if (!options.AllowIncompleteExport)
        {
            throw new InvalidDataException(
                $"{options.Source} is an export that did not finish ({why}): it holds only part of the table, so nothing was imported. " +
                "Run the export again to finish it, or import what is there anyway (--allow-incomplete at the CLI, ImportSourceOptions.AllowIncompleteExport in code).");
        }
        Log.IncompleteExportImported(_logger, options.Source, why);
    }

    /// <summary>Files verified at once: reading is I/O bound, and a few streams keep S3 busy without crowding the machine.</summary>
    private const int VerifyParallelism = 4;

    /// <summary>The most mismatches an error lists; the rest are counted.</summary>
    private const int MismatchesShown = 20;

    private Task<Stream> OpenAsync(string uri, CancellationToken cancellationToken) =>
        _stores.For(uri).OpenReadAsync(uri, cancellationToken: cancellationToken);

    private static void ThrowIfMismatched(ManifestVerification verification, string manifestUri)
    {
        if (verification.IsValid) return;
        var shown = verification.Mismatches.Take(MismatchesShown).Select(m => m.ToString());
        int more = verification.Mismatches.Count - MismatchesShown;
        throw new InvalidDataException(
            $"{manifestUri}: the export does not match its manifest, so nothing was imported: {string.Join("; ", shown)}{(more > 0 ? $"; and {more} more" : "")}.");
    }

    /// <summary>
    /// The format of the first file whose start can be read: a file damaged from its first bytes does not stop the
    /// others (reading reports it as a bad record).
    /// </summary>
    private async Task<(ItemFileFormat, string)> DetectFormatAsync(List<SplitFile> files, CancellationToken cancellationToken)
    {
        InvalidDataException? first = null;
        foreach (var file in files)
        {
            try
            {
                return await DetectFormatAsync(file.Uri, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException e)
            {
                first ??= new InvalidDataException($"{file.Uri}: {e.Message}, so the format cannot be detected from it{(files.Count > 1 ? " (nor from any other file)" : "")}: set the format (the CLI's --format).", e);
            }
        }
        throw first!;
    }

    private async Task<(ItemFileFormat, string)> DetectFormatAsync(string uri, CancellationToken cancellationToken)
    {
        var stream = await _stores.For(uri).OpenReadAsync(uri, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var detection = await ItemFiles.DetectFormatAsync(stream, uri, cancellationToken).ConfigureAwait(false);
            return (detection.Format, $"detected from {uri}: {detection.Reason}");
        }
    }

    private async Task<List<ImportSplit>> CutAsync(List<SplitFile> files, ItemFileFormat format, ImportSourceOptions options, CancellationToken cancellationToken)
    {
        long target = options.TargetSplitBytes;
        var pieces = new List<List<SplitFile>>();
        var group = new List<SplitFile>();
        long groupBytes = 0;
        foreach (var file in files)
        {
            // CSV records may hold newlines inside quotes, and a JSON array or envelope is one JSON text: never cut.
            if (file.Size > target && format.CanSplitAtLines() && !await IsCompressedAsync(file, cancellationToken).ConfigureAwait(false))
            {
                for (long start = 0; start < file.Size; start += target)
                {
                    pieces.Add([file with { Start = start, End = Math.Min(file.Size, start + target), ExpectedItems = null }]);
                }
                continue;
            }
            if (group.Count > 0 && groupBytes + file.Size > target)
            {
                pieces.Add(group);
                group = [];
                groupBytes = 0;
            }
            group.Add(file);
            groupBytes += file.Size;
        }
        if (group.Count > 0) pieces.Add(group);

        if (pieces.Count > options.MaxSplits)
        {
            // More pieces than splits allowed: consecutive pieces share a split, as evenly as possible.
            int perSplit = (pieces.Count + options.MaxSplits - 1) / options.MaxSplits;
            pieces = pieces.Chunk(perSplit).Select(chunk => chunk.SelectMany(p => p).ToList()).ToList();
        }
        return pieces.Select((piece, index) => new ImportSplit(index, piece)).ToList();
    }

    private async Task<bool> IsCompressedAsync(SplitFile file, CancellationToken cancellationToken)
    {
        var stream = await _stores.For(file.Uri).OpenReadAsync(file.Uri, 0, 4, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var header = new byte[4];
            int read = await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            return StreamCompression.Detect(header.AsSpan(0, read)) != CompressionKind.None
                || StreamCompression.FromFileName(file.Uri) != CompressionKind.None;
        }
    }
}
