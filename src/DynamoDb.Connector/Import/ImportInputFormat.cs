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
/// <para>A split is read with <see cref="OpenAsync"/>, from its start or from a position stored earlier: a host reads,
/// transforms and writes the records itself and checkpoints where it likes. Registered by
/// <c>services.AddDynamoDbConnector()</c>, over the registered object stores.</para>
/// </summary>
public sealed partial class ImportInputFormat
{
    private readonly ObjectStores _stores;
    private readonly ILogger _logger;

    /// <summary>Creates the input format over <paramref name="stores"/> (the first that handles a uri reads it).</summary>
    /// <param name="stores">The object stores (local files, S3), as registered.</param>
    /// <param name="logger">Where plan warnings go; none when null.</param>
    public ImportInputFormat(IEnumerable<IObjectStore> stores, ILogger<ImportInputFormat>? logger = null)
        : this(new ObjectStores(stores), logger)
    {
    }

    internal ImportInputFormat(ObjectStores stores, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(stores);
        _stores = stores;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The stores it reads from (the import job writes checkpoints and dead letters through them too).</summary>
    internal ObjectStores Stores => _stores;

    /// <summary>
    /// Opens a reader of <paramref name="split"/>'s records from <paramref name="from"/> on (the start when null): a
    /// position a reader of the same split gave (<see cref="ImportRecord.Next"/>, <see cref="ImportSplitReader.Position"/>).
    /// The first file is opened here.
    /// </summary>
    /// <param name="split">The split, from a plan (<see cref="ImportPlan.Splits"/>) or a split document.</param>
    /// <param name="options">The format to read (<see cref="ImportReadOptions.For"/>).</param>
    /// <param name="from">Where to start; null for the start of the split.</param>
    /// <param name="cancellationToken">Cancels opening the first file.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="from"/> is not a position of this split.</exception>
    /// <exception cref="FileNotFoundException">The first file to read does not exist.</exception>
    public async Task<ImportSplitReader> OpenAsync(ImportSplit split, ImportReadOptions options, ImportPosition? from = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(options);
        var start = from ?? ImportPosition.Start;
        if (start.File < 0 || start.File > split.Files.Count || start.Line < 0
            || (start.Offset is { } offset && (start.File == split.Files.Count || offset < split.Files[start.File].Start || offset > split.Files[start.File].Size)))
        {
            throw new ArgumentOutOfRangeException(nameof(from), start, $"not a position in split {split.Index} ({split.Files.Count} files)");
        }
        var reader = new ImportSplitReader(_stores, split, options, start);
        try
        {
            await reader.OpenFirstAsync(cancellationToken).ConfigureAwait(false);
            return reader;
        }
        catch
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            throw;
        }
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
        if (options.Format is { } named && named != ItemFileFormat.Parquet) await RefuseParquetAsAsync(found.Files[0], named, cancellationToken).ConfigureAwait(false);
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
            // Parquet: the footer is read (a damaged file is refused here, before anything is written), a big file cut by row groups.
            if (format == ItemFileFormat.Parquet && await ParquetPiecesAsync(file, target, cancellationToken).ConfigureAwait(false) is { Count: > 1 } parts)
            {
                pieces.AddRange(parts);
                continue;
            }
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
