using System.Collections.Concurrent;
using DynamoDb.Connector.Reading;
using DynamoDb.Connector.Telemetry;
using Microsoft.Extensions.Logging;

namespace DynamoDb.Connector.Export;

/// <summary>
/// One run of an export, one way through: each worker takes a split, reads its pages with a
/// <see cref="TableSplitReader"/>, writes their items into an <see cref="ExportPartWriter"/>, commits the part when it
/// is full and records the part with the positions of the splits whose items it holds. The counts come from the
/// table input's counters and the output's committed files.
/// </summary>
internal sealed class ExportRun
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
    private long _lastReportAt;
    private double _lastReportUnits;

    public ExportRun(ExportOptions options, ExportPlan plan, ExportCheckpointState state, ExportCheckpoint checkpoint, TableInput input, ExportOutput output,
        IProgress<ExportProgress>? progress, long startedAt, TimeProvider timeProvider, ILogger logger, ConnectorMetrics metrics)
    {
        Options = options;
        Plan = plan;
        Checkpoint = checkpoint;
        Input = input;
        Output = output;
        _progress = progress;
        _startedAt = _lastReportAt = startedAt;
        _time = timeProvider;
        _logger = logger;
        _metrics = metrics;
        _tableTag = new("table", plan.TableName);
        _earlierItems = state.Files.Sum(f => f.ItemCount);
        _earlierScanned = state.Positions.Values.Sum(p => p.ItemsScanned);
        State = state;
        for (int split = 0; split < plan.SplitCount; split++)
        {
            if (state.PositionOf(split).Done) _earlierSplitsDone++;
            else Pending.Enqueue(split);
        }
    }

    public ExportOptions Options { get; }

    public ExportPlan Plan { get; }

    public ExportCheckpoint Checkpoint { get; }

    public TableInput Input { get; }

    public ExportOutput Output { get; }

    public ConcurrentQueue<int> Pending { get; } = new();

    /// <summary>Splits done, including those an earlier run finished.</summary>
    public int SplitsDone => _earlierSplitsDone + (int)Input.Counters.SplitsDone;

    private ExportCheckpointState State { get; }

    /// <summary>One worker: splits from <see cref="Pending"/> until none is left. Failing, it stops the others.</summary>
    public async Task RunWorkerAsync(CancellationTokenSource stop)
    {
        ExportPartWriter? part = null;
        var positions = new Dictionary<int, TableSplitPosition>();
        var token = stop.Token;
        try
        {
            while (Pending.TryDequeue(out int split))
            {
                var reader = Input.OpenReader(Plan, split, State.PositionOf(split));
                while (!reader.Done)
                {
                    token.ThrowIfCancellationRequested();
                    // A page never holds more than the part has room for: a part ends at a page's end, where a position is.
                    int room = Options.ItemsPerFile - (int)(part?.ItemCount ?? 0);
                    var page = await reader.ReadPageAsync(room, token).ConfigureAwait(false);
                    if (page is null) break;
                    if (page.Items.Count > 0)
                    {
                        part ??= await Output.CreatePartAsync(token).ConfigureAwait(false);
                        foreach (var item in page.Items)
                        {
                            await part.WriteAsync(item, token).ConfigureAwait(false);
                        }
                        _metrics.ItemsExported.Add(page.Items.Count, _tableTag);
                    }
                    positions[split] = page.Position;
                    if (part is not null && part.ItemCount >= Options.ItemsPerFile)
                    {
                        await CommitAsync(part, positions).ConfigureAwait(false);
                        part = null;
                    }
                }
                if (part is null && positions.Count > 0)
                {
                    // Nothing left to write for what this worker read: record the splits' ends without a file.
                    await RecordAsync(null, positions).ConfigureAwait(false);
                }
            }
            if (part is not null)
            {
                await CommitAsync(part, positions).ConfigureAwait(false);
                part = null;
            }
            else if (positions.Count > 0)
            {
                await RecordAsync(null, positions).ConfigureAwait(false);
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
    private async Task CommitAsync(ExportPartWriter part, Dictionary<int, TableSplitPosition> positions)
    {
        var file = await Output.CommitAsync(part, CancellationToken.None).ConfigureAwait(false);
        await RecordAsync(file, positions).ConfigureAwait(false);
        _metrics.ExportFilesCommitted.Add(1, _tableTag);
        _metrics.ExportBytesWritten.Add(file.Bytes, _tableTag);
        Log.PartCommitted(_logger, Plan.TableName, file.Url, file.ItemCount, file.Bytes);
    }

    private async Task RecordAsync(ExportPartFile? file, Dictionary<int, TableSplitPosition> positions)
    {
        await Checkpoint.RecordAsync(new ExportCheckpointPart { File = file, Splits = [.. positions.Values] }, CancellationToken.None).ConfigureAwait(false);
        positions.Clear();
    }
}
