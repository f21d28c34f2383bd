using System.CommandLine;
using System.Globalization;
using DynamoDb.Connector.FanOut;
using DynamoDb.Connector.Formats.Uris;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoDb.Connector.Cli.Commands;

/// <summary>
/// <c>plan</c>: shows how an import would read a source (how the files were found, the format, the splits), and with
/// <c>--out</c> writes one JSON file per split for <c>run-split</c> and the <c>items.json</c> a Step Functions
/// Distributed Map reads; with <c>--state-machine</c>, the fan-out's Amazon States Language definition.
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
        var output = CliOptions.Location(new Option<string?>("--out")
        {
            Description = "A folder (local, file:// or s3://bucket/prefix/) to write one split-NNNNNN.json per split into, for run-split, and items.json listing them for a Step Functions Distributed Map.",
        });
        var (stateMachine, maxConcurrency, functionArn) = StateMachineOptions("split");
        var json = CliOptions.Json();
        var command = new Command("plan", "Show the splits an import of a source would run; optionally write them out for run-split or a Step Functions fan-out.")
        {
            source, format, csvSchema, splitSize, verify, keysUnique, allowOutside, allowIncomplete, output, stateMachine, maxConcurrency, functionArn, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            CheckStateMachineOptions(parse, stateMachine, maxConcurrency, functionArn);
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
            var stores = services.GetRequiredService<ObjectStores>();
            if (parse.GetValue(output) is { } folder)
            {
                await DistributedMapItems.WriteImportPlanAsync(stores, plan, folder, cancellationToken).ConfigureAwait(false);
                await stderr.WriteLineAsync($"Wrote {plan.Splits.Count} split files and {DistributedMapItems.ItemsUri(folder)} (the Distributed Map's items).").ConfigureAwait(false);
                if (ObjectUri.KindOf(folder) == ObjectUriKind.S3)
                {
                    await stderr.WriteLineAsync($"Execution input (set the table, add write options to \"invocation\"): {FanOutStateMachine.ImportExecutionInput(folder, "TABLE")}").ConfigureAwait(false);
                }
            }
            if (parse.GetValue(stateMachine) is { } definitionUri)
            {
                var definition = DefinitionOptions(parse, maxConcurrency, functionArn, plan.Splits.Count);
                await WriteStateMachineAsync(stores, definitionUri, FanOutStateMachine.ForImport(definition), definition, plan.Splits.Count, "split", stderr, cancellationToken).ConfigureAwait(false);
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

    /// <summary>The default concurrency when none is given: every split at once, up to this many.</summary>
    internal const int DefaultMaxConcurrency = 10;

    /// <summary>
    /// <c>--state-machine</c>, <c>--max-concurrency</c> and <c>--function-arn</c>, for <c>plan</c> and <c>plan-export</c>
    /// (<paramref name="noun"/>: what the map runs, "split" or "segment").
    /// </summary>
    internal static (Option<string?> StateMachine, Option<int?> MaxConcurrency, Option<string?> FunctionArn) StateMachineOptions(string noun)
    {
        var stateMachine = CliOptions.Location(new Option<string?>("--state-machine")
        {
            Description = $"Write the Step Functions definition (Amazon States Language JSON) that fans the {noun}s out over the Lambda function to this file (local or s3://).",
        });
        var maxConcurrency = CliOptions.Number("--max-concurrency",
            $"How many {noun}s the state machine runs at once (1-10000); each invocation takes 1/N of the table's budget. Default: the plan's {noun} count, at most {DefaultMaxConcurrency}.",
            1, FanOutDefinitionOptions.MaxDistributedConcurrency);
        var functionArn = new Option<string?>("--function-arn")
        {
            Description = $"The function the state machine invokes. Default: {FanOutDefinitionOptions.FunctionArnPlaceholder}, which deploy/template.yaml substitutes with the function it deploys.",
        };
        return (stateMachine, maxConcurrency, functionArn);
    }

    /// <summary>Refuses, before any planning, <c>--max-concurrency</c> or <c>--function-arn</c> without <c>--state-machine</c>, and an empty ARN.</summary>
    internal static void CheckStateMachineOptions(ParseResult parse, Option<string?> stateMachine, Option<int?> maxConcurrency, Option<string?> functionArn)
    {
        string? arn = parse.GetValue(functionArn);
        if (parse.GetValue(stateMachine) is null && (parse.GetValue(maxConcurrency) is not null || arn is not null))
        {
            throw new CliUsageException("--max-concurrency and --function-arn shape the state machine: give --state-machine file.asl.json too.");
        }
        if (arn is not null && string.IsNullOrWhiteSpace(arn))
        {
            throw new CliUsageException("--function-arn is empty: give the function's ARN, or leave the option out for the template to substitute it.");
        }
    }

    /// <summary>The definition's options from the command line; <paramref name="items"/> is how many splits (segments) the plan has.</summary>
    internal static FanOutDefinitionOptions DefinitionOptions(ParseResult parse, Option<int?> maxConcurrency, Option<string?> functionArn, int items)
    {
        var options = new FanOutDefinitionOptions
        {
            MaxConcurrency = parse.GetValue(maxConcurrency) ?? Math.Clamp(items, 1, DefaultMaxConcurrency),
        };
        if (parse.GetValue(functionArn) is { } arn) options.FunctionArn = arn;
        return options;
    }

    /// <summary>Writes a definition and says on <paramref name="stderr"/> what its concurrency means for the table's budget.</summary>
    internal static async Task WriteStateMachineAsync(ObjectStores stores, string uri, string definition, FanOutDefinitionOptions options, int items, string noun, TextWriter stderr, CancellationToken cancellationToken)
    {
        await stores.WriteTextAsync(uri, definition, cancellationToken).ConfigureAwait(false);
        int n = options.MaxConcurrency;
        await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Wrote the state machine to {uri}: at most {n} {noun}(s) at once, each invocation taking 1/{n} of the table's budget (maxConcurrency {n} in its payload).")).ConfigureAwait(false);
        if (items < n)
        {
            await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"The plan has {items} {noun}(s): at most {items} run at once, using {items}/{n} of the budget; --max-concurrency {items} would use all of it.")).ConfigureAwait(false);
        }
        if (options.FunctionArn == FanOutDefinitionOptions.FunctionArnPlaceholder)
        {
            await stderr.WriteLineAsync($"It invokes {FanOutDefinitionOptions.FunctionArnPlaceholder}: deploy it with deploy/template.yaml (DefinitionSubstitutions fills in the function), or give --function-arn.").ConfigureAwait(false);
        }
    }
}
