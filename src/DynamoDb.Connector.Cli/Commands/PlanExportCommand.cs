using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.FanOut;
using DynamoDb.Connector.Formats.Uris;
using DynamoDb.Connector.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoDb.Connector.Cli.Commands;

/// <summary>
/// <c>plan-export</c>: plans an export fanned out over processes (or a Step Functions Distributed Map): records it in its
/// checkpoint and writes one <c>segment-NNNN.json</c> per segment and <c>items.json</c> into <c>--out</c>, for
/// <c>run-export-segment</c>; <c>finish-export</c> writes the manifest once every segment is done.
/// </summary>
internal static class PlanExportCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var shared = new ExportCommandOptions();
        var output = CliOptions.Location(new Option<string>("--out")
        {
            Description = "A folder (local, file:// or s3://bucket/prefix/) to write one segment-NNNN.json per segment into, for run-export-segment, and items.json listing them for a Step Functions Distributed Map.",
            Required = true,
        });
        var (stateMachine, maxConcurrency, functionArn) = PlanCommand.StateMachineOptions("segment");
        var json = CliOptions.Json();
        var command = new Command("plan-export", "Plan an export fanned out over processes or a Step Functions map: write its segment documents for run-export-segment (then finish-export).");
        shared.AddTo(command);
        foreach (var option in new Option[] { output, stateMachine, maxConcurrency, functionArn, json }) command.Options.Add(option);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = shared.Bind(parse);
            using var services = CliServices.Create();
            var job = services.GetRequiredService<ExportJob>();
            string folder = parse.GetRequiredValue(output);
            var plan = await job.PlanSegmentsAsync(options, folder, cancellationToken).ConfigureAwait(false);
            await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Wrote {plan.Segments.Count} segment files and {plan.ItemsUri} (the Distributed Map's items){(plan.Resumed ? "; the export was planned before: its segments go on where they stopped" : "")}.")).ConfigureAwait(false);
            if (ObjectUri.KindOf(folder) == ObjectUriKind.S3)
            {
                await stderr.WriteLineAsync($"Execution input (add read options to \"invocation\"): {FanOutStateMachine.ExportExecutionInput(folder)}").ConfigureAwait(false);
            }
            if (parse.GetValue(stateMachine) is { } definitionUri)
            {
                var definition = PlanCommand.DefinitionOptions(parse, maxConcurrency, functionArn, plan.Segments.Count);
                await PlanCommand.WriteStateMachineAsync(services.GetRequiredService<ObjectStores>(), definitionUri, FanOutStateMachine.ForExport(definition), definition, plan.Segments.Count, "segment", stderr, cancellationToken).ConfigureAwait(false);
            }
            var first = plan.Segments[0];
            if (parse.GetValue(json))
            {
                await stdout.WriteLineAsync(JsonSerializer.Serialize(new
                {
                    table = plan.Plan.TableName,
                    index = plan.Plan.IndexName,
                    destination = first.Destination,
                    checkpoint = first.CheckpointUri,
                    segments = plan.Segments.Count,
                    basis = plan.Plan.Basis,
                    items = plan.ItemsUri,
                    segmentUris = plan.SegmentUris,
                    planFingerprint = first.PlanFingerprint,
                    resumed = plan.Resumed,
                })).ConfigureAwait(false);
                return ExitCodes.Success;
            }
            await stdout.WriteLineAsync($"table:       {plan.Plan.TableName}{(plan.Plan.IndexName is null ? "" : $" (index {plan.Plan.IndexName})")}").ConfigureAwait(false);
            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"segments:    {plan.Segments.Count:N0} ({plan.Plan.Basis})")).ConfigureAwait(false);
            await stdout.WriteLineAsync($"destination: {first.Destination}").ConfigureAwait(false);
            await stdout.WriteLineAsync($"checkpoint:  {first.CheckpointUri}").ConfigureAwait(false);
            await stdout.WriteLineAsync($"items:       {plan.ItemsUri}").ConfigureAwait(false);
            await stdout.WriteLineAsync($"next:        run-export-segment --segment <each segment file> (until done), then finish-export --plan {folder}").ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
