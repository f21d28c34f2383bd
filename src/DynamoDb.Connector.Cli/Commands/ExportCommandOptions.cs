using System.CommandLine;
using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Lines;
using Microsoft.Extensions.Options;

namespace DynamoDb.Connector.Cli.Commands;

/// <summary>
/// What to export and where, as <c>export</c> and <c>plan-export</c> both take it: the table and what of it is read,
/// the destination, the format and layout, the read budget and the checkpoint.
/// </summary>
internal sealed class ExportCommandOptions
{
    private readonly Option<string> table;
    private readonly Option<string> destination;
    private readonly Option<ItemFileFormat?> format;
    private readonly Option<CompressionKind?> compression;
    private readonly Option<double?> readPercent;
    private readonly Option<double?> readCapacity;
    private readonly Option<int?> segments;
    private readonly Option<string?> keyCondition;
    private readonly Option<string?> filter;
    private readonly Option<string?> projection;
    private readonly Option<Dictionary<string, string>?> names;
    private readonly Option<Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>?> values;
    private readonly Option<string?> index;
    private readonly Option<bool> consistentRead;
    private readonly Option<string?> checkpoint;
    private readonly Option<ExportLayout?> layout;
    private readonly Option<int?> itemsPerFile;
    private readonly Option<bool> overwrite;

    public ExportCommandOptions()
    {
        table = new Option<string>("--table") { Description = "The table to export.", Required = true };
        destination = CliOptions.Destination("The export folder: s3://bucket/prefix/, file:///path/ or a local path. Refused when it already holds a complete export, unless --overwrite.");
        format = CliOptions.Format(description: "The line format: data-pipeline (EMR, the default), ddb-json (the native layout's only one) or json (plain objects: sets become arrays, binary base64).");
        format.HelpName = "data-pipeline|ddb-json|json";
        // Not CliOptions.Compression(): without --compression the layout chooses (none for emr, gzip for native).
        compression = new Option<CompressionKind?>("--compression")
        {
            Description = "Compression of the part files: none (the emr layout's default), gzip (the native layout's only one) or zstd.",
            HelpName = "none|gzip|zstd",
            CustomParser = r => CliOptions.ParseName<CompressionKind>(r, "compression", CompressionKindNames.TryParse, CompressionKindNames.All),
        };
        (readPercent, readCapacity) = ReadBudgetOptions();
        segments = CliOptions.Number("--segments", $"Parallel scan segments, 1 to {ExportOptions.MaxTotalSegments:N0}. Default: from the table's size and the read budget, as EMR.", 1, ExportOptions.MaxTotalSegments);
        keyCondition = new Option<string?>("--key-condition") { Description = "Read with Query instead of Scan: a key condition such as '#pk = :p' (and 'pk IN (:a, :b)' for one Query per value)." };
        filter = new Option<string?>("--filter") { Description = "A filter expression DynamoDB applies (read capacity is still charged for every item it reads)." };
        projection = new Option<string?>("--projection") { Description = "The attributes to export, e.g. '#id, price'." };
        names = CliOptions.Names();
        values = CliOptions.Values();
        index = new Option<string?>("--index") { Description = "A global or local secondary index to read instead of the table." };
        consistentRead = new Option<bool>("--consistent-read") { Description = "Strongly consistent reads (twice the read capacity; not on global secondary indexes)." };
        checkpoint = CliOptions.Location(new Option<string?>("--checkpoint") { Description = "Where progress is recorded so an interrupted export resumes: a folder uri. Default: <destination>/_checkpoint/ (removed when the export completes)." });
        layout = new Option<ExportLayout?>("--layout")
        {
            Description = "emr (part files and an EMR manifest, the default) or native (DynamoDB's export layout: AWSDynamoDB/<id>/data/*.json.gz and manifest-summary.json).",
            HelpName = "emr|native",
            CustomParser = r => CliOptions.ParseName<ExportLayout>(r, "layout", ExportLayoutNames.TryParse, ExportLayoutNames.All),
        };
        itemsPerFile = CliOptions.Number("--items-per-file", $"Items per part file, 1 to {ExportOptions.MaxItemsPerFile:N0}. Default {ExportOptions.DefaultItemsPerFile:N0}.", 1, ExportOptions.MaxItemsPerFile);
        overwrite = new Option<bool>("--overwrite") { Description = "Replace a complete export already in the destination." };
        // plan-export --to, as the fan-out contract names it; --destination everywhere else.
        destination.Aliases.Add("--to");
    }

