using DynamoDb.Connector.Checkpoints;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Reading;

namespace DynamoDb.Connector.Export;

/// <summary>The checkpoint's job document: what the export reads and writes, fixed for the export's life.</summary>
internal sealed class ExportCheckpointJob
{
    public const int CurrentVersion = 1;

    public int Version { get; init; } = CurrentVersion;

    public required ExportPlan Plan { get; init; }

    public required string Destination { get; init; }

    public required ExportLayout Layout { get; init; }

    public required ItemFileFormat Format { get; init; }

    public required CompressionKind Compression { get; init; }

    /// <summary>The native layout's export id (the folder under <c>AWSDynamoDB/</c>); null for the EMR layout.</summary>
    public string? ExportId { get; init; }

    public required DateTimeOffset StartTime { get; init; }
}

/// <summary>
/// One record of progress, written right after a part file is committed (or, with no file, when splits end with
/// nothing left to write): the file and the positions of the splits whose items it holds. Records are never
/// rewritten, so each is atomic on its own; a file committed without its record is an orphan the next run deletes.
/// </summary>
internal sealed class ExportCheckpointPart
{
    public ExportPartFile? File { get; init; }

    public required List<TableSplitPosition> Splits { get; init; }
}

/// <summary>What the checkpoint says was done: the committed files and each split's latest position.</summary>
internal sealed class ExportCheckpointState
{
    public ExportCheckpointState(ExportCheckpointJob? job, IEnumerable<ExportCheckpointPart> parts)
    {
        Job = job;
        foreach (var part in parts)
        {
            if (part.File is { } file) Files.Add(file);
            foreach (var position in part.Splits)
            {
                if (!Positions.TryGetValue(position.Split, out var known) || position.Pages > known.Pages || (position.Done && !known.Done))
                {
                    Positions[position.Split] = position;
                }
            }
        }
        Files.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
    }

    /// <summary>Part records that could not be read (cut short) and were deleted; their work is redone.</summary>
    public int UnreadableRecords { get; init; }

    /// <summary>The job document, or null when no export was started here.</summary>
    public ExportCheckpointJob? Job { get; }

    /// <summary>Files committed and recorded, by name.</summary>
    public List<ExportPartFile> Files { get; } = [];

    /// <summary>Each split's latest recorded position.</summary>
    public Dictionary<int, TableSplitPosition> Positions { get; } = [];

    /// <summary>The position <paramref name="split"/> resumes from.</summary>
    public TableSplitPosition PositionOf(int split) => Positions.GetValueOrDefault(split) ?? TableSplitPosition.Start(split);
}

/// <summary>The export's checkpoint: a job document and one record per committed part, in a <see cref="CheckpointStore"/>.</summary>
/// <param name="store">Where the checkpoint lives.</param>
/// <param name="ownsRoot">Whether the checkpoint's folder is the export's own (<c>_checkpoint/</c> in the destination), removed with it when empty.</param>
internal sealed class ExportCheckpoint(CheckpointStore store, bool ownsRoot = false)
{
    internal const string JobName = "export";
    internal const string PartsFolder = "parts";

    /// <summary>Where the checkpoint lives.</summary>
    public string RootUri => store.RootUri;

    /// <summary>Reads the job document and every part record.</summary>
    public async Task<ExportCheckpointState> LoadAsync(CancellationToken cancellationToken)
    {
        var job = await store.ReadAsync<ExportCheckpointJob>(JobName, cancellationToken).ConfigureAwait(false);
        var parts = new List<ExportCheckpointPart>();
        var unreadable = new List<string>();
        if (job is not null)
        {
            await foreach (var name in store.ListAsync(PartsFolder, cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    if (await store.ReadAsync<ExportCheckpointPart>(name, cancellationToken).ConfigureAwait(false) is { } part)
                    {
                        parts.Add(part);
                    }
                }
                catch (InvalidDataException)
                {
                    // A record cut short (a store that is not atomic, killed mid-write) records nothing: its file, if
                    // any, is an orphan to delete and its items are read again. Safe, since records are only added.
                    unreadable.Add(name);
                }
            }
        }
        foreach (var name in unreadable)
        {
            await store.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
        }
        return new ExportCheckpointState(job, parts) { UnreadableRecords = unreadable.Count };
    }

    /// <summary>Writes the job document (at the start of a new export).</summary>
    public Task WriteJobAsync(ExportCheckpointJob job, CancellationToken cancellationToken) =>
        store.WriteAsync(JobName, job, cancellationToken);

    /// <summary>Records a committed part (or split positions without a file).</summary>
    public Task RecordAsync(ExportCheckpointPart part, CancellationToken cancellationToken) =>
        store.WriteAsync($"{PartsFolder}/{Guid.NewGuid():N}", part, cancellationToken);

    /// <summary>Deletes every record and then the job document (the export is complete; its manifest now says what it holds).</summary>
    public async Task DeleteAsync(CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await foreach (var name in store.ListAsync(PartsFolder, cancellationToken).ConfigureAwait(false))
        {
            names.Add(name);
        }
        foreach (var name in names)
        {
            await store.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
        }
        await store.DeleteAsync(JobName, cancellationToken).ConfigureAwait(false);
        await store.RemoveFolderIfEmptyAsync(PartsFolder, cancellationToken).ConfigureAwait(false);
        if (ownsRoot) await store.RemoveFolderIfEmptyAsync("", cancellationToken).ConfigureAwait(false);
    }
}
