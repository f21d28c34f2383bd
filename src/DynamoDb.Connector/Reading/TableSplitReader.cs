using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Export;
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
    public async Task<TablePage?> ReadPageAsync(int maxItems = int.MaxValue, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxItems, 1);
        if (Position.Done) return null;
        var (items, lastKey, scanned, units) = await RequestAsync(maxItems, cancellationToken).ConfigureAwait(false);
        Position = Position.Next(lastKey, scanned, items.Count);
        _input.Counters.OnPage(scanned, items.Count, units, Position.Done);
        _input.Services.Metrics.ReadUnitsConsumed.Add(units, _input.TableTag);
        return new TablePage(items, Position, scanned, units);
    }

    /// <summary>Every remaining page of the split, in order (see <see cref="ReadPageAsync"/>).</summary>
    public async IAsyncEnumerable<TablePage> ReadPagesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await ReadPageAsync(cancellationToken: cancellationToken).ConfigureAwait(false) is { } page)
        {
            yield return page;
        }
    }

    private async Task<(List<Dictionary<string, AttributeValue>> Items, Dictionary<string, AttributeValue>? LastKey, int Scanned, double Units)> RequestAsync(int maxItems, CancellationToken cancellationToken)
    {
        var services = _input.Services;
        var pacer = _input.Pacer;
        var retry = _input.Options.Retry;
        var startKey = Position.LastEvaluatedKey;
        int failures = 0;
        long firstAttempt = services.Time.GetTimestamp();
        while (true)
        {
            int limit = pacer.PageLimit(maxItems);
            int permits = pacer.PermitsFor(limit);
            await pacer.AcquireAsync(permits, cancellationToken).ConfigureAwait(false);
            using var attempt = new AttemptDeadline(retry.AttemptTimeout, services.Time, cancellationToken);
            try
            {
                if (_request is ScanRequest scan)
                {
                    scan.Limit = limit;
                    scan.ExclusiveStartKey = startKey;
                    var response = await services.Client.ScanAsync(scan, attempt.Token).ConfigureAwait(false);
                    int scanned = response.ScannedCount ?? response.Items?.Count ?? 0;
                    return (response.Items ?? [], response.LastEvaluatedKey, scanned, pacer.Settle(permits, response.ConsumedCapacity, scanned, response.Items));
                }
                var query = (QueryRequest)_request;
                query.Limit = limit;
                query.ExclusiveStartKey = startKey;
                var answer = await services.Client.QueryAsync(query, attempt.Token).ConfigureAwait(false);
                int evaluated = answer.ScannedCount ?? answer.Items?.Count ?? 0;
                return (answer.Items ?? [], answer.LastEvaluatedKey, evaluated, pacer.Settle(permits, answer.ConsumedCapacity, evaluated, answer.Items));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                var error = attempt.Classify(ex, cancellationToken);
                switch (error.Kind)
                {
                    case WriteErrorKind.Throttled:
                        // Not refunded, though DynamoDB charges nothing: the table had no room for these units, so the
                        // time they stand for passes before the retry, on top of the backoff.
                        pacer.OnThrottled(error.HotKeyRange);
                        _input.Counters.OnThrottled();
                        services.Metrics.ReadThrottledRequests.Add(1, _input.TableTag, new("reason", error.Reason.Split(':')[0]));
                        break;
                    case WriteErrorKind.Transient:
                        break; // it may have been charged: the permits stay spent
                    case WriteErrorKind.Cancelled:
                        pacer.Refund(permits);
                        throw;
                    default:
                        pacer.Refund(permits);
                        throw new ExportException($"DynamoDB refused to read {_plan.TableName}: {error.Reason}", ex);
                }
                failures++;
                bool outOfAttempts = retry.MaxAttempts is { } max && failures >= max;
                bool outOfTime = retry.MaxRetryTime is { } window && services.Time.GetElapsedTime(firstAttempt) >= window;
                if (outOfAttempts || outOfTime)
                {
                    // Only retryable errors get here: the service's trouble, said as DynamoDbUnavailableException.
                    throw DynamoDbUnavailableException.For(services.Client,
                        $"reading {_plan.TableName} failed {failures} times in a row ({(outOfAttempts ? "attempts" : "retry time")} exhausted)", error.Reason, ex);
                }
                var delay = retry.DelayBefore(failures, services.Random());
                Log.ReadRetrying(services.Logger, _plan.TableName, error.Reason, failures, delay);
                await services.Tracker.DelayAsync(delay, services.Time, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
