using System.CommandLine;
using System.Text.Json;
using DynamoDb.Connector.Formats.Csv;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Manifests;
using DynamoDb.Connector.Formats.Uris;
using DynamoDb.Connector.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoDb.Connector.Cli.Commands;

/// <summary>
/// <c>generate</c>: writes a deterministic sample data set (every DynamoDB type, keys pk:S + sk:N) to try an import,
/// a table's speed, or the tool itself, without real data. Optionally with an EMR manifest, like an EMR export.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var destination = CliOptions.Destination("The folder or S3 prefix to write the files to.");
        var items = CliOptions.Number("--items", "How many items. Default 10,000.", 0L, 10_000_000_000L, 10_000L);
        var files = CliOptions.Number("--files", "How many files to spread them over, 1 to 100,000. Default 4.", 1, 100_000, 4);
        var format = CliOptions.Format("--format", "The line format to write. Default data-pipeline.");
        var compression = CliOptions.Compression();
        var padding = CliOptions.Number("--item-bytes", "Extra bytes of text per item, to make bigger items, 0 to 400,000. Default 0 (items of about 600 bytes).", 0, 400_000, 0);
        var manifest = new Option<bool>("--manifest") { Description = "Also write an EMR v3 manifest listing the files (data-pipeline only)." };
        var json = CliOptions.Json();
        var command = new Command("generate", "Write a sample data set (every DynamoDB type; key pk:S, sk:N).")
        {
            destination, items, files, format, compression, padding, manifest, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var target = parse.GetValue(format) ?? ItemFileFormat.DataPipeline;
            if (parse.GetValue(manifest) && target != ItemFileFormat.DataPipeline)
            {
                throw new CliUsageException("--manifest goes with --format data-pipeline (an EMR manifest lists data-pipeline files).");
            }
            using var services = CliServices.Create();
            var stores = services.GetRequiredService<ObjectStores>();
            string folder = ObjectUri.AsDirectory(parse.GetRequiredValue(destination));
            long total = parse.GetValue(items);
            int fileCount = parse.GetValue(files);
            var kind = parse.GetValue(compression);
            int extraBytes = parse.GetValue(padding);
            var csv = target == ItemFileFormat.Csv ? CsvSchema.Infer([SampleData.Item(0, extraBytes)]) : null;
            var entries = new ExportManifestEntry[fileCount];
            await Parallel.ForEachAsync(Enumerable.Range(0, fileCount), new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken }, async (f, ct) =>
            {
                // File f holds items f, f + fileCount, ...: every file has about the same number.
                string uri = ObjectUri.Combine(folder, $"part-{f:D5}{ItemFileNames.Extension(target, kind)}");
                var output = await stores.For(uri).CreateAsync(uri, ct).ConfigureAwait(false);
                await using (output.ConfigureAwait(false))
                {
                    var writer = ItemFiles.OpenWriter(output.Stream, target, new ItemWriterOptions { Compression = kind, Csv = csv, LeaveOpen = true });
                    await using (writer.ConfigureAwait(false))
                    {
                        for (long i = f; i < total; i += fileCount)
                        {
                            await writer.WriteAsync(new ItemRecord(SampleData.Item(i, extraBytes), 0), ct).ConfigureAwait(false);
                        }
                        await writer.CompleteAsync(ct).ConfigureAwait(false);
                        long bytes = await output.CommitAsync(ct).ConfigureAwait(false);
                        entries[f] = new ExportManifestEntry(uri) { ItemCount = writer.ItemsWritten, Bytes = bytes };
                    }
                }
            }).ConfigureAwait(false);
            if (parse.GetValue(manifest))
            {
                string uri = ObjectUri.Combine(folder, ExportManifest.FileName);
                var output = await stores.For(uri).CreateAsync(uri, cancellationToken).ConfigureAwait(false);
                await using (output.ConfigureAwait(false))
                {
                    await new ExportManifest(entries).WriteAsync(output.Stream, cancellationToken).ConfigureAwait(false);
                    await output.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            long totalBytes = entries.Sum(e => e.Bytes ?? 0);
            if (parse.GetValue(json))
            {
                await stdout.WriteLineAsync(JsonSerializer.Serialize(new { destination = folder, format = target.ToName(), files = fileCount, items = total, bytes = totalBytes })).ConfigureAwait(false);
            }
            else
            {
                await stdout.WriteLineAsync($"Wrote {total:N0} items in {fileCount} {target.ToName()} file(s), {EstimateCommand.Bytes(totalBytes)}, to {folder}{(parse.GetValue(manifest) ? " (with manifest)" : "")}.").ConfigureAwait(false);
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
