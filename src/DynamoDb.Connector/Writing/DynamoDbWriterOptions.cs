using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.DependencyInjection;
using Microsoft.Extensions.Options;

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
/// dead-lettered), so a rerun writes it.
/// <para>The AWS SDK client may retry too, within one call (its <c>MaxErrorRetry</c>, 2 by default in standard mode, kept
/// by <c>AddAWSService&lt;IAmazonDynamoDB&gt;()</c>). The connector sees those attempts anyway: when its assembly loads it
/// registers an SDK pipeline customizer that puts a handler inside every DynamoDB client's retry handler, active only
/// for the connector's own calls. Each throttle the SDK retried slows the pacing and counts in
/// <see cref="WriteSummary.ThrottledRequests"/>, each hidden attempt counts in <see cref="WriteSummary.Requests"/> and
/// <see cref="WriteSummary.Retries"/>, and a conditional put whose SDK retry may follow an applied attempt is checked
/// as one the connector retried. So a client with default retries is correct, built before or after the connector's
/// assembly was loaded (one built before is given the handler at the connector's first call on it). For the
/// shortest reaction to throttling set <c>MaxErrorRetry = 0</c>, as the CLI does, and let these options govern every
/// retry.</para>
/// </remarks>
public sealed class RetryOptions
{
    /// <summary>
    /// The most times one item is sent before the writer stops with <see cref="DynamoDbUnavailableException"/>.
    /// Default 20; valid 1 to 1,000,000, or null to retry forever (bounded by <see cref="MaxRetryTime"/> when that is set).
    /// </summary>
    [Between(1, 1_000_000, Rule = "it must be between 1 and 1,000,000, or null to retry forever.")]
    public int? MaxAttempts { get; set; } = 20;

    /// <summary>
    /// The longest time an item is retried, from its first attempt, before the writer stops with
    /// <see cref="DynamoDbUnavailableException"/> (the longest outage a job rides out). Default 15 minutes;
    /// valid 1 second to 7 days, or null for no limit (bounded by <see cref="MaxAttempts"/> when that is set).
    /// </summary>
    [DurationBetween("00:00:01", "7.00:00:00", Rule = "it must be between 1 second and 7 days, or null for no limit.")]
    public TimeSpan? MaxRetryTime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The longest one request may go unanswered before it is given up and retried as a timeout (it may have applied),
    /// so a stalled connection costs this, not the client's own timeout. Default 30 s; valid 100 ms to 10 minutes, or
    /// null to leave it to the client.
    /// </summary>
    [DurationBetween("00:00:00.1", "00:10:00", Rule = "it must be between 100 ms and 10 minutes, or null to leave it to the client.")]
    public TimeSpan? AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The backoff before the first retry is up to this. Default 50 ms; valid 1 ms to 1 minute.</summary>
    [DurationBetween("00:00:00.001", "00:01:00", Rule = "it must be between 1 ms and 1 minute.")]
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The backoff never exceeds this. Default 20 s; valid <see cref="BaseDelay"/> to 10 minutes.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Copies these options.</summary>
    public RetryOptions Clone() => (RetryOptions)MemberwiseClone();

    /// <summary>The backoff before the <paramref name="failures"/>-th retry in a row (see <see cref="Retry.RetryPolicy.DelayBefore(RetryOptions, int, double)"/>).</summary>
    internal TimeSpan DelayBefore(int failures, double random) => Retry.RetryPolicy.DelayBefore(this, failures, random);

    /// <summary>Every problem with these options, each prefixed with <paramref name="prefix"/>; empty when they are valid.</summary>
    internal IEnumerable<string> Validate(string prefix)
    {
        foreach (var problem in OptionsValidation.Annotations(this, prefix)) yield return problem;
        // Across values: the ceiling of the backoff depends on its start.
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
    [Between(1, 256)]
    public int MaxBatchesInFlight { get; set; } = 32;

    /// <summary>The most requests per batch. Default 25 (DynamoDB's limit); valid 1 to 25.</summary>
    [Between(1, MaxBatchSize)]
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
    [Between(0, 10_000_000)]
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

    /// <summary>Checks every option (the same checks as at start, when the options come from configuration).</summary>
    /// <exception cref="OptionsValidationException">An option is invalid; <see cref="OptionsValidationException.Failures"/> lists every problem, each naming the option.</exception>
    public void Validate() => OptionsValidation.ThrowIfInvalid(new DynamoDbWriterOptionsValidator(), this);

    /// <summary>Every problem with these options, in words; empty when they are valid.</summary>
    internal List<string> Problems()
    {
        var problems = OptionsValidation.Annotations(this).ToList();
        if (!Enum.IsDefined(Mode)) problems.Add($"Mode {Mode} is not a write mode.");
        if (Mode == WriteMode.PutIf && string.IsNullOrWhiteSpace(ConditionExpression))
            problems.Add("Mode PutIf needs a ConditionExpression.");
        if (Mode != WriteMode.PutIf && (ConditionExpression is not null || ExpressionAttributeValues is { Count: > 0 } || ExpressionAttributeNames is { Count: > 0 }))
            problems.Add($"ConditionExpression, ExpressionAttributeNames and ExpressionAttributeValues apply only to Mode PutIf (the mode is {Mode}).");
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

/// <summary>Validates <see cref="DynamoDbWriterOptions"/>: the annotations, the rules across values, the nested throughput and retry options.</summary>
internal sealed class DynamoDbWriterOptionsValidator : IValidateOptions<DynamoDbWriterOptions>
{
    public ValidateOptionsResult Validate(string? name, DynamoDbWriterOptions options) => OptionsValidation.Result(options.Problems());
}
