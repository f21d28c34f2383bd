using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Capacity;

namespace DynamoDb.Connector.Writing;

/// <summary>What a writer does with each item.</summary>
public enum WriteMode
{
    /// <summary><c>put</c> (the default): put each item, replacing any item with the same key. Sent with BatchWriteItem.</summary>
    Put,
    /// <summary>
    /// <c>put-if-absent</c>: put an item only when no item with its key exists (PutItem with
    /// <c>attribute_not_exists</c> on the partition key); the others are counted as skipped, not as errors.
    /// </summary>
    PutIfAbsent,
    /// <summary>
    /// <c>put-if</c>: put an item only when <see cref="DynamoDbWriterOptions.ConditionExpression"/> holds (PutItem); the
    /// others are counted as skipped.
    /// </summary>
    PutIf,
    /// <summary><c>delete</c>: delete the item with each item's key; attributes other than the key are ignored. Sent with BatchWriteItem.</summary>
    Delete,
}

/// <summary>
/// How the connector retries what DynamoDB could not take: a writer's batches (<see cref="DynamoDbWriterOptions.Retry"/>)
/// and an export's reads (<c>ExportOptions.Retry</c>).
/// </summary>
/// <remarks>
/// Throttling (<c>ProvisionedThroughputExceededException</c>, <c>ThrottlingException</c>, <c>RequestLimitExceeded</c>),
/// unprocessed items, HTTP 500/503, timeouts and dropped connections are retried after exponential backoff with full
/// jitter (a random delay between 0 and <c>min(MaxDelay, BaseDelay x 2^(n-1))</c> before the n-th retry in a row).
/// Only what was not written is sent again. A <c>ValidationException</c> is never retried (the item is dead-lettered).
/// When an item runs out of attempts or time, the service is failing, not the item: the writer stops with
/// <see cref="DynamoDbUnavailableException"/>, and what it had not written stays unwritten and unacknowledged (never
/// dead-lettered), so a rerun writes it. The AWS SDK client may retry too, out of the connector's sight (its
/// <c>MaxErrorRetry</c>, and <c>MaxStaleConnectionRetries</c> for reset connections): the connector's retry is the one
/// that paces and counts, and in conditional modes it must see every failed attempt to tell a write of its own found by
/// its retry (written) from an item that was there before (skipped), so give it a client with both set to 0.
/// </remarks>
public sealed class RetryOptions
{
    /// <summary>
    /// The most times one item is sent before the writer stops with <see cref="DynamoDbUnavailableException"/>.
    /// Default 20; valid 1 to 1,000,000, or null to retry forever (bounded by <see cref="MaxRetryTime"/> when that is set).
    /// </summary>
    public int? MaxAttempts { get; set; } = 20;

    /// <summary>
    /// The longest time an item is retried, from its first attempt, before the writer stops with
    /// <see cref="DynamoDbUnavailableException"/> (the longest outage a job rides out). Default 15 minutes;
    /// valid 1 second to 7 days, or null for no limit (bounded by <see cref="MaxAttempts"/> when that is set).
    /// </summary>
    public TimeSpan? MaxRetryTime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The longest one request may go unanswered before it is given up and retried as a timeout (it may have applied),
    /// so a stalled connection costs this, not the client's own timeout. Default 30 s; valid 100 ms to 10 minutes, or
    /// null to leave it to the client.
    /// </summary>
    public TimeSpan? AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The backoff before the first retry is up to this. Default 50 ms; valid 1 ms to 1 minute.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The backoff never exceeds this. Default 20 s; valid <see cref="BaseDelay"/> to 10 minutes.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Copies these options.</summary>
    public RetryOptions Clone() => (RetryOptions)MemberwiseClone();

    /// <summary>The backoff before the <paramref name="failures"/>-th retry in a row (see <see cref="Retry.RetryPolicy.DelayBefore(RetryOptions, int, double)"/>).</summary>
    internal TimeSpan DelayBefore(int failures, double random) => Retry.RetryPolicy.DelayBefore(this, failures, random);

    internal IEnumerable<string> Validate(string prefix)
    {
        if (MaxAttempts is { } attempts && attempts is < 1 or > 1_000_000)
            yield return $"{prefix}MaxAttempts is {attempts}; it must be between 1 and 1,000,000, or null to retry forever.";
        if (MaxRetryTime is { } time && (time < TimeSpan.FromSeconds(1) || time > TimeSpan.FromDays(7)))
            yield return $"{prefix}MaxRetryTime is {time}; it must be between 1 second and 7 days, or null for no limit.";
        if (AttemptTimeout is { } attempt && (attempt < TimeSpan.FromMilliseconds(100) || attempt > TimeSpan.FromMinutes(10)))
            yield return $"{prefix}AttemptTimeout is {attempt}; it must be between 100 ms and 10 minutes, or null to leave it to the client.";
        if (BaseDelay < TimeSpan.FromMilliseconds(1) || BaseDelay > TimeSpan.FromMinutes(1))
            yield return $"{prefix}BaseDelay is {BaseDelay}; it must be between 1 ms and 1 minute.";
        if (MaxDelay < BaseDelay || MaxDelay > TimeSpan.FromMinutes(10))
            yield return $"{prefix}MaxDelay is {MaxDelay}; it must be between BaseDelay ({BaseDelay}) and 10 minutes.";
    }
}

/// <summary>How a writer writes to its table: mode, batching, pacing, retries, dead letters and progress.</summary>
public sealed class DynamoDbWriterOptions
{
    /// <summary>The most requests in one BatchWriteItem (DynamoDB's limit is 25).</summary>
    public const int MaxBatchSize = 25;

