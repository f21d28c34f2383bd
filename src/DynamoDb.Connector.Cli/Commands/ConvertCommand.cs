using System.CommandLine;
using System.Text.Json;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Csv;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Manifests;
using DynamoDb.Connector.Formats.Uris;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoDb.Connector.Cli.Commands;

/// <summary>
/// <c>convert</c>: rewrites a data set in another line format and/or compression, file by file. Lossless where the
/// target format can hold the data; where it cannot (a delete in a non-incremental format, a binary set in CSV), the
/// record is reported as bad rather than silently changed. Converting to data-pipeline into a folder also writes an
/// EMR <c>manifest</c> (with per-file item counts), so the result imports like an EMR export.
/// </summary>
internal static class ConvertCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var source = CliOptions.Source();
        var destination = CliOptions.Destination("Where to write: a folder or S3 prefix (one output file per input file), or a file when the source is one file.");
        var to = CliOptions.Format("--to", "The target format: data-pipeline, ddb-json, ddb-json-incremental, csv, json (plain objects: sets become arrays, binary base64) or parquet (a schema inferred from the items; lists and sets become Parquet lists, maps structs).");
        to.Required = true;
        var requestTable = CliOptions.RequestTable();
        var nulls = CliOptions.Nulls();
        var format = CliOptions.Format();
        var compression = CliOptions.Compression();
        var csvSchema = CliOptions.CsvSchema();
        var parquetSchema = ParquetCli.SchemaOption();
        var json = CliOptions.Json();
        var command = new Command("convert", "Convert item files between formats and compressions.")
        {
            source, destination, to, format, compression, csvSchema, parquetSchema, requestTable, nulls, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var services = CliServices.Create();
            var stores = services.GetRequiredService<ObjectStores>();
            var reporter = new BadRecordReporter(stderr);
            var target = parse.GetValue(to)!.Value;
            if (target is ItemFileFormat.DynamoDbScan or ItemFileFormat.DynamoDbBatchWrite)
            {
                throw new CliUsageException($"--to {target.ToName()}: that format is read, not written; convert to ddb-json (DynamoDB-typed, one item per line) or json (plain).");
            }
            var schema = await CsvSchemaFile.LoadAsync(parse.GetValue(csvSchema), cancellationToken).ConfigureAwait(false);
            var parquet = await ParquetCli.LoadAsync(parse.GetValue(parquetSchema), cancellationToken).ConfigureAwait(false);
            if (parquet is { Columns.Count: > 0 } && target != ItemFileFormat.Parquet)
            {
                throw new CliUsageException($"--parquet-schema: its \"columns\" are the columns of a Parquet output; use it with --to parquet (a file with only \"nulls\" serves reading).");
            }
            var sourceOptions = new ImportSourceOptions
            {
                Source = parse.GetRequiredValue(source),
                Format = parse.GetValue(format),
                Csv = schema,
                RequestTable = parse.GetValue(requestTable),
                ParquetNulls = ParquetCli.Nulls(parse.GetValue(nulls), parquet),
                // Convert file by file: never cut a file into ranges.
                TargetSplitBytes = 64L * 1024 * 1024 * 1024,
            };
            var input = services.GetRequiredService<ImportInputFormat>();
            var plan = await input.PlanAsync(sourceOptions, cancellationToken).ConfigureAwait(false);
            var kind = parse.GetValue(compression);
            string destinationUri = parse.GetRequiredValue(destination);
            var files = plan.Splits.SelectMany(s => s.Files).Select(f => f.Uri).Distinct().ToList();
            bool intoFolder = plan.Kind != ImportSourceKind.SingleFile || IsFolder(destinationUri);
            string OutputOf(string file) => intoFolder
                ? ObjectUri.Combine(ObjectUri.AsDirectory(destinationUri), ItemFileNames.Convert(ObjectUri.FileName(file), target, kind))
                : destinationUri;
            if (SameOrInside(destinationUri, sourceOptions.Source) || files.Find(f => files.Contains(OutputOf(f))) is not null)
            {
                throw new CliUsageException($"--destination {destinationUri} is (or is inside) --source {sourceOptions.Source}: converting there would overwrite the files being read; choose another --destination.");
            }
            var readOptions = ImportReadOptions.For(plan) with
            {
                Csv = plan.Format is ItemFileFormat.Csv or ItemFileFormat.Json ? schema : null, RequestTable = sourceOptions.RequestTable,
                ParquetNulls = sourceOptions.ParquetNulls,
            };
            var writeSchema = target == ItemFileFormat.Csv
                ? (plan.Format == ItemFileFormat.Csv ? schema : null) ?? schema ?? await InferCsvSchemaAsync(input, plan, readOptions, cancellationToken).ConfigureAwait(false)
                : null;
            if (!parse.GetValue(json))
            {
                await stderr.WriteLineAsync($"Converting {files.Count} file(s) from {plan.Format.ToName()} ({plan.FormatReason}) to {target.ToName()}.").ConfigureAwait(false);
            }
            if (target == ItemFileFormat.Json && plan.Format != ItemFileFormat.Json)
            {
                await stderr.WriteLineAsync($"Note: {ItemFileFormatNames.JsonLosses}.").ConfigureAwait(false);
            }
            if (target == ItemFileFormat.Parquet && plan.Format != ItemFileFormat.Parquet)
            {
                await stderr.WriteLineAsync($"Note: {ItemFileFormatNames.ParquetLosses}.").ConfigureAwait(false);
            }
            var parquetOptions = target == ItemFileFormat.Parquet ? ParquetCli.WriterOptions(stderr, parquet) : null;

            var written = new ExportManifestEntry[files.Count];
            long items = 0, bytes = 0;
            await Parallel.ForEachAsync(Enumerable.Range(0, files.Count), new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken }, async (i, ct) =>
            {
                string output = OutputOf(files[i]);
                var (count, size) = await ConvertFileAsync(stores, input, files[i], readOptions, output, target, new ItemWriterOptions { Compression = kind, Csv = writeSchema, LeaveOpen = true, Parquet = parquetOptions }, reporter, ct).ConfigureAwait(false);
                written[i] = new ExportManifestEntry(output) { ItemCount = count, Bytes = size };
                Interlocked.Add(ref items, count);
                Interlocked.Add(ref bytes, size);
            }).ConfigureAwait(false);

            if (intoFolder && target == ItemFileFormat.Csv && schema is null && writeSchema is not null)
            {
                // The columns' types were inferred: keep them, so the files read back exactly (--csv-schema).
                string schemaUri = ObjectUri.Combine(ObjectUri.AsDirectory(destinationUri), CsvSchemaFileName);
                await stores.WriteTextAsync(schemaUri, writeSchema.ToJson(), cancellationToken).ConfigureAwait(false);
                await stderr.WriteLineAsync($"CSV columns and types written to {schemaUri}: read the files back with --csv-schema {schemaUri}.").ConfigureAwait(false);
            }
            if (intoFolder && target == ItemFileFormat.DataPipeline)
            {
                await WriteManifestAsync(stores, ObjectUri.Combine(ObjectUri.AsDirectory(destinationUri), ExportManifest.FileName), new ExportManifest(written), cancellationToken).ConfigureAwait(false);
            }
            if (parse.GetValue(json))
            {
                await stdout.WriteLineAsync(JsonSerializer.Serialize(new { source = plan.Source, from = plan.Format.ToName(), to = target.ToName(), files = files.Count, items, bytes, errors = reporter.Count })).ConfigureAwait(false);
            }
            else
            {
                await stdout.WriteLineAsync($"Wrote {items:N0} items in {files.Count} file(s), {EstimateCommand.Bytes(bytes)}, to {destinationUri}.{(reporter.Count > 0 ? $" {reporter.Count:N0} bad records on stderr." : "")}").ConfigureAwait(false);
            }
            if (items == 0 && reporter.Count > 0) throw new InvalidDataException(ImportCommandOptions.NothingReadable(plan, reporter.Count));
            return reporter.Count > 0 ? ExitCodes.FinishedWithBadRecords : ExitCodes.Success;
        });
        return command;
    }

    private static async Task<(long Items, long Bytes)> ConvertFileAsync(ObjectStores stores, ImportInputFormat input, string sourceUri, ImportReadOptions readOptions, string destinationUri, ItemFileFormat to, ItemWriterOptions writeOptions, BadRecordReporter reporter, CancellationToken cancellationToken)
    {
        var info = await stores.For(sourceUri).GetInfoAsync(sourceUri, cancellationToken).ConfigureAwait(false) ?? throw new FileNotFoundException($"{sourceUri} disappeared.", sourceUri);
        var reader = await input.OpenAsync(new ImportSplit(0, [new SplitFile(sourceUri, info.Size, 0, info.Size)]), readOptions, null, cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            var output = await stores.For(destinationUri).CreateAsync(destinationUri, cancellationToken).ConfigureAwait(false);
            await using (output.ConfigureAwait(false))
            {
                var writer = ItemFiles.OpenWriter(output.Stream, to, writeOptions);
                await using (writer.ConfigureAwait(false))
                {
                    await foreach (var read in reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        if (read.Record is not { } record)
                        {
                            reporter.Report(read.Error!);
                            continue;
                        }
                        try
                        {
                            await writer.WriteAsync(record, cancellationToken).ConfigureAwait(false);
                        }
                        catch (Exception e) when (e is NotSupportedException or FormatException)
                        {
                            // The target format cannot hold this record: report it, never change it silently.
                            reporter.Report($"{sourceUri}:{record.Line}: cannot be written as {to.ToName()}: {e.Message}");
                        }
                    }
                    await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
                    long size = await output.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return (writer.ItemsWritten, size);
                }
            }
        }
    }

    /// <summary>Infers CSV columns from the first items of the source (a CSV file needs its header before its first row).</summary>
    private static async Task<CsvSchema> InferCsvSchemaAsync(ImportInputFormat input, ImportPlan plan, ImportReadOptions readOptions, CancellationToken cancellationToken)
    {
        const int sampleSize = 1000;
        var sample = new List<IReadOnlyDictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>>(sampleSize);
        // Bad records are left out of the sample, not reported: the conversion reads (and reports) them.
        var quiet = new ImportReadOptions(plan.Format) { Csv = readOptions.Csv };
        foreach (var file in plan.Splits.SelectMany(s => s.Files))
        {
            var reader = await input.OpenAsync(new ImportSplit(0, [file]), quiet, null, cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                await foreach (var read in reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (read.Record is { } record) sample.Add(record.Item);
                    if (sample.Count >= sampleSize) break;
                }
            }
            if (sample.Count >= sampleSize) break;
        }
        return CsvSchema.Infer(sample);
    }

    /// <summary>The inferred schema's file name: the leading underscore keeps it out of imports of the folder.</summary>
    internal const string CsvSchemaFileName = "_csv-schema.json";

    private static async Task WriteManifestAsync(ObjectStores stores, string uri, ExportManifest manifest, CancellationToken cancellationToken)
    {
        var output = await stores.For(uri).CreateAsync(uri, cancellationToken).ConfigureAwait(false);
        await using (output.ConfigureAwait(false))
        {
            await manifest.WriteAsync(output.Stream, cancellationToken).ConfigureAwait(false);
            await output.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether <paramref name="inner"/> names <paramref name="outer"/> or something inside it (paths made absolute, S3 uris canonical).</summary>
    private static bool SameOrInside(string inner, string outer)
    {
        static string Canonical(string uri) => (ObjectUri.KindOf(uri) == ObjectUriKind.S3 ? ObjectUri.Normalize(uri) : Path.GetFullPath(ObjectUri.ToLocalPath(uri))).TrimEnd('/', Path.DirectorySeparatorChar);
        if (ObjectUri.KindOf(inner) != ObjectUri.KindOf(outer)) return false;
        string a = Canonical(inner), b = Canonical(outer);
        return a == b || a.StartsWith(b + "/", StringComparison.Ordinal) || a.StartsWith(b + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    private static bool IsFolder(string uri) => ObjectUri.IsDirectoryLike(uri) || (ObjectUri.KindOf(uri) == ObjectUriKind.Local && Directory.Exists(ObjectUri.ToLocalPath(uri)));
}
