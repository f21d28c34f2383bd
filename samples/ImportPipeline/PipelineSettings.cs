using Microsoft.Extensions.Configuration;

namespace ImportPipelineSample;

/// <summary>What to import where, from the command line (<c>--Source ... --Table ...</c>) or any other configuration source.</summary>
/// <param name="Source">What to import: a folder, prefix, manifest or file (local path, file:// or s3:// uri).</param>
/// <param name="Table">The table to write to.</param>
/// <param name="Checkpoints">The DynamoDB table the positions are kept in (created when missing).</param>
internal sealed record PipelineSettings(string Source, string Table, string Checkpoints)
{
    /// <summary>Workers, each with one writer for the whole run; writers of one table share its budget.</summary>
    public int Workers { get; init; } = 2;

    /// <summary>Items between checkpoints.</summary>
    public int CheckpointEvery { get; init; } = 1_000;

    /// <summary>Bytes per split (<see cref="DynamoDb.Connector.Import.ImportSourceOptions.TargetSplitBytes"/>): small files are grouped, big uncompressed ones cut, to about this.</summary>
    public long SplitBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>The share of the table's write capacity the writers take together (0.5: half).</summary>
    public double WritePercent { get; init; } = 0.5;

    /// <summary>Where items DynamoDB refuses go (a folder or prefix), as re-importable JSON lines; null: they are logged at each checkpoint.</summary>
    public string? DeadLetters { get; init; }

    /// <summary>Stop (checkpointed) after this many items in this run; a rerun goes on from there. Null: import everything.</summary>
    public long? MaxItems { get; init; }

    public static PipelineSettings From(IConfiguration configuration)
    {
        string Required(string name) => configuration[name] is { Length: > 0 } value
            ? value
            : throw new ArgumentException($"--{name} is required (usage: --Source <uri> --Table <name> --Checkpoints <table> [--Workers n] [--CheckpointEvery n] [--SplitBytes n] [--WritePercent p] [--DeadLetters <uri>] [--MaxItems n]).");
        var settings = new PipelineSettings(Required("Source"), Required("Table"), Required("Checkpoints"))
        {
            DeadLetters = configuration["DeadLetters"] is { Length: > 0 } deadLetters ? deadLetters : null,
            Workers = configuration.GetValue("Workers", 2),
            CheckpointEvery = configuration.GetValue("CheckpointEvery", 1_000),
            SplitBytes = configuration.GetValue("SplitBytes", 256L * 1024 * 1024),
            WritePercent = configuration.GetValue("WritePercent", 0.5),
            MaxItems = configuration.GetValue<long?>("MaxItems"),
        };
        if (settings.Workers < 1 || settings.CheckpointEvery < 1 || settings.MaxItems < 1)
        {
            throw new ArgumentException("--Workers, --CheckpointEvery and --MaxItems must be at least 1.");
        }
        return settings;
    }
}
