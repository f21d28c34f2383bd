using System.CommandLine;
using DynamoDb.Connector.Import;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoDb.Connector.Cli.Commands;

/// <summary>
/// <c>run-split</c>: runs one split written by <c>plan --out</c>, for an import fanned out over processes (containers,
/// Lambda invocations). Processes running at once share the table's budget with <c>--processes N</c>.
/// </summary>
internal static class RunSplitCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        var split = new Option<string>("--split") { Description = "The split's JSON file (from plan --out), or - to read it from stdin.", Required = true };
        var processes = CliOptions.Number("--processes", "How many run-split processes write to the table at once: each takes 1/N of its budget, 1 to 100,000. Default 1.", 1, 100_000, 1);
        var shared = new ImportCommandOptions();
        var command = new Command("run-split", "Run one split of a planned import (see plan --out): for fanning an import out over processes.") { split, processes };
        shared.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            string path = parse.GetRequiredValue(split);
            string text = path == "-"
                ? await stdin.ReadToEndAsync(cancellationToken).ConfigureAwait(false)
                : await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
            SplitDocument document;
            try
            {
                document = SplitDocument.Parse(text);
            }
            catch (FormatException e)
            {
                throw new FormatException($"{(path == "-" ? "stdin" : path)}: {e.Message}", e);
            }
            using var services = CliServices.Create();
            var options = await shared.BindAsync(parse, cancellationToken).ConfigureAwait(false);
            options.Writer.Throughput.ProcessShare = 1.0 / parse.GetValue(processes);
            await shared.PrepareTableAsync(parse, services, stderr, cancellationToken).ConfigureAwait(false);
            var job = services.GetRequiredService<ImportJob>();
            return await shared.RunAsync(parse, options, o => job.RunSplitAsync(document, o, cancellationToken), stdout, stderr, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
