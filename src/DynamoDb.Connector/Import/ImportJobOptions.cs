using DynamoDb.Connector.DependencyInjection;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Writing;
using Microsoft.Extensions.Options;

namespace DynamoDb.Connector.Import;

/// <summary>An import: what to read, the table to write, how fast, and where progress and rejects go.</summary>
public sealed class ImportJobOptions
{
    /// <summary>What to read and how to cut it into splits.</summary>
    public ImportSourceOptions Source { get; set; } = new();

    /// <summary>The table to write to. Required.</summary>
    public string TableName { get; set; } = "";

    /// <summary>The writer: mode (put, put-if-absent, conditional put, delete), throughput (percent, absolute WCU, on-demand ceiling), retries.</summary>
    public DynamoDbWriterOptions Writer { get; set; } = new();

    /// <summary>
    /// Workers when <see cref="Workers"/> is not set: one per core, at least 2. They share
    /// <see cref="DynamoDbWriterOptions.MaxBatchesInFlight"/>, which fills most budgets; a second worker hides the drain
    /// at the end of each split and checkpoint (0.88-1.03x the time of one at 10-25 ms per request), and more than one
    /// per core costs CPU and GC: on 2 cores 4 workers took 1.8-2.5x the time of one with no latency, 2 took 1.3-1.5x
    /// (ImportWorkersBenchmarks).
    /// </summary>
    internal static int DefaultWorkers => Math.Max(2, Environment.ProcessorCount);

    /// <summary>How often <see cref="Progress"/> hears.</summary>
    internal static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Splits read at once in this process, all sharing the table's budget. Null (the default): one per core, at least
    /// 2, at most the number of splits. The workers share <see cref="DynamoDbWriterOptions.MaxBatchesInFlight"/> (each
    /// keeps up to its share, rounded up, at least 1, in flight): the items in flight are most of the import's memory,
    /// so it stays bounded by that x 25 items whatever the input size and the core count. Valid 1 to 1,024.
    /// </summary>
    [Between(1, 1024, Message = "workers must be between 1 and 1,024 (was {0})")]
    public int? Workers { get; set; }

    /// <summary>
    /// Where progress is recorded (a local folder or S3 prefix), so a rerun with the same value resumes: finished splits
    /// are skipped, a half-done split restarts after its last checkpointed line. Null (the default): no checkpoints.
    /// </summary>
    public string? CheckpointUri { get; set; }

    /// <summary>
    /// Where progress is recorded when it is not under <see cref="CheckpointUri"/>: a store of the host's own (a
    /// table, a database). Null (the default): the objects under <see cref="CheckpointUri"/>, if set. Set one or the
    /// other. Without <see cref="CheckpointUri"/> no lease guards against a second import running at once with the same
    /// store, and dead letters go where <see cref="DeadLetterUri"/> says (only counted and sampled when it is null).
    /// </summary>
    public Checkpoints.ICheckpointStore? CheckpointStore { get; set; }

    /// <summary>How often a split records its progress. Default 10 s; valid 1 s to 1 h. Each checkpoint waits for the split's writes in flight.</summary>
    [DurationBetween("00:00:01", "01:00:00", Message = "the checkpoint interval must be between 1 s and 1 h (was {0})")]
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The folder (local or an S3 prefix) where bad lines and items that cannot be written go, as JSON-lines files
    /// (<c>{plan}-{split}-{chunk}.jsonl</c>, committed at each checkpoint) that re-import with <c>--format ddb-json</c>
    /// once fixed (deletes that cannot be applied in its <c>deletes/</c> folder, which re-import with
    /// <c>--format ddb-json-incremental</c>); each line carries its reason, source file and line (see <see cref="JsonLinesDeadLetterSink"/>). Null
    /// (the default): a <c>dead-letters</c> folder under the checkpoint when there is one; otherwise they are only
    /// counted, logged and sampled in the result.
    /// </summary>
    public string? DeadLetterUri { get; set; }

    /// <summary>
    /// Called for every record before it is written: return no record to drop it, one to keep or change it, several to
    /// fan it out. Null (the default): records are written as read. Called from several workers at once.
    /// </summary>
    public Func<ItemRecord, IEnumerable<ItemRecord>>? Transform { get; set; }

    /// <summary>
    /// Records held back and released in random order, so input sorted by partition key does not hammer one partition
    /// after another. 0 (the default) keeps the input order; valid 0 to 1,000,000. Costs memory: window x item size.
    /// Refused for an incremental export (ddb-json-incremental), whose puts and deletes of one key must stay in order.
    /// </summary>
    [Between(0, 1_000_000, Message = "the shuffle window must be between 0 and 1,000,000 (was {0})")]
    public int ShuffleWindow { get; set; }

