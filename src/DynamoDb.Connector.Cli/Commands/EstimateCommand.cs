using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using DynamoDb.Connector.Formats.Csv;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoDb.Connector.Cli.Commands;

/// <summary>
/// <c>estimate</c>: reads a data set and says what importing it costs: items, bytes, average item size, total WCU, and
/// the time it takes at a given write capacity. Bad lines are reported and counted, not fatal.
/// </summary>
internal static class EstimateCommand
{
    /// <summary>Rates shown when no --write-capacity is given: a small provisioned table up to the default table quota.</summary>
    private static readonly int[] ExampleRates = [100, 1_000, 10_000, 40_000];

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var source = CliOptions.Source();
        var format = CliOptions.Format();
        var csvSchema = CliOptions.CsvSchema();
        var requestTable = CliOptions.RequestTable();
        var capacity = CliOptions.Number("--write-capacity", "Write capacity units per second the import will get; the estimate gives its duration.", 1, DynamoDb.Connector.Capacity.WriteThroughputOptions.MaxWriteUnits);
        var json = CliOptions.Json();
        var command = new Command("estimate", "Count items, bytes and write capacity units of a data set, and how long importing it takes.")
        {
            source, format, csvSchema, requestTable, capacity, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var services = CliServices.Create();
            var reporter = new BadRecordReporter(stderr);
            var options = new ImportSourceOptions
            {
                Source = parse.GetRequiredValue(source),
                Format = parse.GetValue(format),
                Csv = await CsvSchemaFile.LoadAsync(parse.GetValue(csvSchema), cancellationToken).ConfigureAwait(false),
                RequestTable = parse.GetValue(requestTable),
            };
            var plan = await services.GetRequiredService<ImportInputFormat>().PlanAsync(options, cancellationToken).ConfigureAwait(false);
            if (!parse.GetValue(json))
            {
                await stderr.WriteLineAsync($"Reading {plan.FileCount} file(s), {Bytes(plan.TotalBytes)}, as {plan.Format.ToName()} ({plan.FormatReason}).").ConfigureAwait(false);
            }
            var estimate = await EstimateAsync(services.GetRequiredService<ImportInputFormat>(), plan, options.Csv, reporter, cancellationToken, options.RequestTable).ConfigureAwait(false);
            double? rate = parse.GetValue(capacity);
            string? error = estimate.Items == 0 && reporter.Count > 0 ? ImportCommandOptions.NothingReadable(plan, reporter.Count) : null;
            int exitCode = error is not null ? ExitCodes.Failed : reporter.Count > 0 ? ExitCodes.FinishedWithBadRecords : ExitCodes.Success;
            if (parse.GetValue(json))
            {
                await stdout.WriteLineAsync(JsonSerializer.Serialize(new
                {
                    source = plan.Source,
                    format = plan.Format.ToName(),
                    files = plan.FileCount,
                    items = estimate.Items,
                    bytes = estimate.Bytes,
                    averageItemSize = Math.Round(estimate.AverageItemBytes, 1),
                    writeCapacityUnits = estimate.WriteUnits,
                    writeCapacityPerSecond = rate,
                    estimatedSeconds = rate is { } r ? Math.Round(estimate.SecondsAt(r), 1) : (double?)null,
                    expectedItems = plan.ExpectedItems,
                    errors = reporter.Count,
                    error,
                    exitCode,
                })).ConfigureAwait(false);
            }
            else
            {
                await stdout.WriteLineAsync($"items:              {estimate.Items:N0}").ConfigureAwait(false);
                await stdout.WriteLineAsync($"bytes:              {estimate.Bytes:N0} ({Bytes(estimate.Bytes)}, by DynamoDB's item-size rules)").ConfigureAwait(false);
                await stdout.WriteLineAsync($"average item size:  {estimate.AverageItemBytes:N1} bytes").ConfigureAwait(false);
                await stdout.WriteLineAsync($"write units:        {estimate.WriteUnits:N0} WCU ({(estimate.Items == 0 ? 0 : (double)estimate.WriteUnits / estimate.Items):N2} per item)").ConfigureAwait(false);
                if (plan.ExpectedItems is { } expected && expected != estimate.Items + reporter.Count)
                {
                    await stdout.WriteLineAsync($"warning:            the source declares {expected:N0} items").ConfigureAwait(false);
                }
                foreach (double r in rate is { } given ? [given] : ExampleRates.Select(x => (double)x))
                {
                    await stdout.WriteLineAsync($"at {r.ToString("N0", CultureInfo.InvariantCulture),7} WCU/s:     {Duration(estimate.SecondsAt(r))}").ConfigureAwait(false);
                }
                if (reporter.Count > 0) await stdout.WriteLineAsync($"bad records:        {reporter.Count:N0} (on stderr)").ConfigureAwait(false);
            }
            if (error is not null) await stderr.WriteLineAsync($"error: {error}").ConfigureAwait(false);
            return exitCode;
        });
        return command;
    }

    /// <summary>Reads every split (a few at a time) and adds up item sizes; items DynamoDB would reject count as bad.</summary>
    internal static async Task<ImportEstimate> EstimateAsync(ImportInputFormat input, ImportPlan plan, CsvSchema? csv, BadRecordReporter reporter, CancellationToken cancellationToken, string? requestTable = null)
    {
        var total = new ImportEstimate();
        var totalLock = new Lock();
        var options = ImportReadOptions.For(plan) with { Csv = csv, RequestTable = requestTable };
        var files = plan.Splits.SelectMany(s => s.Files);
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken }, async (file, ct) =>
        {
            var estimate = new ImportEstimate();
            var reader = await input.OpenAsync(new ImportSplit(0, [file]), options, null, ct).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                await foreach (var read in reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    if (read.Record is not { } record)
                    {
                        reporter.Report(read.Error!);
                        continue;
                    }
                    int size = ItemSize.Of(record.Item);
                    if (record.Operation == RecordOperation.Put && ItemRules.Validate(record.Item, keys: null, size) is { } problem)
                    {
                        reporter.Report($"{file.DisplayName}:{record.Line}: {problem}");
                        continue;
                    }
                    estimate = estimate.Add(size);
                }
            }
            lock (totalLock) total += estimate;
        }).ConfigureAwait(false);
        return total;
    }

    internal static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:N1} KiB",
        < 1024L * 1024 * 1024 => $"{bytes / (1024.0 * 1024):N1} MiB",
        _ => $"{bytes / (1024.0 * 1024 * 1024):N2} GiB",
    };

    internal static string Duration(double seconds)
    {
        var span = TimeSpan.FromSeconds(Math.Ceiling(seconds));
        return span.TotalHours >= 1 ? $"{(int)span.TotalHours}h {span.Minutes:D2}m {span.Seconds:D2}s"
            : span.TotalMinutes >= 1 ? $"{span.Minutes}m {span.Seconds:D2}s"
            : $"{span.Seconds}s";
    }
}