    /// <summary><c>--read-percent</c> and <c>--read-capacity</c> (see <see cref="AddReadBudget"/>).</summary>
    public static (Option<double?> ReadPercent, Option<double?> ReadCapacity) ReadBudgetOptions() => (
            CliOptions.Number("--read-percent",
            $"The share of the table's read capacity to use, as EMR's dynamodb.throughput.read.percent: 0.5 (the default) is half; {ReadThroughputOptions.MinReadPercent} to {ReadThroughputOptions.MaxReadPercent}.",
            ReadThroughputOptions.MinReadPercent, ReadThroughputOptions.MaxReadPercent),
            CliOptions.Number("--read-capacity", "An absolute read budget in RCU per second, instead of --read-percent.", 1, ReadThroughputOptions.MaxReadUnits));

    /// <summary>Adds the read budget options to <paramref name="command"/>, with the check that a share and an absolute budget are not both given.</summary>
    public static void AddReadBudget(Command command, Option<double?> readPercent, Option<double?> readCapacity)
    {
        command.Options.Add(readPercent);
        command.Options.Add(readCapacity);
        command.Validators.Add(r =>
        {
            if (r.GetResult(readPercent) is not null && r.GetResult(readCapacity) is not null)
                r.AddError("--read-percent and --read-capacity cannot be used together: give a share of the table's capacity or an absolute budget.");
        });
    }

    /// <summary>--read-percent and --read-capacity into <paramref name="throughput"/>.</summary>
    public static void ApplyReadBudget(ParseResult parse, Option<double?> readPercent, Option<double?> readCapacity, ReadThroughputOptions throughput)
    {
        if (parse.GetValue(readPercent) is { } percent) throughput.ReadPercent = percent;
        throughput.ReadUnitsPerSecond = parse.GetValue(readCapacity);
    }

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(table);
        command.Options.Add(destination);
        command.Options.Add(format);
        command.Options.Add(compression);
        AddReadBudget(command, readPercent, readCapacity);
        command.Options.Add(segments);
        command.Options.Add(keyCondition);
        command.Options.Add(filter);
        command.Options.Add(projection);
        command.Options.Add(names);
        command.Options.Add(values);
        command.Options.Add(index);
        command.Options.Add(consistentRead);
        command.Options.Add(checkpoint);
        command.Options.Add(layout);
        command.Options.Add(itemsPerFile);
        command.Options.Add(overwrite);
    }

    /// <summary>The export's options from the command line, <paramref name="configure"/>d, validated (a problem is a usage error naming the flag).</summary>
    public ExportOptions Bind(ParseResult parse, Action<ExportOptions>? configure = null)
    {
        var options = new ExportOptions
        {
            TableName = parse.GetRequiredValue(table),
            Destination = parse.GetRequiredValue(destination),
            Format = parse.GetValue(format),
            Compression = parse.GetValue(compression),
            Layout = parse.GetValue(layout) ?? ExportLayout.Emr,
            ItemsPerFile = parse.GetValue(itemsPerFile) ?? ExportOptions.DefaultItemsPerFile,
            IndexName = parse.GetValue(index),
            KeyConditionExpression = parse.GetValue(keyCondition),
            FilterExpression = parse.GetValue(filter),
            ProjectionExpression = parse.GetValue(projection),
            ExpressionAttributeNames = parse.GetValue(names),
            ExpressionAttributeValues = parse.GetValue(values),
            ConsistentRead = parse.GetValue(consistentRead),
            TotalSegments = parse.GetValue(segments),
            CheckpointUri = parse.GetValue(checkpoint),
            Overwrite = parse.GetValue(overwrite),
        };
        configure?.Invoke(options);
        ApplyReadBudget(parse, readPercent, readCapacity, options.Throughput);
        try
        {
            options.Validate();
        }
        catch (OptionsValidationException e)
        {
            throw new CliUsageException(string.Join(" ", e.Failures.Select(ExportCommand.InOptionNames)));
        }
        return options;
    }
}