    /// <summary>
    /// How long a cancelled import goes on writing what it read before the cancellation, so it can checkpoint there and
    /// a rerun redoes nothing. Reading stops at once; past this the writes in flight are abandoned and the last
    /// checkpoint stands (a rerun redoes up to one <see cref="CheckpointInterval"/>). Default 10 s; valid 0 to 10 min.
    /// </summary>
    [DurationBetween("00:00:00", "00:10:00", Message = "the stop grace period must be between 0 and 10 min (was {0})")]
    public TimeSpan StopGracePeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a run may take, on the job's <see cref="TimeProvider"/> from the moment it starts. Null (the default):
    /// no limit. Before the budget ends, keeping a margin for the flush (see <see cref="TimeBox"/>), the run stops
    /// reading, flushes what it handed over, stores its position (the checkpoint, if any) and returns with
    /// <see cref="ImportResult.Done"/> false. <see cref="ImportJob.RunSplitAsync"/> returns the split to run next
    /// (<see cref="ImportResult.Continuation"/>: the split with <see cref="SplitDocument.From"/> set); a time-boxed
    /// <see cref="ImportJob.RunAsync"/> needs a checkpoint, and a rerun with it goes on. Each run handles at least one
    /// record of each split it starts, so a loop on continuations always ends. The items handed over since the
    /// run's last flush are normally all written before it returns; a crash inside the budget replays from the last
    /// checkpoint (see <see cref="ImportJob"/> for what a replay means for conditional modes).
    /// <para>The budget is a hard deadline too: when the table slows down so much that the flush would outlast it, at
    /// the budget less a fixed margin (2 s, at most a quarter of the budget: the time to store the position and return)
    /// the run gives up what is not yet acknowledged and hands on its last stored position, the last one whose items
    /// are all acknowledged (counted in <see cref="ImportResult.ItemsAbandoned"/>; the next run writes them again, at
    /// least once, as after a crash). So that such a position is never far behind, a time-boxed run stores one at least
    /// every quarter of its budget (<see cref="CheckpointInterval"/>, if shorter, stands).</para>
    /// <para>Valid more than 0, at most 7 days.</para>
    /// </summary>
    [DurationBetween("00:00:00.001", "7.00:00:00", Message = "the time budget must be more than 0 and at most 7 days (was {0})")]
    public TimeSpan? TimeBudget { get; set; }

    /// <summary>Reports progress about once a second.</summary>
    public IProgress<ImportProgress>? Progress { get; set; }

    /// <summary>A copy of these options reading <paramref name="source"/> as <paramref name="format"/> (for a split planned elsewhere).</summary>
    internal ImportJobOptions ForSource(string source, ItemFileFormat format)
    {
        var copy = (ImportJobOptions)MemberwiseClone();
        copy.Source = new ImportSourceOptions { Source = source, Format = format, Csv = Source.Csv, RequestTable = Source.RequestTable, ParquetNulls = Source.ParquetNulls };
        return copy;
    }

    /// <summary>Checks every option, the source's and the writer's too.</summary>
    /// <exception cref="OptionsValidationException">An option is invalid; <see cref="OptionsValidationException.Failures"/> lists every problem.</exception>
    public void Validate() => OptionsValidation.ThrowIfInvalid(new ImportJobOptionsValidator(), this);

    /// <summary>Every problem with these options, the source's and the writer's too; empty when they are valid.</summary>
    internal List<string> Problems()
    {
        // Every problem at once, the source's too: fixing one at a time through reruns is tedious.
        List<string> problems = Source is null ? ["the source options are required"] : [.. Source.Problems()];
        if (string.IsNullOrWhiteSpace(TableName)) problems.Add("a table name is required");
        problems.AddRange(OptionsValidation.Annotations(this));
        if (CheckpointUri is not null && string.IsNullOrWhiteSpace(CheckpointUri)) problems.Add("the checkpoint location is empty (null for no checkpoints)");
        if (CheckpointUri is not null && CheckpointStore is not null) problems.Add("set a checkpoint location or a checkpoint store, not both");
        if (DeadLetterUri is not null && string.IsNullOrWhiteSpace(DeadLetterUri)) problems.Add("the dead-letter location is empty (null for the default)");
        if (Writer is null) problems.Add("the writer options are required");
        else
        {
            problems.AddRange(Writer.Problems());
            // The job commits dead letters with its checkpoints; a sink of the writer's own could not be.
            if (Writer.DeadLetterSink is not null || Writer.DeadLetterUri is not null) problems.Add("set the import's DeadLetterUri, not the writer's DeadLetterSink or DeadLetterUri");
        }
        return problems;
    }
}

/// <summary>Validates <see cref="ImportJobOptions"/>: the annotations, the rules across values, the source and writer options.</summary>
internal sealed class ImportJobOptionsValidator : IValidateOptions<ImportJobOptions>
{
    public ValidateOptionsResult Validate(string? name, ImportJobOptions options) => OptionsValidation.Result(options.Problems());
}

