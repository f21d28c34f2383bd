using System.CommandLine;
using DynamoDb.Connector.Export;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoDb.Connector.Cli.Commands;

/// <summary>
/// <c>finish-export</c>: finishes an export planned by <c>plan-export</c> once every segment is done: writes the
/// manifest (EMR or native layout) and deletes the checkpoint; refuses, naming them, while segments are not done.
/// </summary>
internal static class FinishExportCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var plan = CliOptions.Location(new Option<string>("--plan") { Description = "The plan folder plan-export wrote (local, file:// or s3://bucket/prefix/).", Required = true });
        var json = CliOptions.Json();
        var command = new Command("finish-export", "Write the manifest of an export planned by plan-export, once every segment is done.") { plan, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var services = CliServices.Create();
            var summary = await services.GetRequiredService<ExportJob>().FinishSegmentsAsync(parse.GetRequiredValue(plan), cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await stdout.WriteLineAsync(summary.ToJson()).ConfigureAwait(false);
                return ExitCodes.Success;
            }
            await stdout.WriteLineAsync($"items:    {summary.ItemsWritten:N0} in {summary.FilesCommitted:N0} files").ConfigureAwait(false);
            await stdout.WriteLineAsync($"manifest: {summary.ManifestUri}").ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
