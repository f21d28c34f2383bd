using System.CommandLine;
using System.Text.Json;
using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.Reading;
using DynamoDb.Connector.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoDb.Connector.Cli.Commands;

/// <summary>
/// <c>compare</c>: reads a source (as <c>import</c> would) and a table completely and compares them item for item:
/// items of the source missing from the table, items of the table not in the source, and items whose attributes differ.
/// The source side is applied in its plan's order, as an import applies it (a later record of a key replaces an earlier
/// one; an incremental export's delete removes it); only the key and a 128-bit digest of each item are kept. The table
/// is read with <see cref="TableInputFormat"/>, as an export reads it: strongly consistent parallel scan segments,
/// paced in read capacity units (half of the table's read capacity unless <c>--read-percent</c> or <c>--read-capacity</c> says otherwise).
/// </summary>
internal static class CompareCommand
{
    /// <summary>Keys of each kind of difference shown.</summary>
    private const int Samples = 10;

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var source = CliOptions.Source();
        var format = CliOptions.Format();
        var csvSchema = CliOptions.CsvSchema();
        var table = new Option<string>("--table") { Description = "The table to compare the source with.", Required = true };
        var segments = CliOptions.Number("--segments", "Parallel scan segments reading the table, 1 to 1,000. Default 4.", 1, 1000, 4);
        var readPercent = CliOptions.Number("--read-percent",
            $"The share of the table's read capacity the comparison may use: 0.5 (the default) is half; {ReadThroughputOptions.MinReadPercent} to {ReadThroughputOptions.MaxReadPercent}.",
            ReadThroughputOptions.MinReadPercent, ReadThroughputOptions.MaxReadPercent);
        var readCapacity = CliOptions.Number("--read-capacity", "An absolute read budget in RCU per second, instead of --read-percent.", 1, ReadThroughputOptions.MaxReadUnits);
        var json = CliOptions.Json();
        var command = new Command("compare", "Compare a source with a table item for item (exit 0 when they hold the same items, 1 when they differ).")
        {
            source, format, csvSchema, table, segments, readPercent, readCapacity, json,
        };
        command.Validators.Add(r =>
        {
            if (r.GetResult(readPercent) is not null && r.GetResult(readCapacity) is not null)
                r.AddError("--read-percent and --read-capacity cannot be used together: give a share of the table's capacity or an absolute budget.");
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var services = CliServices.Create();
            string tableName = parse.GetRequiredValue(table);
            // Strongly consistent: what an import just wrote is what the comparison sees.
            var reading = new TableInputOptions { TableName = tableName, ConsistentRead = true, TotalSegments = parse.GetValue(segments) };
            if (parse.GetValue(readPercent) is { } percent) reading.Throughput.ReadPercent = percent;
            reading.Throughput.ReadUnitsPerSecond = parse.GetValue(readCapacity);
            using var input = await services.GetRequiredService<TableInputFormat>().OpenAsync(reading, cancellationToken).ConfigureAwait(false);
            var keys = KeySchema.Parse(TableSetup.KeyOf(input.Table));
            var options = new ImportSourceOptions
            {
                Source = parse.GetRequiredValue(source),
                Format = parse.GetValue(format),
                Csv = await CsvSchemaFile.LoadAsync(parse.GetValue(csvSchema), cancellationToken).ConfigureAwait(false),
            };
            var plan = await services.GetRequiredService<ImportInputFormat>().PlanAsync(options, cancellationToken).ConfigureAwait(false);
            var reporter = new BadRecordReporter(stderr);
            var expected = await ReadSourceAsync(services.GetRequiredService<ImportInputFormat>(), plan, options, keys, reporter, cancellationToken).ConfigureAwait(false);
            int sourceItems = expected.Count; // the comparison consumes the source's digests
            var result = await CompareWithTableAsync(input, keys, expected.Items, cancellationToken).ConfigureAwait(false);

            bool equal = result.Missing.Count + result.Extra.Count + result.Different.Count == 0;
            int exitCode = !equal ? ExitCodes.Failed : reporter.Count > 0 ? ExitCodes.FinishedWithBadRecords : ExitCodes.Success;
            if (parse.GetValue(json))
            {
                await stdout.WriteLineAsync(JsonSerializer.Serialize(new
                {
                    source = plan.Source,
                    format = plan.Format.ToName(),
                    table = tableName,
                    equal,
                    sourceItems,
                    tableItems = result.TableItems,
                    missing = result.Missing.Count,
                    extra = result.Extra.Count,
                    different = result.Different.Count,
                    duplicateKeys = expected.Duplicates,
                    badRecords = reporter.Count,
                    missingKeys = result.Missing.Take(Samples).Select(k => k.Show(keys)),
                    extraKeys = result.Extra.Take(Samples).Select(k => k.Show(keys)),
                    differentKeys = result.Different.Take(Samples).Select(k => k.Show(keys)),
                    exitCode,
                })).ConfigureAwait(false);
                return exitCode;
            }
            await stdout.WriteLineAsync($"source:      {plan.Source}: {sourceItems:N0} items ({plan.Format.ToName()}){(expected.Duplicates > 0 ? $", {expected.Duplicates:N0} later records replaced earlier ones of their key" : "")}").ConfigureAwait(false);
            await stdout.WriteLineAsync($"table:       {tableName}: {result.TableItems:N0} items").ConfigureAwait(false);
            await stdout.WriteLineAsync($"missing:     {result.Missing.Count:N0} (in the source, not in the table)").ConfigureAwait(false);
            await stdout.WriteLineAsync($"extra:       {result.Extra.Count:N0} (in the table, not in the source)").ConfigureAwait(false);
            await stdout.WriteLineAsync($"different:   {result.Different.Count:N0} (same key, other attributes)").ConfigureAwait(false);
            if (reporter.Count > 0) await stdout.WriteLineAsync($"bad records: {reporter.Count:N0} in the source, not compared (on stderr)").ConfigureAwait(false);
            foreach (var (what, list) in new[] { ("missing from the table", result.Missing), ("only in the table", result.Extra), ("different", result.Different) })
            {
                foreach (var key in list.Take(Samples)) await stderr.WriteLineAsync($"{what}: {key.Show(keys)}").ConfigureAwait(false);
            }
            await stdout.WriteLineAsync(equal ? "equal:       yes, item for item" : "equal:       NO").ConfigureAwait(false);
            return exitCode;
        });
        return command;
    }

    private sealed record SourceItems(Dictionary<ItemKeyText, UInt128> Items, long Duplicates)
    {
        public int Count => Items.Count;
    }

    private sealed record Comparison(long TableItems, List<ItemKeyText> Missing, List<ItemKeyText> Extra, List<ItemKeyText> Different);

    /// <summary>Every record of the source, in the plan's order: the last record of a key is the one the table should hold.</summary>
    private static async Task<SourceItems> ReadSourceAsync(ImportInputFormat input, ImportPlan plan, ImportSourceOptions source, KeySchema keys, BadRecordReporter reporter, CancellationToken cancellationToken)
    {
        var items = new Dictionary<ItemKeyText, UInt128>();
        long duplicates = 0;
        var readOptions = ImportReadOptions.For(plan) with { Csv = source.Csv };
        foreach (var file in plan.Splits.SelectMany(s => s.Files))
        {
            var reader = await input.OpenAsync(new ImportSplit(0, [file]), readOptions, null, cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                await foreach (var read in reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (read.Record is not { } record)
                    {
                        reporter.Report(read.Error!);
                        continue;
                    }
                    bool delete = record.Operation == RecordOperation.Delete;
                    // What the import would reject cannot be in the table: a bad record, not a difference.
                    if ((delete ? ItemRules.ValidateKeys(record.Item, keys, requireOnlyKeys: false) : ItemRules.Validate(record.Item, keys)) is { } problem)
                    {
                        reporter.Report($"{file.DisplayName}:{record.Line}: {problem}");
                        continue;
                    }
                    var key = ItemDigest.KeyOf(record.Item, keys);
                    if (delete)
                    {
                        items.Remove(key);
                        continue;
                    }
                    if (items.ContainsKey(key)) duplicates++;
                    items[key] = ItemDigest.Of(record.Item);
                }
            }
        }
        return new SourceItems(items, duplicates);
    }

    /// <summary>Reads the whole table (every split of its plan at once) against the source's digests; what remains of them is missing.</summary>
    private static async Task<Comparison> CompareWithTableAsync(TableInput input, KeySchema keys, Dictionary<ItemKeyText, UInt128> expected, CancellationToken cancellationToken)
    {
        var extra = new List<ItemKeyText>();
        var different = new List<ItemKeyText>();
        var gate = new Lock();
        var plan = input.Plan();
        await Parallel.ForEachAsync(plan.Splits, new ParallelOptions { MaxDegreeOfParallelism = plan.SplitCount, CancellationToken = cancellationToken }, async (split, ct) =>
        {
            await foreach (var page in input.OpenReader(plan, split.Id).ReadPagesAsync(ct).ConfigureAwait(false))
            {
                foreach (var item in page.Items)
                {
                    var key = ItemDigest.KeyOf(item, keys);
                    var digest = ItemDigest.Of(item);
                    lock (gate)
                    {
                        if (!expected.Remove(key, out var wanted)) extra.Add(key);
                        else if (wanted != digest) different.Add(key);
                    }
                }
            }
        }).ConfigureAwait(false);
        return new Comparison(input.Counters.ItemsReturned, [.. expected.Keys], extra, different);
    }
}