/// <summary>An import's progress.</summary>
/// <param name="ItemsRead">Records read from the files.</param>
/// <param name="ItemsWritten">Items put or deleted in the table.</param>
/// <param name="ItemsDeadLettered">Bad lines and items set aside.</param>
/// <param name="BytesRead">Bytes of the files read (as stored, compressed or not).</param>
/// <param name="TotalBytes">Bytes of all the files to read.</param>
/// <param name="WriteUnitsPerSecond">Write capacity units per second, recently.</param>
/// <param name="ThrottledRequests">Requests DynamoDB throttled so far.</param>
/// <param name="SplitsDone">Splits finished (including those a checkpoint had already finished).</param>
/// <param name="SplitsTotal">Splits in the plan.</param>
/// <param name="Elapsed">Since the job started.</param>
/// <param name="Remaining">Time left at the recent rate of bytes, when it can be told.</param>
public sealed record ImportProgress(long ItemsRead, long ItemsWritten, long ItemsDeadLettered, long BytesRead, long TotalBytes, double WriteUnitsPerSecond, long ThrottledRequests, int SplitsDone, int SplitsTotal, TimeSpan Elapsed, TimeSpan? Remaining);

/// <summary>What an import did.</summary>
public sealed record ImportResult
{
    /// <summary>The plan that was run.</summary>
    public required ImportPlan Plan { get; init; }

    /// <summary>Records read from the files (after resume: those read by this run).</summary>
    public long ItemsRead { get; init; }

    /// <summary>Items put in the table.</summary>
    public long ItemsWritten { get; init; }

    /// <summary>Items deleted from the table.</summary>
    public long ItemsDeleted { get; init; }

    /// <summary>Bad lines (unreadable) and items that could not be written, set aside in the dead-letter sink.</summary>
    public long ItemsDeadLettered { get; init; }

    /// <summary>Of <see cref="ItemsDeadLettered"/>, the lines that could not be read at all.</summary>
    public long BadLines { get; init; }

    /// <summary>Writes replaced by a later write of the same key before they were sent.</summary>
    public long ItemsDeduplicated { get; init; }

    /// <summary>Conditional puts not applied because the condition was false.</summary>
    public long ItemsSkippedByCondition { get; init; }

    /// <summary>
    /// Changes of an incremental export not applied because a newer change of their key (by <c>WriteTimestampMicros</c>)
    /// was applied already.
    /// </summary>
    public long ItemsSuperseded { get; init; }

    /// <summary>Records the transform dropped.</summary>
    public long ItemsFiltered { get; init; }

    /// <summary>Write capacity units DynamoDB charged (table and indexes).</summary>
    public double ConsumedCapacityUnits { get; init; }

    /// <summary>Requests DynamoDB throttled.</summary>
    public long ThrottledRequests { get; init; }

    /// <summary>Requests sent again after throttling or a transient fault.</summary>
    public long Retries { get; init; }

    /// <summary>Splits run by this run.</summary>
    public int SplitsRun { get; init; }

    /// <summary>Splits a checkpoint showed as finished, skipped by this run.</summary>
    public int SplitsSkipped { get; init; }

    /// <summary>The folder holding the dead letters, when any were written there.</summary>
    public string? DeadLetterUri { get; init; }

    /// <summary>The first few dead letters of this run (up to 20), to show what went wrong.</summary>
    public IReadOnlyList<DeadLetter> DeadLetterSamples { get; init; } = [];

    /// <summary>How long the run took.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>
    /// Whether every split is finished (this run's, or one a checkpoint or continuation showed finished). False when
    /// <see cref="ImportJobOptions.TimeBudget"/> ended the run first: everything read was written or set aside and
    /// the position stored, and <see cref="Continuation"/> (or a rerun with the same checkpoint) goes on.
    /// </summary>
    public bool Done { get; init; } = true;

    /// <summary>
    /// Records a time-boxed run read but gave up at its hard deadline, when the table was too slow for its flush to end
    /// within the budget (see <see cref="ImportJobOptions.TimeBudget"/>): they come after the position the
    /// continuation (or the checkpoint) goes on from, so the next run reads and writes them again, and they are not
    /// counted in <see cref="ItemsRead"/>, <see cref="ItemsWritten"/>, <see cref="ItemsDeleted"/> or
    /// <see cref="ItemsDeadLettered"/>. Some of their items may already be in the table: written again, at least once.
    /// </summary>
    public long ItemsAbandoned { get; init; }

    /// <summary>
    /// When a time-boxed <see cref="ImportJob.RunSplitAsync"/> stopped before the split's end: the split document to
    /// run next, with <see cref="SplitDocument.From"/> where this run stopped. Null when <see cref="Done"/>, and for
    /// <see cref="ImportJob.RunAsync"/>, which goes on from its checkpoint.
    /// </summary>
    public SplitDocument? Continuation { get; init; }
}
