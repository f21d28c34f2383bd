using System.Collections.Concurrent;
using DynamoDb.Connector.Reading;
using DynamoDb.Connector.Telemetry;
using Microsoft.Extensions.Logging;

namespace DynamoDb.Connector.Export;

/// <summary>
/// One run of an export (or of some of its splits: a segment of a fanned-out export), one way through: each worker
/// takes a split, reads its pages with a <see cref="TableSplitReader"/>, writes their items into an
/// <see cref="ExportPartWriter"/>, commits the part when it is full, at the split's end or when the time budget is
/// spent, and replaces the split's record with its position and parts. The counts come from the
/// table input's counters and the output's committed files.
/// </summary>
internal sealed class ExportRun : IDisposable
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConnectorMetrics _metrics;
    private readonly IProgress<ExportProgress>? _progress;
    private readonly long _startedAt;
    private readonly KeyValuePair<string, object?> _tableTag;
    private readonly Lock _lock = new();
    private readonly long _earlierItems, _earlierScanned;
    private readonly int _earlierSplitsDone;
    private readonly CancellationTokenSource? _deadline;
    private long _lastReportAt;
    private double _lastReportUnits;

    public ExportRun(ExportOptions options, ExportCheckpointJob job, ExportCheckpointState state, ExportCheckpoint checkpoint, TableInput input, ExportOutput output,
        IProgress<ExportProgress>? progress, long startedAt, TimeProvider timeProvider, ILogger logger, ConnectorMetrics metrics, IEnumerable<int>? splits = null)
    {
        Options = options;
        Job = job;
        Plan = job.Plan;
        Checkpoint = checkpoint;
        Input = input;
        Output = output;
        _progress = progress;
        _startedAt = _lastReportAt = startedAt;
        _time = timeProvider;
        _logger = logger;
        _metrics = metrics;
        _tableTag = new("table", Plan.TableName);
        _earlierItems = state.Files.Sum(f => f.ItemCount);
        _earlierScanned = state.Positions.Values.Sum(p => p.ItemsScanned);
        State = state;
        if (options.TimeBudget is { } budget)
        {
            // Fires at the stop point, so that a page waiting for read units past it is given up (its units refunded).
            var stopIn = budget - Margin(budget) - timeProvider.GetElapsedTime(startedAt);
            _deadline = new CancellationTokenSource(stopIn > TimeSpan.Zero ? stopIn : TimeSpan.Zero, timeProvider);
        }
        foreach (int split in splits ?? Enumerable.Range(0, Plan.SplitCount))
        {
            if (state.PositionOf(split).Done) _earlierSplitsDone++;
            else Pending.Enqueue(split);
        }
    }

    public ExportOptions Options { get; }

    public ExportCheckpointJob Job { get; }

    public ExportPlan Plan { get; }

    public ExportCheckpoint Checkpoint { get; }

    public TableInput Input { get; }

    public ExportOutput Output { get; }

    public ConcurrentQueue<int> Pending { get; } = new();

    /// <summary>Splits done, including those an earlier run finished.</summary>
    public int SplitsDone => _earlierSplitsDone + (int)Input.Counters.SplitsDone;

    /// <summary>The latest record of each split this run read (what a time-boxed run hands on).</summary>
    public ConcurrentDictionary<int, ExportSplitRecord> Records { get; } = new();

    /// <summary>Whether the run stopped at its time budget with splits left unread.</summary>
    public bool StoppedAtBudget { get; private set; }

    private ExportCheckpointState State { get; }

    /// <summary>
    /// Whether the time budget is spent: past it less a margin for committing what the parts hold (a tenth of the
    /// budget, at most 10 s). A run reads at least one page, so that every continuation gets somewhere.
    /// </summary>
    private bool BudgetSpent() =>
        Options.TimeBudget is { } budget && Input.Counters.Pages > 0 && _time.GetElapsedTime(_startedAt) >= budget - Margin(budget);

    private static TimeSpan Margin(TimeSpan budget) => TimeSpan.FromTicks(Math.Min(budget.Ticks / 10, TimeSpan.FromSeconds(10).Ticks));

    /// <summary>Reads the next page; null when the time budget stopped it (then nothing of the page was read).</summary>
    private async Task<TablePage?> ReadPageAsync(TableSplitReader reader, int room, CancellationToken token)
    {
        // The first page of a run is never given up: each continuation gets further, however short its budget.
        if (_deadline is null || Input.Counters.Pages == 0) return await ReadAsync(reader, room, token).ConfigureAwait(false);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, _deadline.Token);
        try
        {
            return await ReadAsync(reader, room, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_deadline.IsCancellationRequested && !token.IsCancellationRequested)
        {
            return null;
        }
    }

    // ddb-json and data-pipeline lines hold each item as DynamoDB sent it: the page's JSON is copied into the part, never made objects.
    private Task<TablePage?> ReadAsync(TableSplitReader reader, int room, CancellationToken token) =>
        JsonLines.Writes(Job.Format) ? reader.ReadJsonPageAsync(room, token) : reader.ReadPageAsync(room, token);

    /// <inheritdoc />
    public void Dispose() => _deadline?.Dispose();

    /// <summary>
    /// One worker: splits from <see cref="Pending"/> until none is left (or the time budget is spent). A part holds
    /// the items of one split, and after each commit the split's record (its position and parts) replaces the last
    /// one. Failing, it stops the others.
    /// </summary>
    public async Task RunWorkerAsync(CancellationTokenSource stop)
    {
        ExportPartWriter? part = null;
        var token = stop.Token;
        try
        {
            while (!StoppedAtBudget && Pending.TryDequeue(out int split))
            {
                using var span = ConnectorActivities.StartExportSplit(Plan.TableName, split);
                var record = State.RecordOf(split);
                var reader = Input.OpenReader(Plan, split, record.Position);
                var position = record.Position;
                while (!reader.Done)
                {
                    token.ThrowIfCancellationRequested();
                    if (BudgetSpent())
                    {
                        StoppedAtBudget = true;
                        break;
                    }
                    // A page never holds more than the part has room for: a part ends at a page's end, where a position is.
                    int room = Options.ItemsPerFile - (int)(part?.ItemCount ?? 0);
                    var page = await ReadPageAsync(reader, room, token).ConfigureAwait(false);
                    if (page is null)
                    {
                        StoppedAtBudget = !reader.Done;
                        break;
                    }
                    if (page.Items.Count > 0)
                    {
                        part ??= await Output.CreatePartNamedAsync(Job.PartId(split, record.Files.Count), token).ConfigureAwait(false);
                        if (page.ItemsJson is { } json)
                        {
                            foreach (var item in json) await part.WriteDynamoDbJsonAsync(item, token).ConfigureAwait(false);
                        }
                        else
                        {
                            foreach (var item in page.Items) await part.WriteAsync(item, token).ConfigureAwait(false);
                        }
                        _metrics.ItemsExported.Add(page.Items.Count, _tableTag);
                    }
                    position = page.Position;
                    if (part is not null && part.ItemCount >= Options.ItemsPerFile)
                    {
                        record = await CommitAsync(part, record, position).ConfigureAwait(false);
                        part = null;
                    }
                }
                ConnectorActivities.ExportSplitFinished(span, reader.Position.ItemsReturned, reader.Position.ItemsScanned);
                if (part is not null)
                {
                    record = await CommitAsync(part, record, position).ConfigureAwait(false);
                    part = null;
                }
                else if (position != record.Position)
                {
                    // Nothing left to write for what was read: record the split's position without a new file.
                    record = await RecordAsync(new ExportSplitRecord { Position = position, Files = record.Files }).ConfigureAwait(false);
                }
                Records[split] = record;
            }
        }
        catch
        {
            stop.Cancel(); // one worker failing stops the others: the export resumes from the checkpoint
            throw;
        }
        finally
        {
            if (part is not null) await part.DisposeAsync().ConfigureAwait(false); // aborts: nothing becomes visible
        }
    }

    /// <summary>Progress now; the rate is over the last report's interval, or for the <paramref name="final"/> report over the whole run (a last, short interval would overstate it).</summary>
    public ExportProgress Snapshot(bool final = false)
    {
        long now = _time.GetTimestamp();
        var counters = Input.Counters;
        double units = counters.ConsumedCapacityUnits, rate;
        lock (_lock)
        {
            double seconds = _time.GetElapsedTime(final ? _startedAt : _lastReportAt, now).TotalSeconds;
            rate = seconds > 0 ? (units - (final ? 0 : _lastReportUnits)) / seconds : 0;
        }
        var files = Output.Files;
        return new ExportProgress
        {
            ItemsExported = _earlierItems + counters.ItemsReturned,
            ItemsScanned = _earlierScanned + counters.ItemsScanned,
            FilesCommitted = files.Count,
            BytesCommitted = files.Sum(f => f.Bytes),
            ConsumedCapacityUnits = units,
            ReadUnitsPerSecond = rate,
            BudgetReadUnitsPerSecond = Input.PacingReadUnitsPerSecond,
            ThrottledRequests = counters.ThrottledRequests,
            TableItemCount = Plan.IsQuery ? null : Plan.TableItemCount,
            SplitsCompleted = SplitsDone,
            Splits = Plan.SplitCount,
            Elapsed = _time.GetElapsedTime(_startedAt, now),
        };
    }

    /// <summary>Reports progress (the progress timer calls this every interval).</summary>
    public void ReportProgress()
    {
        var snapshot = Snapshot();
        lock (_lock)
        {
            _lastReportAt = _time.GetTimestamp();
            _lastReportUnits = snapshot.ConsumedCapacityUnits;
        }
        _progress?.Report(snapshot);
        Log.ExportProgressed(_logger, Plan.TableName, snapshot.ItemsExported, snapshot.ItemsScanned, snapshot.Fraction * 100, snapshot.ReadUnitsPerSecond, snapshot.BudgetReadUnitsPerSecond, snapshot.FilesCommitted);
    }

    // A commit and its record are not cancellable: cancelling stops the reading, and a file being committed finishes
    // and is recorded (both are short), so a cancelled export leaves no half-written object nor an unrecorded file.
    private async Task<ExportSplitRecord> CommitAsync(ExportPartWriter part, ExportSplitRecord record, TableSplitPosition position)
    {
        var file = await Output.CommitAsync(part, CancellationToken.None).ConfigureAwait(false);
        var next = await RecordAsync(new ExportSplitRecord { Position = position, Files = [.. record.Files.Where(f => f.Name != file.Name), file] }).ConfigureAwait(false);
        _metrics.ExportFilesCommitted.Add(1, _tableTag);
        _metrics.ExportBytesWritten.Add(file.Bytes, _tableTag);
        Log.PartCommitted(_logger, Plan.TableName, file.Url, file.ItemCount, file.Bytes);
        return next;
    }

    private async Task<ExportSplitRecord> RecordAsync(ExportSplitRecord record)
    {
        await Checkpoint.RecordAsync(record, CancellationToken.None).ConfigureAwait(false);
        return record;
    }
}
