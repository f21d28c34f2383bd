using System.CommandLine;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoDb.Connector.Cli.Commands;

/// <summary>
/// <c>run-export-segment</c>: runs one segment written by <c>plan-export</c> (or the continuation a time-boxed run
/// printed): its items go into part files in the destination, its position into the export's checkpoint. With
/// <c>--time-budget</c> it stops in time and hands on the continuation (with <c>--json</c>, an
/// <see cref="ExportSegmentRunSummary"/>: the one object on stdout).
/// </summary>
internal static class RunExportSegmentCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        var segment = new Option<string>("--segment") { Description = "The segment document: a file from plan-export --out, a file:// or s3:// uri, or - to read it from stdin; or the continuation a time-boxed run printed.", Required = true };
        var processes = CliOptions.Number("--processes", "How many segments run at once: each takes 1/N of the table's read budget, 1 to 100,000. Default 1.", 1, 100_000, 1);
        var timeBudget = RunSplitCommand.TimeBudget();
        var (readPercent, readCapacity) = ExportCommandOptions.ReadBudgetOptions();
        var json = CliOptions.Json();
        var command = new Command("run-export-segment", "Run one segment of a planned export (see plan-export), time-boxed with --time-budget; rerun its continuation until done.") { segment, processes, timeBudget, json };
        ExportCommandOptions.AddReadBudget(command, readPercent, readCapacity);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var services = CliServices.Create();
            string uri = parse.GetRequiredValue(segment);
            ExportSegmentDocument document;
            if (uri != "-") document = await ExportSegmentDocument.ReadAsync(services.GetRequiredService<ObjectStores>(), uri, cancellationToken).ConfigureAwait(false);
            else
            {
                try
                {
                    document = ExportSegmentDocument.Parse(await stdin.ReadToEndAsync(cancellationToken).ConfigureAwait(false));
                }
                catch (FormatException e)
                {
                    throw new FormatException($"stdin: {e.Message}", e);
                }
            }
            var options = new ExportSegmentOptions { TimeBudget = parse.GetValue(timeBudget) };
            ExportCommandOptions.ApplyReadBudget(parse, readPercent, readCapacity, options.Throughput);
            options.Throughput.ProcessShare = 1.0 / parse.GetValue(processes);
            var summary = await services.GetRequiredService<ExportJob>().RunSegmentAsync(document, options, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await stdout.WriteLineAsync(summary.ToJson()).ConfigureAwait(false);
                return ExitCodes.Success;
            }
            await stdout.WriteLineAsync($"segment:  {document.Segment.Id} of {document.SegmentCount} ({(summary.Done ? "done" : "not done")})").ConfigureAwait(false);
            await stdout.WriteLineAsync($"items:    {summary.ItemsWritten:N0} written in {summary.FilesCommitted:N0} files this run ({summary.ItemsRead:N0} read)").ConfigureAwait(false);
            await stdout.WriteLineAsync($"elapsed:  {EstimateCommand.Duration(summary.ElapsedSeconds)}").ConfigureAwait(false);
            if (summary.Continuation is { } next)
            {
                // Not an error: the continuation goes on.
                await stderr.WriteLineAsync($"Stopped by --time-budget before the segment's end; what was read is committed. Go on with --segment <this continuation>: {next.ToJson()}").ConfigureAwait(false);
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
