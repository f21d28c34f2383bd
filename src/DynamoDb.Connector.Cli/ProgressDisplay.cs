using System.Globalization;
using System.Runtime.CompilerServices;
using Spectre.Console;

namespace DynamoDb.Connector.Cli;

/// <summary>One progress snapshot of a running verb.</summary>
/// <param name="Value">How far the job is, in the verb's unit (export: items read; import: bytes read).</param>
/// <param name="Total">The <paramref name="Value"/> the job ends at, when known (export: the table's approximate item count; import: total bytes); null draws an indeterminate bar.</param>
/// <param name="Status">A short text shown beside the bar, e.g. <c>12,345 items · 812 RCU/s · 0 throttled · ETA 00:01:12</c>.</param>
internal readonly record struct ProgressLine(double Value, double? Total, string Status);

/// <summary>
/// Shows a verb's progress on stderr while it runs: a live Spectre.Console bar when stderr is a terminal, otherwise
/// (redirected, CI logs, tests) one plain line every <see cref="PlainInterval"/>, and none for a job that ends sooner.
/// Results stay on stdout, untouched.
/// </summary>
internal static class ProgressDisplay
{
    /// <summary>How often the plain (non-terminal) display writes a line: 10 s.</summary>
    public static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Runs <paramref name="work"/>, showing what it reports. A live bar when <paramref name="stderr"/> is the
    /// process's stderr on a terminal, plain lines otherwise.
    /// </summary>
    /// <param name="stderr">Where progress goes (never stdout).</param>
    /// <param name="title">What runs, e.g. <c>export my-table</c>.</param>
    /// <param name="work">The job; it reports through the <see cref="IProgress{T}"/> it is given, from any thread.</param>
    /// <param name="cancellationToken">Stops the display's own waiting (the job takes its token itself).</param>
    public static Task<T> RunAsync<T>(TextWriter stderr, string title, Func<IProgress<ProgressLine>, Task<T>> work, CancellationToken cancellationToken) =>
        IsTerminal(stderr)
            ? RunLiveAsync(title, work)
            : RunPlainAsync(stderr, title, work, TimeProvider.System, cancellationToken);

    /// <summary>Whether <paramref name="stderr"/> is the process's stderr on a terminal (so it can redraw a bar).</summary>
    internal static bool IsTerminal(TextWriter stderr) => ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected;

    /// <summary>The non-terminal display: the latest report as one line every <see cref="PlainInterval"/> of <paramref name="time"/>.</summary>
    internal static async Task<T> RunPlainAsync<T>(TextWriter stderr, string title, Func<IProgress<ProgressLine>, Task<T>> work, TimeProvider time, CancellationToken cancellationToken)
    {
        var sink = new LatestLine();
        var writeLock = new Lock();
        bool done = false;
        long startedAt = time.GetTimestamp();
        var timer = time.CreateTimer(_ =>
        {
            // Under the lock, so no line is written after the job's own output (summary, errors) begins.
            lock (writeLock)
            {
                if (!done) stderr.WriteLine(FormatPlain(title, sink.Latest, time.GetElapsedTime(startedAt)));
            }
        }, null, PlainInterval, PlainInterval);
        await using (timer.ConfigureAwait(false))
        {
            try
            {
                cancellationToken.ThrowIfCancellationRequested();
                return await work(sink).ConfigureAwait(false);
            }
            finally
            {
                lock (writeLock) done = true;
            }
        }
    }

    /// <summary>The plain line: <c>title: 24.7% · status (elapsed 00:00:10)</c>; the percentage only when there is a total.</summary>
    internal static string FormatPlain(string title, ProgressLine? line, TimeSpan elapsed)
    {
        string elapsedText = $"elapsed {Clock(elapsed)}";
        if (line is not { } current) return $"{title}: starting ({elapsedText})";
        string percent = current.Total is > 0 and var total
            ? string.Create(CultureInfo.InvariantCulture, $"{Math.Min(100, current.Value / total * 100):0.0}% · ")
            : "";
        return $"{title}: {percent}{current.Status} ({elapsedText})";
    }

    /// <summary>A duration as <c>hh:mm:ss</c> (hours beyond 99 keep growing), for status texts and ETAs.</summary>
    internal static string Clock(TimeSpan span)
    {
        long seconds = Math.Max(0, (long)Math.Round(span.TotalSeconds));
        return string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600:00}:{seconds / 60 % 60:00}:{seconds % 60:00}");
    }

    private static async Task<T> RunLiveAsync<T>(string title, Func<IProgress<ProgressLine>, Task<T>> work)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(title), autoStart: true, maxValue: 1);
                task.IsIndeterminate = true;
                var result = await work(new LiveLine(task, title)).ConfigureAwait(false);
                task.IsIndeterminate = false;
                task.Value = task.MaxValue;
                task.StopTask();
                return result;
            }).ConfigureAwait(false);
    }

    /// <summary>Keeps the latest report; the plain display reads it when its timer fires.</summary>
    private sealed class LatestLine : IProgress<ProgressLine>
    {
        private StrongBox<ProgressLine>? _latest;

        public ProgressLine? Latest => Volatile.Read(ref _latest)?.Value;

        public void Report(ProgressLine value) => Volatile.Write(ref _latest, new StrongBox<ProgressLine>(value));
    }

    /// <summary>Moves the live bar (Spectre's tasks are safe to update from any thread; the display redraws on its own).</summary>
    private sealed class LiveLine(ProgressTask task, string title) : IProgress<ProgressLine>
    {
        public void Report(ProgressLine value)
        {
            task.Description = Markup.Escape($"{title}: {value.Status}");
            if (value.Total is > 0 and var total)
            {
                // An approximate total can be passed (DynamoDB's item count is hours old): the bar stays full, never overflows.
                task.MaxValue = Math.Max(total, value.Value);
                task.IsIndeterminate = false;
            }
            task.Value = value.Value;
        }
    }
}
