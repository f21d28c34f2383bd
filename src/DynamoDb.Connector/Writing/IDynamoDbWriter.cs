using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Writing;

/// <summary>
/// Writes items to one DynamoDB table at the table's budget and never faster, losing none: batches of up to 25
/// requests, several in flight, paced in capacity units by the table's shared budget, retried with backoff (only what
/// was not written), bad items set aside in the dead-letter sink with their reason.
/// </summary>
/// <remarks>
/// <para>One caller at a time: <c>WriteAsync</c> and <c>CompleteAsync</c> must not be called concurrently on one writer.
/// For parallelism, create one writer per worker: writers of one table share its budget.</para>
/// <para>Order: writes of one key apply in the order they were given. A write of a key that is still waiting in the
/// unsent batch replaces it (counted as deduplicated; in conditional modes the batch is sent first instead), and a
/// batch holding a key that is in a batch in flight waits for that batch.</para>
/// <para>Checkpoints: <see cref="FlushAsync"/> sends what is open, waits for what is in flight, makes the dead letters
/// durable and returns what was acknowledged since the previous flush; the writer stays open and keeps its hold on the
/// table's budget and what its pacing learned. A checkpoint is a flush, then storing the position after the last item
/// accepted. Keep one writer per worker for the whole run rather than one per checkpoint.</para>
/// <para>Throttling: pacing hears every throttle, including those the SDK client retried on its own when it keeps its
/// default retries (see <see cref="RetryOptions"/> for how, and when to set <c>MaxErrorRetry = 0</c> anyway).</para>
/// <para>Completion: <see cref="CompleteAsync"/> (once, at the end) sends everything and returns the summary. Disposing without it
/// abandons what was not yet sent, cancels what is in flight (requests already sent may or may not apply) and logs a
/// warning with the counts: there is no silent half-commit.</para>
/// </remarks>
public interface IDynamoDbWriter : IAsyncDisposable
{
    /// <summary>The table.</summary>
    string TableName { get; }

    /// <summary>The table's write budget now (shared with its other writers in this process).</summary>
    WriteBudget Budget { get; }

    /// <summary>
    /// Accepts an item to write in the writer's mode (put, or delete of its key). Returns once the item is accepted,
    /// which may mean waiting while <see cref="DynamoDbWriterOptions.MaxBatchesInFlight"/> batches are in flight. An
    /// invalid item goes to the dead-letter sink, not to an exception.
    /// </summary>
    /// <exception cref="TableWriteException">The writer failed earlier.</exception>
    /// <exception cref="DynamoDbUnavailableException">The writer stopped earlier because DynamoDB was unavailable.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before the item was accepted (it was not).</exception>
    ValueTask WriteAsync(Dictionary<string, AttributeValue> item, CancellationToken cancellationToken = default);

    /// <summary>
    /// Accepts an item given as its DynamoDB JSON wire bytes (for a host that has them, as the connector's readers do):
    /// checked without building it (the same rules and dead-letter reasons as a dictionary) and sent in the request body
    /// as it is. In <see cref="WriteMode.Delete"/> its key is deleted; the conditional modes build the item to send it.
    /// </summary>
    /// <inheritdoc cref="WriteAsync(Dictionary{string, AttributeValue}, CancellationToken)"/>
    ValueTask WriteAsync(EncodedItem item, CancellationToken cancellationToken = default);

    /// <summary>
    /// Accepts a record read from a file: a put or a delete (<see cref="ItemRecord.Operation"/>; in
    /// <see cref="WriteMode.Delete"/> every record is a delete), with its <paramref name="source"/> and line for the
    /// dead-letter sink. A put read as wire bytes (<see cref="ItemRecord.Encoded"/>) is written as with
    /// <see cref="WriteAsync(EncodedItem, CancellationToken)"/>.
    /// </summary>
    /// <inheritdoc cref="WriteAsync(Dictionary{string, AttributeValue}, CancellationToken)"/>
    ValueTask WriteAsync(ItemRecord record, string? source, CancellationToken cancellationToken = default);

    /// <summary>A snapshot of the writer's progress.</summary>
    WriteProgress GetProgress();

    /// <summary>
    /// Sends the open batch, waits for every batch in flight, makes the dead letters durable (flushes the caller's
    /// sink, or commits the chunk written to <see cref="DynamoDbWriterOptions.DeadLetterUri"/>) and returns what was
    /// acknowledged since the previous flush or the writer's creation. When it returns, every item accepted before the
    /// call is written, skipped by its condition, or durably dead-lettered: the caller may store a position after the
    /// last item it gave. The writer stays open and keeps the table's budget and its learned pacing.
    /// </summary>
    /// <exception cref="TableWriteException">The writer failed; the exception carries the summary.</exception>
    /// <exception cref="DynamoDbUnavailableException">
    /// DynamoDB stayed unreachable or kept failing past <see cref="RetryOptions"/>; the exception carries the summary.
    /// </exception>
    /// <exception cref="InvalidOperationException">The writer is completed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled while waiting; what was in flight goes on, and a later flush or <see cref="CompleteAsync"/> covers it.</exception>
    Task<WriteFlush> FlushAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends everything accepted, waits for it to be written or dead-lettered, flushes the dead-letter sink and
    /// returns the summary (of the writer's whole life, flushes included). Calling it again returns the same summary.
    /// </summary>
    /// <exception cref="TableWriteException">The writer failed; the exception carries the summary.</exception>
    /// <exception cref="DynamoDbUnavailableException">
    /// DynamoDB stayed unreachable or kept failing (throttling, 5xx, timeouts) past <see cref="RetryOptions"/>: the
    /// items not written are abandoned, not dead-lettered; the exception carries the summary.
    /// </exception>
    Task<WriteSummary> CompleteAsync(CancellationToken cancellationToken = default);
}

/// <summary>Creates writers. Registered by <c>services.AddDynamoDbConnector(...)</c>; uses the <c>IAmazonDynamoDB</c> from DI.</summary>
public interface IDynamoDbWriterFactory
{
    /// <summary>
    /// Creates a writer for <paramref name="tableName"/>. The table is described (key schema, capacity) once per
    /// table and process; writers of one table share its budget, so their throughput options must agree.
    /// </summary>
    /// <param name="tableName">The table.</param>
    /// <param name="options">This writer's options; default the configured <c>DynamoDbConnectorOptions.Writer</c>.</param>
    /// <param name="cancellationToken">Cancels the table description.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid (its <c>Failures</c> list every problem).</exception>
    /// <exception cref="ArgumentException">
    /// <see cref="DynamoDbWriterOptions.DeadLetterUri"/> cannot take dead letters (a file rather than a folder, a folder
    /// that cannot be created, a bucket that cannot be listed).
    /// </exception>
    /// <exception cref="InvalidOperationException">The table already has writers in this process with different throughput options.</exception>
    /// <exception cref="NotSupportedException">No registered object store handles <see cref="DynamoDbWriterOptions.DeadLetterUri"/>.</exception>
    /// <exception cref="DynamoDbUnavailableException">DynamoDB could not be reached to describe the table.</exception>
    Task<IDynamoDbWriter> CreateAsync(string tableName, DynamoDbWriterOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// The write budget writers of <paramref name="tableName"/> would get with <paramref name="throughput"/> (the current
    /// one when the table has writers), for example to split it between processes.
    /// </summary>
    Task<WriteBudget> GetBudgetAsync(string tableName, WriteThroughputOptions? throughput = null, CancellationToken cancellationToken = default);
}
