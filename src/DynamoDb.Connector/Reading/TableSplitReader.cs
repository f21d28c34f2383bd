using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.Formats.Json;
using DynamoDb.Connector.Retry;
using DynamoDb.Connector.Telemetry;
using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Reading;

/// <summary>
/// Reads one split (a parallel scan segment or a Query) page by page, from <see cref="TableInput.OpenReader"/>: each
/// page waits for its estimated read units from the table's shared budget, is sized so that it costs at most one
/// bucket of it (and never more than DynamoDB's 1 MB), and is reconciled with what DynamoDB charged. Throttled and
/// failed requests are retried with backoff (see <see cref="TableInputOptions.Retry"/>). Not thread-safe: one reader
/// per flow; readers of other splits may run at the same time.
/// </summary>
public sealed class TableSplitReader
{
    private readonly TableInput _input;
    private readonly ExportPlan _plan;
    private readonly AmazonDynamoDBRequest _request;

    internal TableSplitReader(TableInput input, ExportPlan plan, ExportSplit split, AmazonDynamoDBRequest request, TableSplitPosition from)
    {
        _input = input;
        _plan = plan;
        Split = split;
        _request = request;
        Position = from;
    }

    /// <summary>The split read.</summary>
    public ExportSplit Split { get; }

    /// <summary>Where the reader is: the position after the last page read (or the one it was opened at).</summary>
    public TableSplitPosition Position { get; private set; }

    /// <summary>Whether the split was read to its end.</summary>
    public bool Done => Position.Done;

