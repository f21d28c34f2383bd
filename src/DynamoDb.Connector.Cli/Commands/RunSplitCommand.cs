using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoDb.Connector.Cli.Commands;

/// <summary>
/// <c>run-split</c>: runs one split written by <c>plan --out</c>, for an import fanned out over processes (containers,
/// Lambda invocations). Processes running at once share the table's budget with <c>--processes N</c>. With
/// <c>--time-budget</c> it stops in time and hands on the continuation (with <c>--json</c>, a
/// <see cref="SplitRunSummary"/>: the one object on stdout); <c>run-split --split &lt;continuation&gt;</c> goes on.
/// </summary>
internal static class RunSplitCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        var split = new Option<string>("--split") { Description = "The split document: a file from plan --out, a file:// or s3:// uri, or - to read it from stdin; or the continuation a time-boxed run printed.", Required = true };
        var processes = CliOptions.Number("--processes", "How many run-split processes write to the table at once: each takes 1/N of its budget, 1 to 100,000. Default 1.", 1, 100_000, 1);
        var timeBudget = TimeBudget();
        var shared = new ImportCommandOptions();
        var command = new Command("run-split", "Run one split of a planned import (see plan --out): for fanning an import out over processes.") { split, processes, timeBudget };
        shared.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var services = CliServices.Create();
            string uri = parse.GetRequiredValue(split);
            SplitDocument document;
            if (uri != "-") document = await SplitDocument.ReadAsync(services.GetRequiredService<ObjectStores>(), uri, cancellationToken).ConfigureAwait(false);
            else
            {
                try
                {
                    document = SplitDocument.Parse(await stdin.ReadToEndAsync(cancellationToken).ConfigureAwait(false));
                }
                catch (FormatException e)
                {
                    throw new FormatException($"stdin: {e.Message}", e);
                }
            }
            var options = await shared.BindAsync(parse, cancellationToken).ConfigureAwait(false);
            options.Writer.Throughput.ProcessShare = 1.0 / parse.GetValue(processes);
            options.TimeBudget = parse.GetValue(timeBudget);
            await shared.PrepareTableAsync(parse, services, stderr, cancellationToken).ConfigureAwait(false);
            var job = services.GetRequiredService<ImportJob>();
            return await shared.RunAsync(parse, options, async o =>
            {
                var result = await job.RunSplitAsync(document, o, cancellationToken).ConfigureAwait(false);
                // Not an error: the continuation goes on. Said on stderr, so that stdout keeps the one result.
                if (!result.Done && !parse.GetValue(shared.Json))
                {
                    string written = result.ItemsAbandoned == 0 ? "what was read is written"
                        : string.Create(CultureInfo.InvariantCulture, $"the table was too slow for the flush: {result.ItemsAbandoned} records read after the stored position were given up and are written again by the continuation");
                    await stderr.WriteLineAsync($"Stopped by --time-budget before the split's end; {written}. Go on with --split <this continuation>: {result.Continuation?.ToJson()}").ConfigureAwait(false);
                }
                return result;
            }, stdout, stderr, cancellationToken, r => SplitRunSummary.From(r).ToJson()).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary><c>--time-budget</c>: a duration such as <c>30s</c>, <c>500ms</c>, <c>10m</c>, <c>1h</c> or <c>00:14:30</c>.</summary>
    internal static Option<TimeSpan?> TimeBudget() => new("--time-budget")
    {
        Description = "Stop before this much time has passed (e.g. 30s, 14m, 1h, 00:14:30; at most 7 days), having written what was read, and hand on the continuation: the split document to run next. Default: no limit.",
        HelpName = "duration",
        CustomParser = result => ParseDuration(result, "--time-budget"),
    };

    private static TimeSpan? ParseDuration(ArgumentResult result, string name)
    {
        string text = result.Tokens.Count == 0 ? "" : result.Tokens[0].Value.Trim();
        if (TryParseDuration(text, out var duration) && duration > TimeSpan.Zero && duration <= TimeSpan.FromDays(7)) return duration;
        result.AddError($"{name}: '{text}' is not a duration of more than 0 and at most 7 days (e.g. 30s, 500ms, 14m, 1h, 00:14:30).");
        return null;
    }

    /// <summary>A number with a unit (ms, s, m, h, d; seconds without one), or a time span as hh:mm:ss.</summary>
    internal static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        if (text.Contains(':', StringComparison.Ordinal)) return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration);
        (string unit, double seconds)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)];
        // "ms" before "s" and "m", which it ends with and starts with.
        foreach (var (unit, seconds) in units)
        {
            if (text.EndsWith(unit, StringComparison.OrdinalIgnoreCase)) return TryParseSeconds(text[..^unit.Length], seconds, out duration);
        }
        return TryParseSeconds(text, 1, out duration);
    }

    private static bool TryParseSeconds(string number, double unitSeconds, out TimeSpan duration)
    {
        duration = default;
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value) || value * unitSeconds > TimeSpan.MaxValue.TotalSeconds) return false;
        duration = TimeSpan.FromSeconds(value * unitSeconds);
        return true;
    }
}
