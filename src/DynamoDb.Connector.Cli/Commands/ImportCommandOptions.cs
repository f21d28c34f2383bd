using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Cli.Report;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Uris;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.Writing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DynamoDb.Connector.Cli.Commands;

/// <summary>
/// The options <c>import</c> and <c>run-split</c> share (the table, how fast, how to write, where checkpoints and
/// rejects go), how they become <see cref="ImportJobOptions"/>, and how the result is shown.
/// </summary>
internal sealed class ImportCommandOptions
{
    private static readonly Dictionary<string, WriteMode> Modes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["put"] = WriteMode.Put,
        ["put-if-absent"] = WriteMode.PutIfAbsent,
        ["put-if"] = WriteMode.PutIf,
        ["delete"] = WriteMode.Delete,
    };

    public Option<string> Table { get; } = new("--table") { Description = "The table to write to.", Required = true };
    public Option<FileInfo?> CsvSchema { get; } = CliOptions.CsvSchema();
    public Option<string?> RequestTable { get; } = CliOptions.RequestTable();

    public Option<string?> Nulls { get; } = CliOptions.Nulls();

    public Option<FileInfo?> ParquetSchema { get; } = ParquetCli.SchemaOption();
    public Option<double?> WritePercent { get; } = CliOptions.Number("--write-percent", "The share of the table's write capacity to use, 0.1 to 1.5. Default 0.5. On-demand tables: of their maximum throughput, when they have one.", WriteThroughputOptions.MinWritePercent, WriteThroughputOptions.MaxWritePercent);
    public Option<double?> WriteCapacity { get; } = CliOptions.Number("--write-capacity", "An absolute budget in write capacity units per second, instead of --write-percent.", 1, WriteThroughputOptions.MaxWriteUnits);
    public Option<int?> Workers { get; } = CliOptions.Number("--workers", "Splits read at once, sharing the budget. Default: one per core, at least 2.", 1, 1024);
    public Option<string> Mode { get; } = new("--mode")
    {
        Description = "put (replace), put-if-absent (keep existing items), put-if (with --condition) or delete (delete each key read).",
        DefaultValueFactory = _ => "put",
        HelpName = "put|put-if-absent|put-if|delete",
    };
    public Option<string?> Condition { get; } = new("--condition") { Description = "With --mode put-if: the condition each put must meet, e.g. 'attribute_not_exists(pk) OR #v < :v'." };
    public Option<Dictionary<string, string>?> Names { get; } = CliOptions.Names();
    public Option<Dictionary<string, AttributeValue>?> Values { get; } = CliOptions.Values();
    public Option<string?> DeadLetter { get; } = CliOptions.Location(new Option<string?>("--dead-letter") { Description = "A folder or S3 prefix for bad lines and items that could not be written (JSON lines with file, line and reason). Default: under --checkpoint when given." });
    public Option<string?> Checkpoint { get; } = CliOptions.Location(new Option<string?>("--checkpoint") { Description = "A folder or S3 prefix recording progress: rerun with the same value to resume after a failure." });
    public Option<double> CheckpointSeconds { get; } = CliOptions.Number("--checkpoint-interval", "Seconds between a split's checkpoints, 1 to 3,600. Default 10.", 1.0, 3600.0, 10.0);
    public Option<int> ShuffleWindow { get; } = CliOptions.Number("--shuffle-window", "Items held back and released in random order, to spread input sorted by key over partitions, 0 to 1,000,000. Default 0 (off).", 0, 1_000_000, 0);
    public Option<bool> CreateTable { get; } = new("--create-table") { Description = "Create the table (on-demand) with --key when it does not exist." };
    public Option<string?> Key { get; } = new("--key") { Description = "The key schema for --create-table, e.g. pk:S or pk:S,sk:N." };
    public Option<bool> Json { get; } = CliOptions.Json();
    public Option<FileInfo?> Report { get; } = RunReport.Option();

    public ImportCommandOptions()
    {
        Mode.Validators.Add(r => { if (!Modes.ContainsKey(r.GetValueOrDefault<string>() ?? "")) r.AddError($"Unknown --mode '{r.GetValueOrDefault<string>()}'. Use one of: {string.Join(", ", Modes.Keys)}."); });
        Key.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is not { } text) return;
            try { KeySchema.Parse(text); }
            catch (FormatException e) { r.AddError($"--key: {e.Message}"); }
        });
    }

    /// <summary>Adds the options to <paramref name="command"/>, with the rules that bind several of them.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Table, CsvSchema, RequestTable, Nulls, ParquetSchema, WritePercent, WriteCapacity, Workers, Mode, Condition, Names, Values, DeadLetter, Checkpoint, CheckpointSeconds, ShuffleWindow, CreateTable, Key, Json, Report })
        {
            command.Options.Add(option);
        }
        command.Validators.Add(r =>
        {
            if (r.GetResult(WritePercent) is not null && r.GetResult(WriteCapacity) is not null) r.AddError("Give --write-percent or --write-capacity, not both.");
            if (r.GetValue(CreateTable) && r.GetValue(Key) is null) r.AddError("--create-table needs --key (e.g. --key pk:S,sk:N).");
            bool putIf = string.Equals(r.GetValue(Mode), "put-if", StringComparison.OrdinalIgnoreCase);
            if (putIf != (r.GetValue(Condition) is not null)) r.AddError("--condition goes with --mode put-if, and --mode put-if needs --condition.");
        });
    }

    /// <summary>The job's options from the command line (the source is set by the verb).</summary>
    public async Task<ImportJobOptions> BindAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var writer = new DynamoDbWriterOptions { Mode = Modes[parse.GetValue(Mode)!] };
        if (parse.GetValue(WritePercent) is { } percent) writer.Throughput.WritePercent = percent;
        writer.Throughput.WriteUnitsPerSecond = parse.GetValue(WriteCapacity);
        if (parse.GetValue(Condition) is { } condition)
        {
            writer.ConditionExpression = condition;
            writer.ExpressionAttributeNames = parse.GetValue(Names);
            writer.ExpressionAttributeValues = parse.GetValue(Values);
        }
        return new ImportJobOptions
        {
            TableName = parse.GetRequiredValue(Table),
            Source = new ImportSourceOptions { Csv = await CsvSchemaFile.LoadAsync(parse.GetValue(CsvSchema), cancellationToken).ConfigureAwait(false), RequestTable = parse.GetValue(RequestTable), ParquetNulls = ParquetCli.Nulls(parse.GetValue(Nulls), await ParquetCli.LoadAsync(parse.GetValue(ParquetSchema), cancellationToken).ConfigureAwait(false)) },
            Writer = writer,
            Workers = parse.GetValue(Workers),
            CheckpointUri = parse.GetValue(Checkpoint),
            CheckpointInterval = TimeSpan.FromSeconds(parse.GetValue(CheckpointSeconds)),
            DeadLetterUri = parse.GetValue(DeadLetter),
            ShuffleWindow = parse.GetValue(ShuffleWindow),
        };
    }

    /// <summary>Checks the job's options before anything runs: a problem is a usage error.</summary>
    public static void Validate(ImportJobOptions options)
    {
        try
        {
            options.Validate();
        }
        catch (OptionsValidationException e)
        {
            throw new CliUsageException("Invalid import options: " + string.Join("; ", e.Failures) + ".");
        }
    }

    /// <summary>Creates the table when asked to.</summary>
    public async Task PrepareTableAsync(ParseResult parse, IServiceProvider services, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!parse.GetValue(CreateTable)) return;
        var key = KeySchema.Parse(parse.GetValue(Key)!);
        await TableSetup.EnsureAsync(services.GetRequiredService<IAmazonDynamoDB>(), parse.GetRequiredValue(Table), key, stderr, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs the job with the progress display, then prints the result; returns the exit code. With <c>--json</c>,
    /// <paramref name="jsonResult"/> (when given) makes the one object printed instead of the import's.
    /// </summary>
    public async Task<int> RunAsync(ParseResult parse, ImportJobOptions options, Func<ImportJobOptions, Task<ImportResult>> run, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken, Func<ImportResult, string>? jsonResult = null)
    {
        using var recorder = RunReport.StartRecording(parse.GetValue(Report), options.TableName);
        var result = await ProgressDisplay.RunAsync(stderr, $"import {options.TableName}", progress =>
        {
            options.Progress = new Progress(progress);
            return run(options);
        }, cancellationToken).ConfigureAwait(false);
        // Not one record could be read: the data is not in the format it was read as, rather than a few bad lines.
        string? error = result.ItemsRead == 0 && result.BadLines > 0 ? NothingReadable(result.Plan, result.BadLines) : null;
        int exitCode = error is not null ? ExitCodes.Failed : result.ItemsDeadLettered > 0 ? ExitCodes.FinishedWithBadRecords : ExitCodes.Success;
        if (recorder is not null) await RunReport.WriteImportAsync(parse.GetValue(Report)!, recorder, options.TableName, result, cancellationToken).ConfigureAwait(false);
        await WriteResultAsync(result, options, parse.GetValue(Json), error, exitCode, stdout, stderr, parse.GetValue(CsvSchema)?.ToString(), jsonResult).ConfigureAwait(false);
        return exitCode;
    }

    /// <summary>The message for a source none of whose records could be read: the format is probably wrong.</summary>
    internal static string NothingReadable(ImportPlan plan, long badRecords) =>
        $"none of the {badRecords:N0} records of {plan.Source} could be read as {plan.Format.ToName()} ({plan.FormatReason}): the format is probably wrong; give the right one with --format {string.Join("|", ItemFileFormatNames.All)}.";

    /// <summary>Where the dead letters are and the command that imports them again, per kind.</summary>
    internal static string DeadLetterHint(ImportResult result, string uri, string table, string? csvSchemaPath)
    {
        string deletes = ObjectUri.Combine(ObjectUri.AsDirectory(uri), Writing.DeadLetter.DeletesFolder);
        string json = $"JSON lines: items that could not be written are {{\"Item\":...}} lines, which import again with --format ddb-json; deletes that could not be applied are {{\"Keys\":...}} lines in {deletes}, which import again with --format ddb-json-incremental; lines that could not be read are kept as {{\"Line\":\"...\"}} with the reason, to fix by hand and import in their own format";
        if (result.Plan.Format != ItemFileFormat.Csv || result.BadLines == 0)
        {
            return $"{result.ItemsDeadLettered:N0} lines or items set aside in {uri} ({json}).";
        }
        string csv = ObjectUri.Combine(ObjectUri.AsDirectory(uri), Writing.DeadLetter.CsvFolder);
        string schema = csvSchemaPath is null ? "" : $" --csv-schema {Quoted(csvSchemaPath)}";
        return $"{result.ItemsDeadLettered:N0} lines or items set aside in {uri}. CSV records that could not be read are kept as CSV, under the header of their file, in {csv}: fix them there and import them again with: dynamodb-connector import --source {Quoted(csv)} --table {Quoted(table)} --format csv{schema}" +
            $". Anything else is in {uri} as {json} (a CSV record too long to keep, or cut short by damage, is a {{\"Line\":\"...\"}} line there).";

        static string Quoted(string text) => text.Any(char.IsWhiteSpace) || text.Contains('\'') ? $"'{text.Replace("'", "'\\''", StringComparison.Ordinal)}'" : text;
    }

    private static async Task WriteResultAsync(ImportResult result, ImportJobOptions options, bool json, string? error, int exitCode, TextWriter stdout, TextWriter stderr, string? csvSchemaPath, Func<ImportResult, string>? jsonResult)
    {
        foreach (var letter in result.DeadLetterSamples)
        {
            string where = letter.Source is null ? "" : letter.Line > 0 ? $"{letter.Source}:{letter.Line}: " : $"{letter.Source}: ";
            await stderr.WriteLineAsync($"{where}{letter.Reason}").ConfigureAwait(false);
        }
        if (result.ItemsDeadLettered > result.DeadLetterSamples.Count)
        {
            await stderr.WriteLineAsync($"({result.ItemsDeadLettered - result.DeadLetterSamples.Count:N0} more set aside)").ConfigureAwait(false);
        }
        if (result.ItemsDeadLettered > 0)
        {
            await stderr.WriteLineAsync(result.DeadLetterUri is { } uri
                ? DeadLetterHint(result, uri, options.TableName, csvSchemaPath)
                : $"{result.ItemsDeadLettered:N0} lines or items set aside and not kept: pass --dead-letter <folder> (or --checkpoint) to keep them.").ConfigureAwait(false);
        }
        double seconds = Math.Round(result.Elapsed.TotalSeconds, 2);
        if (json && jsonResult is not null)
        {
            await stdout.WriteLineAsync(jsonResult(result)).ConfigureAwait(false);
            if (error is not null) await stderr.WriteLineAsync($"error: {error}").ConfigureAwait(false);
            return;
        }
        if (json)
        {
            await stdout.WriteLineAsync(JsonSerializer.Serialize(new
            {
                table = options.TableName,
                source = result.Plan.Source,
                format = result.Plan.Format.ToName(),
                verified = result.Plan.Verified,
                ordering = result.Plan.Ordering.ToString(),
                orderingReason = result.Plan.OrderingReason,
                itemsRead = result.ItemsRead,
                itemsWritten = result.ItemsWritten,
                itemsDeleted = result.ItemsDeleted,
                itemsDeadLettered = result.ItemsDeadLettered,
                badLines = result.BadLines,
                itemsDeduplicated = result.ItemsDeduplicated,
                itemsSkippedByCondition = result.ItemsSkippedByCondition,
                itemsFiltered = result.ItemsFiltered,
                itemsSuperseded = result.ItemsSuperseded,
                consumedCapacityUnits = Math.Round(result.ConsumedCapacityUnits, 1),
                throttledRequests = result.ThrottledRequests,
                retries = result.Retries,
                splits = result.Plan.Splits.Count,
                splitsRun = result.SplitsRun,
                splitsSkipped = result.SplitsSkipped,
                bytes = result.Plan.TotalBytes,
                deadLetters = result.DeadLetterUri,
                elapsedSeconds = seconds,
                error,
                exitCode,
            })).ConfigureAwait(false);
            if (error is not null) await stderr.WriteLineAsync($"error: {error}").ConfigureAwait(false);
            return;
        }
        var c = CultureInfo.InvariantCulture;
        var plan = result.Plan;
        await stdout.WriteLineAsync(string.Create(c, $"source:             {plan.Source}: {plan.FileCount:N0} file(s), {plan.TotalBytes:N0} bytes, {plan.Format.ToName()} ({plan.FormatReason}){(plan.Verified ? ", verified against its manifest" : "")}")).ConfigureAwait(false);
        await stdout.WriteLineAsync($"order:              {plan.Ordering} ({plan.OrderingReason})").ConfigureAwait(false);
        await stdout.WriteLineAsync(string.Create(c, $"items read:         {result.ItemsRead:N0}")).ConfigureAwait(false);
        await stdout.WriteLineAsync(string.Create(c, $"items written:      {result.ItemsWritten:N0}{(result.ItemsDeleted > 0 ? $" ({result.ItemsDeleted:N0} deleted)" : "")}")).ConfigureAwait(false);
        if (result.ItemsSkippedByCondition > 0) await stdout.WriteLineAsync(string.Create(c, $"skipped (condition): {result.ItemsSkippedByCondition:N0}")).ConfigureAwait(false);
        if (result.ItemsSuperseded > 0) await stdout.WriteLineAsync(string.Create(c, $"superseded:         {result.ItemsSuperseded:N0} (older than a change of their key already applied)")).ConfigureAwait(false);
        if (result.ItemsDeduplicated > 0) await stdout.WriteLineAsync(string.Create(c, $"deduplicated:       {result.ItemsDeduplicated:N0}")).ConfigureAwait(false);
        await stdout.WriteLineAsync(string.Create(c, $"dead-lettered:      {result.ItemsDeadLettered:N0}")).ConfigureAwait(false);
        await stdout.WriteLineAsync(string.Create(c, $"write units:        {result.ConsumedCapacityUnits:N0} WCU ({(seconds > 0 ? result.ConsumedCapacityUnits / seconds : 0):N0} WCU/s)")).ConfigureAwait(false);
        await stdout.WriteLineAsync(string.Create(c, $"throttled requests: {result.ThrottledRequests:N0} ({result.Retries:N0} retries)")).ConfigureAwait(false);
        await stdout.WriteLineAsync(string.Create(c, $"splits:             {result.SplitsRun:N0} run, {result.SplitsSkipped:N0} already done")).ConfigureAwait(false);
        await stdout.WriteLineAsync(string.Create(c, $"elapsed:            {ProgressDisplay.Clock(result.Elapsed)}")).ConfigureAwait(false);
        if (error is not null) await stderr.WriteLineAsync($"error: {error}").ConfigureAwait(false);
    }

    /// <summary>The job's progress as the display's line: bytes read against the total, with items, WCU/s, throttles and the time left.</summary>
    private sealed class Progress(IProgress<ProgressLine> display) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value)
        {
            string eta = value.Remaining is { } left ? $" · ETA {ProgressDisplay.Clock(left)}" : "";
            string status = string.Create(CultureInfo.InvariantCulture,
                $"{value.ItemsWritten:N0} items · {value.WriteUnitsPerSecond:N0} WCU/s · {value.ThrottledRequests:N0} throttled · {value.ItemsDeadLettered:N0} set aside · splits {value.SplitsDone}/{value.SplitsTotal}{eta}");
            display.Report(new ProgressLine(value.BytesRead, value.TotalBytes, status));
        }
    }
}