    /// <summary>What to do with each item. Default <see cref="WriteMode.Put"/>.</summary>
    public WriteMode Mode { get; set; } = WriteMode.Put;

    /// <summary>The condition for <see cref="WriteMode.PutIf"/> (required there, not allowed otherwise), e.g. <c>attribute_not_exists(#v) OR #v &lt; :v</c>.</summary>
    public string? ConditionExpression { get; set; }

    /// <summary>Placeholders for attribute names in <see cref="ConditionExpression"/> (<c>#v</c> to <c>version</c>).</summary>
    public Dictionary<string, string>? ExpressionAttributeNames { get; set; }

    /// <summary>Placeholders for values in <see cref="ConditionExpression"/> (<c>:v</c> to a value).</summary>
    public Dictionary<string, AttributeValue>? ExpressionAttributeValues { get; set; }

    /// <summary>
    /// The most batches one writer has in flight at once, so one writer can fill a large budget (a batch of 25 takes
    /// a round trip of some milliseconds: 32 batches of 25 every 10 ms is 80,000 items/s). Default 32; valid 1 to 256.
    /// </summary>
    public int MaxBatchesInFlight { get; set; } = 32;

    /// <summary>The most requests per batch. Default 25 (DynamoDB's limit); valid 1 to 25.</summary>
    public int BatchSize { get; set; } = MaxBatchSize;

    /// <summary>The table's write budget (shared by every writer of the table in this process).</summary>
    public WriteThroughputOptions Throughput { get; set; } = new();

    /// <summary>Retries and their limits.</summary>
    public RetryOptions Retry { get; set; } = new();

    /// <summary>
    /// Where items that cannot be written go, shared or not (the caller owns it; writers only write to it and flush
    /// it). Default null: see <see cref="DeadLetterUri"/>.
    /// </summary>
    public IDeadLetterSink? DeadLetterSink { get; set; }

    /// <summary>
    /// A folder or prefix (local path, <c>file://</c> or <c>s3://</c> uri), as the CLI's <c>--dead-letter</c>, for the
    /// writer's dead letters: each flush (and the completion) that had any commits them as one object
    /// <c>{table}-{created, UTC}-{writer id}-{chunk}.jsonl</c>, so writers may share the folder. A registered object store
    /// must handle it (checked when the writer is created). Used when <see cref="DeadLetterSink"/> is null. Default null: dead
    /// letters are kept in memory and returned in <see cref="WriteSummary.DeadLetters"/> (at most
    /// <see cref="MaxDeadLettersInMemory"/>; past that the writer fails rather than drop any).
    /// </summary>
    public string? DeadLetterUri { get; set; }

    /// <summary>The most dead letters kept in memory when no sink or uri is set. Default 10,000; valid 0 to 10,000,000.</summary>
    public int MaxDeadLettersInMemory { get; set; } = 10_000;

    /// <summary>How often the writer logs a progress line and reports <see cref="Progress"/>. Default 10 s; <see cref="TimeSpan.Zero"/> turns both off; otherwise valid 1 s to 1 h.</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Receives a progress snapshot every <see cref="ProgressInterval"/> and a last one at completion, for hosts that draw progress. Default null.</summary>
    public IProgress<WriteProgress>? Progress { get; set; }

    /// <summary>Copies these options (the nested options too; the sink, progress and dictionaries are shared).</summary>
    public DynamoDbWriterOptions Clone()
    {
        var copy = (DynamoDbWriterOptions)MemberwiseClone();
        copy.Throughput = Throughput.Clone();
        copy.Retry = Retry.Clone();
        return copy;
    }

    /// <summary>Every problem with these options, in words; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!Enum.IsDefined(Mode)) problems.Add($"Mode {Mode} is not a write mode.");
        if (Mode == WriteMode.PutIf && string.IsNullOrWhiteSpace(ConditionExpression))
            problems.Add("Mode PutIf needs a ConditionExpression.");
        if (Mode != WriteMode.PutIf && (ConditionExpression is not null || ExpressionAttributeValues is { Count: > 0 } || ExpressionAttributeNames is { Count: > 0 }))
            problems.Add($"ConditionExpression, ExpressionAttributeNames and ExpressionAttributeValues apply only to Mode PutIf (the mode is {Mode}).");
        if (MaxBatchesInFlight is < 1 or > 256) problems.Add($"MaxBatchesInFlight is {MaxBatchesInFlight}; it must be between 1 and 256.");
        if (BatchSize is < 1 or > MaxBatchSize) problems.Add($"BatchSize is {BatchSize}; it must be between 1 and {MaxBatchSize}.");
        if (MaxDeadLettersInMemory is < 0 or > 10_000_000) problems.Add($"MaxDeadLettersInMemory is {MaxDeadLettersInMemory}; it must be between 0 and 10,000,000.");
        if (ProgressInterval != TimeSpan.Zero && (ProgressInterval < TimeSpan.FromSeconds(1) || ProgressInterval > TimeSpan.FromHours(1)))
            problems.Add($"ProgressInterval is {ProgressInterval}; it must be 0 (off) or between 1 second and 1 hour.");
        if (DeadLetterUri is not null && DeadLetterUri.Trim().Length == 0) problems.Add("DeadLetterUri is empty.");
        if (Throughput is null) problems.Add("Throughput is null.");
        else problems.AddRange(Throughput.Validate("Throughput."));
        if (Retry is null) problems.Add("Retry is null.");
        else problems.AddRange(Retry.Validate("Retry."));
        return problems;
    }
}
