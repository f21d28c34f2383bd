using System.CommandLine;
using DynamoDb.Connector.Import;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoDb.Connector.Cli.Commands;

/// <summary>
/// <c>import</c>: loads a data set (a file, a folder or prefix, an EMR manifest export, a native export) into a table
/// at the allotted rate, with a progress bar, checkpoints to resume from and bad lines set aside.
/// </summary>
internal static class ImportCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var source = CliOptions.Source();
        var format = CliOptions.Format();
        var splitSize = CliOptions.SplitSize();
        var verify = CliOptions.Verify();
        var keysUnique = CliOptions.KeysUnique();
        var allowOutside = CliOptions.AllowOutsideSource();
        var allowIncomplete = CliOptions.AllowIncomplete();
        var shared = new ImportCommandOptions();
        var command = new Command("import", "Import items from files (local or S3) into a DynamoDB table at the allotted write rate.") { source, format, splitSize, verify, keysUnique, allowOutside, allowIncomplete };
        shared.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var services = CliServices.Create();
            var options = await shared.BindAsync(parse, cancellationToken).ConfigureAwait(false);
            options.Source.Source = parse.GetRequiredValue(source);
            options.Source.Format = parse.GetValue(format);
            CliOptions.ApplySplitSize(parse.GetValue(splitSize), options.Source);
            options.Source.Verify = parse.GetValue(verify);
            options.Source.KeysUniqueAcrossFiles = parse.GetValue(keysUnique);
            options.Source.AllowEntriesOutsideSource = parse.GetValue(allowOutside);
            options.Source.AllowIncompleteExport = parse.GetValue(allowIncomplete);
            ImportCommandOptions.Validate(options);
            await shared.PrepareTableAsync(parse, services, stderr, cancellationToken).ConfigureAwait(false);
            var job = services.GetRequiredService<ImportJob>();
            return await shared.RunAsync(parse, options, o => job.RunAsync(o, cancellationToken), stdout, stderr, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
