using System.CommandLine;
using System.Globalization;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Import;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoDb.Connector.Cli.Commands;

/// <summary>
/// <c>plan</c>: shows how an import would read a source (how the files were found, the format, the splits), and with
/// <c>--out</c> writes one JSON file per split for <c>run-split</c>.
/// </summary>
internal static class PlanCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var source = CliOptions.Source();
        var format = CliOptions.Format();
        var csvSchema = CliOptions.CsvSchema();
        var splitSize = CliOptions.SplitSize();
        var verify = CliOptions.Verify();
        var keysUnique = CliOptions.KeysUnique();
        var allowOutside = CliOptions.AllowOutsideSource();
        var allowIncomplete = CliOptions.AllowIncomplete();
        var output = new Option<DirectoryInfo?>("--out") { Description = "A local folder to write one split-NNNNNN.json per split into, for run-split." };
        var json = CliOptions.Json();
        var command = new Command("plan", "Show the splits an import of a source would run; optionally write them out for run-split.")
        {
            source, format, csvSchema, splitSize, verify, keysUnique, allowOutside, allowIncomplete, output, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var services = CliServices.Create();
            var options = new ImportSourceOptions
            {
                Source = parse.GetRequiredValue(source),
                Format = parse.GetValue(format),
                Csv = await CsvSchemaFile.LoadAsync(parse.GetValue(csvSchema), cancellationToken).ConfigureAwait(false),
            };
            CliOptions.ApplySplitSize(parse.GetValue(splitSize), options);
            options.Verify = parse.GetValue(verify);
            options.KeysUniqueAcrossFiles = parse.GetValue(keysUnique);
            options.AllowEntriesOutsideSource = parse.GetValue(allowOutside);
            options.AllowIncompleteExport = parse.GetValue(allowIncomplete);
            var plan = await services.GetRequiredService<ImportInputFormat>().PlanAsync(options, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(output) is { } folder)
            {
                folder.Create();
                for (int i = 0; i < plan.Splits.Count; i++)
                {
                    string path = Path.Combine(folder.FullName, string.Create(CultureInfo.InvariantCulture, $"split-{i:D6}.json"));
                    await File.WriteAllTextAsync(path, plan.SplitToJson(i), cancellationToken).ConfigureAwait(false);
                }
                await stderr.WriteLineAsync($"Wrote {plan.Splits.Count} split files to {folder.FullName}.").ConfigureAwait(false);
            }
            if (parse.GetValue(json))
            {
                await stdout.WriteLineAsync(plan.ToJson()).ConfigureAwait(false);
                return ExitCodes.Success;
            }
            var c = CultureInfo.InvariantCulture;
            await stdout.WriteLineAsync($"source:  {plan.Source} ({plan.Kind})").ConfigureAwait(false);
            await stdout.WriteLineAsync($"format:  {plan.Format.ToName()} ({plan.FormatReason})").ConfigureAwait(false);
            await stdout.WriteLineAsync(string.Create(c, $"files:   {plan.FileCount:N0}, {plan.TotalBytes:N0} bytes{(plan.ExpectedItems is { } n ? $", {n:N0} items declared" : "")}")).ConfigureAwait(false);
            await stdout.WriteLineAsync(string.Create(c, $"splits:  {plan.Splits.Count:N0}")).ConfigureAwait(false);
            await stdout.WriteLineAsync($"order:   {plan.Ordering} ({plan.OrderingReason})").ConfigureAwait(false);
            foreach (var split in plan.Splits)
            {
                await stdout.WriteLineAsync(string.Create(c, $"  split {split.Index}: {split.Files.Count} file(s), {split.Bytes:N0} bytes")).ConfigureAwait(false);
                foreach (var file in split.Files) await stdout.WriteLineAsync($"    {file.DisplayName}").ConfigureAwait(false);
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
