using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Cli.Report;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Lines;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DynamoDb.Connector.Cli.Commands;

/// <summary>
/// <c>export</c>: exports a table (an index, or what a key condition selects) to part files and a manifest in S3 or a
/// local folder, with <see cref="ExportJob"/>: paced in read capacity units, resumable from its checkpoint, the manifest
/// written last. Shows progress on stderr; the summary (or the <c>--json</c> object) goes to stdout.
/// </summary>
internal static partial class ExportCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var shared = new ExportCommandOptions();
        var workers = CliOptions.Number("--workers", $"Segments (or queries) read at the same time, 1 to {ExportOptions.WorkersLimit:N0}. Default 8.", 1, ExportOptions.WorkersLimit);
        var json = CliOptions.Json();
        var report = RunReport.Option();
        var parquetSchema = ParquetCli.SchemaOption();
        var command = new Command("export", "Export a table (an index, or what a key condition selects) to files in S3 or a local folder, paced in read capacity and resumable.");
        shared.AddTo(command);
        command.Options.Add(workers);
        command.Options.Add(json);
        command.Options.Add(report);
        command.Options.Add(parquetSchema);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = shared.Bind(parse, o =>
            {
                if (parse.GetValue(workers) is { } workerCount) o.MaxWorkers = workerCount;
            });

            if (options.EffectiveFormat == ItemFileFormat.Json)
            {
                await stderr.WriteLineAsync($"Note: {ItemFileFormatNames.JsonLosses}.").ConfigureAwait(false);
            }
            var parquet = await ParquetCli.LoadAsync(parse.GetValue(parquetSchema), cancellationToken).ConfigureAwait(false);
            if (parquet is not null && options.EffectiveFormat != ItemFileFormat.Parquet)
            {
                throw new CliUsageException("--parquet-schema gives the columns of a Parquet export: use it with --format parquet.");
            }
            if (options.EffectiveFormat == ItemFileFormat.Parquet)
            {
                await stderr.WriteLineAsync($"Note: {ItemFileFormatNames.ParquetLosses}.").ConfigureAwait(false);
                options.Parquet = ParquetCli.WriterOptions(stderr, parquet);
            }
            using var services = CliServices.Create();
            var job = services.GetRequiredService<ExportJob>();
            using var recorder = RunReport.StartRecording(parse.GetValue(report), options.TableName);
            // Failures and Ctrl-C end in ConnectorCommandLine, which says what to do at the command line.
            var result = await ProgressDisplay.RunAsync(stderr, $"export {options.TableName}",
                progress => job.RunAsync(options, new ExportProgressAdapter(progress), cancellationToken), cancellationToken).ConfigureAwait(false);
            if (recorder is not null) await RunReport.WriteExportAsync(parse.GetValue(report)!, recorder, options, result, cancellationToken).ConfigureAwait(false);

            if (parse.GetValue(json))
            {
                await stdout.WriteLineAsync(JsonSerializer.Serialize(new
                {
                    table = result.TableName,
                    index = result.IndexName,
                    destination = ExportManifestOutputFormat.AbsoluteDestination(options.Destination),
                    manifest = result.ManifestUri,
                    itemsExported = result.ItemsExported,
                    files = result.Files,
                    bytes = result.Bytes,
                    consumedCapacityUnits = Math.Round(result.ConsumedCapacityUnits, 1),
                    throttledRequests = result.ThrottledRequests,
                    itemsScanned = result.ItemsScanned,
                    splits = result.Splits,
                    resumed = result.Resumed,
                    itemsFromEarlierRuns = result.ItemsFromEarlierRuns,
                    elapsedSeconds = Math.Round(result.ElapsedSeconds, 3),
                })).ConfigureAwait(false);
            }
            else
            {
                await stdout.WriteLineAsync($"items:       {result.ItemsExported:N0}{(result.Resumed ? $" ({result.ItemsFromEarlierRuns:N0} from earlier runs: resumed)" : "")}").ConfigureAwait(false);
                await stdout.WriteLineAsync($"files:       {result.Files:N0} ({EstimateCommand.Bytes(result.Bytes)})").ConfigureAwait(false);
                await stdout.WriteLineAsync($"read units:  {result.ConsumedCapacityUnits:N1} RCU, {result.ThrottledRequests:N0} throttled requests").ConfigureAwait(false);
                await stdout.WriteLineAsync($"elapsed:     {EstimateCommand.Duration(result.ElapsedSeconds)}").ConfigureAwait(false);
                await stdout.WriteLineAsync($"manifest:    {result.ManifestUri}").ConfigureAwait(false);
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The status text of an export's progress: items, read rate, throttles and an ETA when the fraction says.</summary>
    internal static ProgressLine ToProgressLine(ExportProgress progress)
    {
        double fraction = progress.Fraction;
        string eta = fraction is > 0.001 and < 1
            ? $" · ETA {ProgressDisplay.Clock(progress.Elapsed * ((1 - fraction) / fraction))}"
            : "";
        string status = string.Create(CultureInfo.InvariantCulture,
            $"{progress.ItemsExported:N0} items · {progress.FilesCommitted:N0} files · {progress.ReadUnitsPerSecond:N0} RCU/s · {progress.ThrottledRequests:N0} throttled · {progress.SplitsCompleted:N0}/{progress.Splits:N0} splits{eta}");
        // Items read against the table's approximate count for a scan; splits done for queries (no count applies);
        // no total (an indeterminate bar) for a single split without a count, where a percentage would sit at 0 until the end.
        if (progress.TableItemCount is > 0 and var count) return new ProgressLine(progress.ItemsScanned, count, status);
        return progress.Splits > 1
            ? new ProgressLine(progress.SplitsCompleted, progress.Splits, status)
            : new ProgressLine(progress.ItemsScanned, null, status);
    }

    private sealed class ExportProgressAdapter(IProgress<ProgressLine> display) : IProgress<ExportProgress>
    {
        public void Report(ExportProgress value) => display.Report(ToProgressLine(value));
    }

    /// <summary>The options' property names in a validation message, as the command line spells them.</summary>
    internal static string InOptionNames(string problem) => PropertyName().Replace(problem, m => OptionNames[m.Value]);

    private static readonly Dictionary<string, string> OptionNames = new(StringComparer.Ordinal)
    {
        ["TableName"] = "--table",
        ["Destination"] = "--destination",
        ["Format"] = "--format",
        ["Compression"] = "--compression",
        ["Layout"] = "--layout",
        ["ItemsPerFile"] = "--items-per-file",
        ["IndexName"] = "--index",
        ["KeyConditionExpression"] = "--key-condition",
        ["FilterExpression"] = "--filter",
        ["ProjectionExpression"] = "--projection",
        ["ExpressionAttributeNames"] = "--names",
        ["ExpressionAttributeValues"] = "--values",
        ["TotalSegments"] = "--segments",
        ["MaxWorkers"] = "--workers",
        ["CheckpointUri"] = "--checkpoint",
        ["Throughput.ReadPercent"] = "--read-percent",
        ["Throughput.ReadUnitsPerSecond"] = "--read-capacity",
    };

    [GeneratedRegex(@"\b(Throughput\.ReadPercent|Throughput\.ReadUnitsPerSecond|TableName|Destination|Format|Compression|Layout|ItemsPerFile|IndexName|KeyConditionExpression|FilterExpression|ProjectionExpression|ExpressionAttributeNames|ExpressionAttributeValues|TotalSegments|MaxWorkers|CheckpointUri)\b")]
    private static partial Regex PropertyName();
}
