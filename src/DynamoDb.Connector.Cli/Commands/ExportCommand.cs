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
        var table = new Option<string>("--table") { Description = "The table to export.", Required = true };
        var destination = CliOptions.Destination("The export folder: s3://bucket/prefix/, file:///path/ or a local path. Refused when it already holds a complete export, unless --overwrite.");
        var format = CliOptions.Format(description: "The line format: data-pipeline (EMR, the default), ddb-json (the native layout's only one) or json (plain objects: sets become arrays, binary base64).");
        format.HelpName = "data-pipeline|ddb-json|json";
        // Not CliOptions.Compression(): without --compression the layout chooses (none for emr, gzip for native).
        var compression = new Option<CompressionKind?>("--compression")
        {
            Description = "Compression of the part files: none (the emr layout's default), gzip (the native layout's only one) or zstd.",
            HelpName = "none|gzip|zstd",
            CustomParser = r =>
            {
                string value = r.Tokens[0].Value;
                if (CompressionKindNames.TryParse(value, out var kind)) return kind;
                r.AddError($"Unknown compression '{value}'. Use one of: {string.Join(", ", CompressionKindNames.All)}.");
                return null;
            },
        };
        var readPercent = CliOptions.Number("--read-percent",
            $"The share of the table's read capacity to use, as EMR's dynamodb.throughput.read.percent: 0.5 (the default) is half; {ReadThroughputOptions.MinReadPercent} to {ReadThroughputOptions.MaxReadPercent}.",
            ReadThroughputOptions.MinReadPercent, ReadThroughputOptions.MaxReadPercent);
        var readCapacity = CliOptions.Number("--read-capacity", "An absolute read budget in RCU per second, instead of --read-percent.", 1, ReadThroughputOptions.MaxReadUnits);
        var segments = CliOptions.Number("--segments", $"Parallel scan segments, 1 to {ExportOptions.MaxTotalSegments:N0}. Default: from the table's size and the read budget, as EMR.", 1, ExportOptions.MaxTotalSegments);
        var keyCondition = new Option<string?>("--key-condition") { Description = "Read with Query instead of Scan: a key condition such as '#pk = :p' (and 'pk IN (:a, :b)' for one Query per value)." };
        var filter = new Option<string?>("--filter") { Description = "A filter expression DynamoDB applies (read capacity is still charged for every item it reads)." };
        var projection = new Option<string?>("--projection") { Description = "The attributes to export, e.g. '#id, price'." };
        var names = CliOptions.Names();
        var values = CliOptions.Values();
        var index = new Option<string?>("--index") { Description = "A global or local secondary index to read instead of the table." };
        var consistentRead = new Option<bool>("--consistent-read") { Description = "Strongly consistent reads (twice the read capacity; not on global secondary indexes)." };
        var checkpoint = CliOptions.Location(new Option<string?>("--checkpoint") { Description = "Where progress is recorded so an interrupted export resumes: a folder uri. Default: <destination>/_checkpoint/ (removed when the export completes)." });
        var layout = new Option<ExportLayout?>("--layout")
        {
            Description = "emr (part files and an EMR manifest, the default) or native (DynamoDB's export layout: AWSDynamoDB/<id>/data/*.json.gz and manifest-summary.json).",
            HelpName = "emr|native",
            CustomParser = r =>
            {
                string value = r.Tokens[0].Value;
                if (ExportLayoutNames.TryParse(value, out var parsed)) return parsed;
                r.AddError($"Unknown layout '{value}'. Use one of: {string.Join(", ", ExportLayoutNames.All)}.");
                return null;
            },
        };
        var itemsPerFile = CliOptions.Number("--items-per-file", $"Items per part file, 1 to {ExportOptions.MaxItemsPerFile:N0}. Default {ExportOptions.DefaultItemsPerFile:N0}.", 1, ExportOptions.MaxItemsPerFile);
        var workers = CliOptions.Number("--workers", $"Segments (or queries) read at the same time, 1 to {ExportOptions.WorkersLimit:N0}. Default 8.", 1, ExportOptions.WorkersLimit);
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace a complete export already in the destination." };
        var json = CliOptions.Json();
        var report = RunReport.Option();
        var command = new Command("export", "Export a table (an index, or what a key condition selects) to files in S3 or a local folder, paced in read capacity and resumable.")
        {
            table, destination, format, compression, readPercent, readCapacity, segments, keyCondition, filter, projection,
            names, values, index, consistentRead, checkpoint, layout, itemsPerFile, workers, overwrite, json, report,
        };
        command.Validators.Add(r =>
        {
            if (r.GetResult(readPercent) is not null && r.GetResult(readCapacity) is not null)
                r.AddError("--read-percent and --read-capacity cannot be used together: give a share of the table's capacity or an absolute budget.");
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new ExportOptions
            {
                TableName = parse.GetRequiredValue(table),
                Destination = parse.GetRequiredValue(destination),
                Format = parse.GetValue(format),
                Compression = parse.GetValue(compression),
                Layout = parse.GetValue(layout) ?? ExportLayout.Emr,
                ItemsPerFile = parse.GetValue(itemsPerFile) ?? ExportOptions.DefaultItemsPerFile,
                IndexName = parse.GetValue(index),
                KeyConditionExpression = parse.GetValue(keyCondition),
                FilterExpression = parse.GetValue(filter),
                ProjectionExpression = parse.GetValue(projection),
                ExpressionAttributeNames = parse.GetValue(names),
                ExpressionAttributeValues = parse.GetValue(values),
                ConsistentRead = parse.GetValue(consistentRead),
                TotalSegments = parse.GetValue(segments),
                CheckpointUri = parse.GetValue(checkpoint),
                Overwrite = parse.GetValue(overwrite),
            };
            if (parse.GetValue(workers) is { } workerCount) options.MaxWorkers = workerCount;
            if (parse.GetValue(readPercent) is { } percent) options.Throughput.ReadPercent = percent;
            options.Throughput.ReadUnitsPerSecond = parse.GetValue(readCapacity);
            try
            {
                options.Validate();
            }
            catch (OptionsValidationException e)
            {
                throw new CliUsageException(string.Join(" ", e.Failures.Select(InOptionNames)));
            }

            if (options.EffectiveFormat == ItemFileFormat.Json)
            {
                await stderr.WriteLineAsync($"Note: {ItemFileFormatNames.JsonLosses}.").ConfigureAwait(false);
            }
            if (options.EffectiveFormat == ItemFileFormat.Parquet)
            {
                await stderr.WriteLineAsync($"Note: {ItemFileFormatNames.ParquetLosses}.").ConfigureAwait(false);
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
    private static string InOptionNames(string problem) => PropertyName().Replace(problem, m => OptionNames[m.Value]);

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
