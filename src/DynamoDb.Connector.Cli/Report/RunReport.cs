using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Import;

namespace DynamoDb.Connector.Cli.Report;

/// <summary>
/// <c>--report &lt;file.html&gt;</c>: one self-contained HTML page about a finished import or export (its data, CSS,
/// script and charts inline; nothing fetched when it is viewed), built from the run's own telemetry
/// (<see cref="RunRecorder"/>) and its result. The figures carry the names of the <c>--json</c> output's fields.
/// </summary>
internal static class RunReport
{
    private const string DataPlaceholder = "/*REPORT_DATA*/";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The option, checked while parsing: the folder it names must exist, so a long run does not end without its report.</summary>
    public static Option<FileInfo?> Option()
    {
        var option = new Option<FileInfo?>("--report")
        {
            Description = "Write a report of the finished run to this HTML file: capacity used against the budget per second, throttling and retries, items per split, dead letters, the plan and the summary. One self-contained page.",
            HelpName = "file.html",
        };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<FileInfo?>() is not { } file) return;
            if (file.Directory is { Exists: false } folder) r.AddError($"--report {file}: the folder {folder.FullName} does not exist.");
            else if (Directory.Exists(file.FullName)) r.AddError($"--report {file} is a folder; give a file name such as report.html.");
        });
        return option;
    }

    /// <summary>Starts recording when a report was asked for; null otherwise (nothing listens, nothing is spent).</summary>
    public static RunRecorder? StartRecording(FileInfo? report, string table) => report is null ? null : new RunRecorder(table);

    public static Task WriteImportAsync(FileInfo file, RunRecorder recorder, string table, ImportResult result, CancellationToken cancellationToken)
    {
        var plan = result.Plan;
        var data = new ReportData("import", table, "WCU", recorder.StartedAt, recorder.Finish(),
        [
            new("source", "Source", plan.Source),
            new("format", "Format", $"{plan.Format.ToName()} ({plan.FormatReason})"),
            new("verified", "Verified against its manifest", plan.Verified ? "yes" : "no"),
            new("ordering", "Order", $"{plan.Ordering} ({plan.OrderingReason})"),
            new("splits", "Splits", plan.Splits.Count),
            new("files", "Files", plan.FileCount),
            new("bytes", "Bytes", plan.TotalBytes),
            new("deadLetters", "Dead letters kept in", result.DeadLetterUri ?? "(not kept)"),
        ],
        [
            new("itemsRead", "Items read", result.ItemsRead),
            new("itemsWritten", "Items written", result.ItemsWritten),
            new("itemsDeleted", "Items deleted", result.ItemsDeleted),
            new("itemsDeadLettered", "Set aside (dead letters)", result.ItemsDeadLettered),
            new("badLines", "Of which unreadable lines", result.BadLines),
            new("itemsDeduplicated", "Deduplicated", result.ItemsDeduplicated),
            new("itemsSkippedByCondition", "Skipped by the condition", result.ItemsSkippedByCondition),
            new("consumedCapacityUnits", "Write units consumed", Math.Round(result.ConsumedCapacityUnits, 1)),
            new("throttledRequests", "Throttled requests", result.ThrottledRequests),
            new("retries", "Retries", result.Retries),
            new("splitsRun", "Splits run", result.SplitsRun),
            new("splitsSkipped", "Splits already done", result.SplitsSkipped),
            new("elapsedSeconds", "Elapsed seconds", Math.Round(result.Elapsed.TotalSeconds, 2)),
        ]);
        return WriteAsync(file, data, cancellationToken);
    }

    public static Task WriteExportAsync(FileInfo file, RunRecorder recorder, ExportOptions options, ExportResult result, CancellationToken cancellationToken)
    {
        var data = new ReportData("export", result.TableName, "RCU", recorder.StartedAt, recorder.Finish(),
        [
            new("table", "Table", result.TableName),
            new("index", "Index", result.IndexName ?? "(the table)"),
            new("read", "Read with", options.KeyConditionExpression is null ? "Scan" : "Query"),
            new("destination", "Destination", ExportManifestOutputFormat.AbsoluteDestination(options.Destination)),
            new("manifest", "Manifest", result.ManifestUri),
            new("resumed", "Resumed", result.Resumed ? "yes" : "no"),
        ],
        [
            new("itemsExported", "Items exported", result.ItemsExported),
            new("itemsFromEarlierRuns", "Of which from earlier runs", result.ItemsFromEarlierRuns),
            new("itemsScanned", "Items scanned", result.ItemsScanned),
            new("files", "Files", result.Files),
            new("bytes", "Bytes", result.Bytes),
            new("consumedCapacityUnits", "Read units consumed", Math.Round(result.ConsumedCapacityUnits, 1)),
            new("throttledRequests", "Throttled requests", result.ThrottledRequests),
            new("splits", "Splits", result.Splits),
            new("elapsedSeconds", "Elapsed seconds", Math.Round(result.ElapsedSeconds, 3)),
        ]);
        return WriteAsync(file, data, cancellationToken);
    }

    /// <summary>The page: the template with the run's data inlined as JSON (its &lt; and &gt; escaped, so no value can end the script).</summary>
    internal static string Render(ReportData data)
    {
        string json = JsonSerializer.Serialize(data, Json);
        return Template.Value.Replace(DataPlaceholder, json, StringComparison.Ordinal);
    }

    private static async Task WriteAsync(FileInfo file, ReportData data, CancellationToken cancellationToken)
    {
        // Written aside, then moved: a viewer never sees half a page.
        string partial = file.FullName + ".partial";
        await File.WriteAllTextAsync(partial, Render(data), cancellationToken).ConfigureAwait(false);
        File.Move(partial, file.FullName, overwrite: true);
    }

    private static readonly Lazy<string> Template = new(() =>
    {
        using var stream = typeof(RunReport).Assembly.GetManifestResourceStream("DynamoDb.Connector.Cli.Report.RunReport.html")
            ?? throw new InvalidOperationException("The report template is missing from the tool's assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });
}

/// <summary>What the page shows (serialized into it as JSON, camelCase).</summary>
internal sealed record ReportData(string Kind, string Table, string Unit, DateTimeOffset Started, RunRecording Recording, IReadOnlyList<Figure> Plan, IReadOnlyList<Figure> Summary);

/// <summary>One figure of the plan or the summary: its <c>--json</c> name, its label and its value (a number or text).</summary>
internal sealed record Figure(string Key, string Label, object Value);