    /// <summary>
    /// Reads the next page: at most <paramref name="maxItems"/> items (fewer when the budget or DynamoDB's 1 MB cut the
    /// page; possibly none when a filter drops them all, with the split not done). Null when the split is done.
    /// </summary>
    /// <param name="maxItems">The most items the page may hold (its <c>Limit</c>): at least 1.</param>
    /// <param name="cancellationToken">Stops waiting for read units, the request and its backoff.</param>
    /// <exception cref="ExportException">DynamoDB refused the read in a way retrying cannot fix (a validation error, access denied).</exception>
    /// <exception cref="DynamoDbUnavailableException">DynamoDB could not be reached, or kept failing past the retry limits.</exception>
    public async Task<TablePage?> ReadPageAsync(int maxItems = int.MaxValue, CancellationToken cancellationToken = default) =>
        await ReadAsync(maxItems, json: false, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Reads the next page as <see cref="ReadPageAsync"/> does, with each item's DynamoDB JSON in
    /// <see cref="TablePage.ItemsJson"/>: through an SDK client, the bytes DynamoDB sent (checked against the
    /// response's CRC-32, never turned into objects unless <see cref="TablePage.Items"/> is asked for), so that they can
    /// be written as they are (<see cref="Export.ExportPartWriter.WriteDynamoDbJsonAsync"/>); through another client
    /// (a test double), the items it returned, formatted.
    /// </summary>
    /// <inheritdoc cref="ReadPageAsync" path="/param"/>
    /// <inheritdoc cref="ReadPageAsync" path="/exception"/>
    public async Task<TablePage?> ReadJsonPageAsync(int maxItems = int.MaxValue, CancellationToken cancellationToken = default) =>
        await ReadAsync(maxItems, json: true, cancellationToken).ConfigureAwait(false);

    /// <summary>Every remaining page of the split, in order (see <see cref="ReadPageAsync"/>).</summary>
    public async IAsyncEnumerable<TablePage> ReadPagesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await ReadPageAsync(cancellationToken: cancellationToken).ConfigureAwait(false) is { } page)
        {
            yield return page;
        }
    }

    private async Task<TablePage?> ReadAsync(int maxItems, bool json, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxItems, 1);
        if (Position.Done) return null;
        var page = await RequestAsync(maxItems, json, cancellationToken).ConfigureAwait(false);
        Position = Position.Next(page.LastKey, page.Scanned, page.Items.Count);
        _input.Counters.OnPage(page.Scanned, page.Items.Count, page.Units, Position.Done);
        _input.Services.Metrics.ReadUnitsConsumed.Add(page.Units, _input.TableTag);
        return new TablePage(page.Items, Position, page.Scanned, page.Units) { ItemsJson = page.Json };
    }

    /// <summary>One response: its items (and their JSON when asked for), where the next page starts, items evaluated, units charged.</summary>
    private readonly record struct Response(IReadOnlyList<Dictionary<string, AttributeValue>> Items, IReadOnlyList<ReadOnlyMemory<byte>>? Json, Dictionary<string, AttributeValue>? LastKey, int Scanned, double Units);

    private async Task<Response> RequestAsync(int maxItems, bool json, CancellationToken cancellationToken)
    {
        using var span = ConnectorActivities.StartReadPage(_input.Table.TableName, _request);
        var services = _input.Services;
        var pacer = _input.Pacer;
        var startKey = Position.LastEvaluatedKey;
        bool raw = json && RawResponses.Supports(services.Client);
        int permits = 0; // of the attempt under way
        try
        {
            return await _input.Retry.ExecuteAsync(async token =>
            {
                int limit = pacer.PageLimit(maxItems);
                permits = 0;
                int wanted = pacer.PermitsFor(limit);
                // The wait for read units is not the attempt's: only the request has a deadline.
                await pacer.AcquireAsync(wanted, cancellationToken).ConfigureAwait(false);
                permits = wanted;
                // The SDK client may retry a throttled page inside the call: those throttles slow the pacing too.
                using var sdk = SdkAttempts.Observe(services.Client);
                using var capture = raw ? RawResponses.Capture() : null;
                List<Dictionary<string, AttributeValue>>? items;
                Dictionary<string, AttributeValue>? lastKey;
                ConsumedCapacity? consumed;
                int? scannedCount;
                if (_request is ScanRequest scan)
                {
                    scan.Limit = limit;
                    scan.ExclusiveStartKey = startKey;
                    var response = await CountingSdkRetriesAsync(services.Client.ScanAsync(scan, token), sdk).ConfigureAwait(false);
                    (items, lastKey, consumed, scannedCount) = (response.Items, response.LastEvaluatedKey, response.ConsumedCapacity, response.ScannedCount);
                }
                else
                {
                    var query = (QueryRequest)_request;
                    query.Limit = limit;
                    query.ExclusiveStartKey = startKey;
                    var answer = await CountingSdkRetriesAsync(services.Client.QueryAsync(query, token), sdk).ConfigureAwait(false);
                    (items, lastKey, consumed, scannedCount) = (answer.Items, answer.LastEvaluatedKey, answer.ConsumedCapacity, answer.ScannedCount);
                }
                if (capture?.Body is { } body)
                {
                    // The SDK saw an empty body: everything comes from the bytes DynamoDB sent.
                    var page = ResponseBody.Parse(body);
                    var onDemand = new ResponseBody.ParsedOnDemand(page.Items);
                    int evaluated = page.ScannedCount ?? page.Items.Count;
                    ConnectorActivities.PageRead(span, page.Items.Count, evaluated);
                    double charged = pacer.Settle(permits, page.ConsumedCapacity, evaluated, page.ConsumedCapacity is null ? onDemand.Items : null);
                    return new Response(onDemand, page.Items, page.LastEvaluatedKey, evaluated, charged);
                }
                items ??= [];
                int scanned = scannedCount ?? items.Count;
                ConnectorActivities.PageRead(span, items.Count, scanned);
                double units = pacer.Settle(permits, consumed, scanned, items);
                return new Response(items, json ? FormatJson(items) : null, lastKey, scanned, units);
            }, (error, failures) =>
            {
                // A retried attempt's permits stay spent. Throttled: DynamoDB charged nothing, but the table had no
                // room for these units, so the time they stand for passes before the retry, on top of the backoff.
                // Transient: it may have been charged.
                if (error.Kind == RequestErrorKind.Throttled) OnThrottled(error);
                Log.ReadRetrying(services.Logger, _plan.TableName, error.Reason, failures, RetryPolicy.DelayBefore(_input.Options.Retry, failures, 1));
                return ValueTask.CompletedTask;
            }, services.Tracker, cancellationToken).ConfigureAwait(false);
        }
        catch (RetriesExhaustedException exhausted)
        {
            // Only retryable errors get here: the service's trouble, said as DynamoDbUnavailableException.
            throw DynamoDbUnavailableException.For(services.Client, $"reading {_plan.TableName} {exhausted.Message}", exhausted.LastError.Reason, exhausted.InnerException);
        }
        catch (OperationCanceledException)
        {
            pacer.Refund(permits);
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            pacer.Refund(permits);
            throw new ExportException($"DynamoDB refused to read {_plan.TableName}: {RequestError.Classify(ex, cancellationToken).Reason}", ex);
        }
    }

    /// <summary>The DynamoDB JSON of items a client returned as objects (one buffer for the page).</summary>
    private static List<ReadOnlyMemory<byte>> FormatJson(List<Dictionary<string, AttributeValue>> items)
    {
        using var formatter = new JsonItemFormatter(dynamoDbKeys: true);
        var ends = new int[items.Count];
        for (int i = 0; i < items.Count; i++)
        {
            formatter.WriteMap(items[i]);
            ends[i] = formatter.Length;
        }
        var bytes = formatter.Written.ToArray();
        var json = new List<ReadOnlyMemory<byte>>(items.Count);
        for (int i = 0, start = 0; i < items.Count; start = ends[i++]) json.Add(bytes.AsMemory(start, ends[i] - start));
        return json;
    }

    /// <summary>Awaits a page request, then counts the attempts the SDK client retried on its own within it.</summary>
    private async Task<T> CountingSdkRetriesAsync<T>(Task<T> call, SdkAttempts.Scope sdk)
    {
        bool failed = true;
        try
        {
            var response = await call.ConfigureAwait(false);
            failed = false;
            return response;
        }
        finally
        {
            foreach (var error in sdk.HiddenFailures(failed))
            {
                if (error.Kind == RequestErrorKind.Throttled) OnThrottled(error);
            }
        }
    }

    /// <summary>DynamoDB throttled a page: the shared budget's pacing slows down, and it is counted.</summary>
    private void OnThrottled(RequestError error)
    {
        _input.Pacer.OnThrottled(error.HotKeyRange);
        _input.Counters.OnThrottled();
        _input.Services.Metrics.ReadThrottledRequests.Add(1, _input.TableTag, new("reason", error.Reason.Split(':')[0]));
    }
}
