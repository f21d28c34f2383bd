using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.DependencyInjection;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Reading;
using DynamoDb.Connector.Writing;
using Microsoft.Extensions.Options;

namespace DynamoDb.Connector.Export;

/// <summary>How an export lays out its files.</summary>
public enum ExportLayout
{
    /// <summary>
    /// <c>emr</c> (the default): part files named by a random UUID (plus <c>.gz</c> / <c>.zst</c>) directly in the
    /// destination, and the EMR v3 <c>manifest</c> written last, with each file's item count, bytes and SHA-256. Read by
    /// the EMR import tool (data-pipeline format) and by this connector's import.
    /// </summary>
    Emr,

    /// <summary>
    /// <c>native</c>: DynamoDB's own export layout under <c>&lt;destination&gt;/AWSDynamoDB/&lt;ExportId&gt;/</c>:
    /// <c>_started</c>, <c>data/*.json.gz</c> (ddb-json lines, gzip), <c>manifest-files.json</c> and, written last,
    /// <c>manifest-summary.json</c> (each with its <c>.checksum</c>). DynamoDB's ImportTable reads the data folder;
    /// this connector's import reads the manifests.
    /// </summary>
    Native,
}

/// <summary>The names of <see cref="ExportLayout"/> values: <c>emr</c>, <c>native</c>.</summary>
public static class ExportLayoutNames
{
    /// <summary>Every name, in the order of the enum.</summary>
    public static IReadOnlyList<string> All { get; } = ["emr", "native"];

    /// <summary>The name of a layout.</summary>
    public static string ToName(this ExportLayout layout) => All[(int)layout];

    /// <summary>Parses a layout name (case-insensitive).</summary>
    public static bool TryParse(string? name, out ExportLayout layout)
    {
        int index = All.ToList().FindIndex(n => string.Equals(n, name?.Trim(), StringComparison.OrdinalIgnoreCase));
        layout = index < 0 ? default : (ExportLayout)index;
        return index >= 0;
    }
}

/// <summary>
/// What to export (a table, an index, or the part a key condition selects), where to, in which format, and how
/// fast. Validated when the export starts; every problem is reported at once.
/// </summary>
public sealed class ExportOptions
{
    /// <summary>The default <see cref="ItemsPerFile"/>: 100,000, as the EMR connector rotates its files.</summary>
    public const int DefaultItemsPerFile = 100_000;

    /// <summary>The largest <see cref="ItemsPerFile"/>: 100,000,000.</summary>
    public const int MaxItemsPerFile = 100_000_000;

    /// <summary>The most parallel scan segments DynamoDB allows: 1,000,000.</summary>
    public const int MaxTotalSegments = 1_000_000;

    /// <summary>The largest <see cref="MaxWorkers"/>: 1,024.</summary>
    public const int WorkersLimit = 1024;

    /// <summary>The table to export. Required.</summary>
    public string TableName { get; set; } = "";

    /// <summary>
    /// The export directory: <c>s3://bucket/prefix/</c>, <c>file:///path/</c> or a local path (a relative path is made
    /// absolute, since the manifest lists absolute uris). Required. One export per destination at a time.
    /// </summary>
    public string Destination { get; set; } = "";

    /// <summary>
    /// The line format: <see cref="ItemFileFormat.DataPipeline"/>, <see cref="ItemFileFormat.DynamoDbJson"/> or
    /// <see cref="ItemFileFormat.Json"/> (plain objects: sets become arrays and binary base64 strings). Default
    /// null: data-pipeline for <see cref="ExportLayout.Emr"/>, ddb-json (the only one allowed) for <see cref="ExportLayout.Native"/>.
    /// </summary>
    public ItemFileFormat? Format { get; set; }

    /// <summary>
    /// How part files are compressed. Default null: none for <see cref="ExportLayout.Emr"/> (as the EMR tool writes by
    /// default), gzip (the only one allowed) for <see cref="ExportLayout.Native"/>.
    /// </summary>
    public CompressionKind? Compression { get; set; }

    /// <summary>The file layout. Default <see cref="ExportLayout.Emr"/>.</summary>
    public ExportLayout Layout { get; set; } = ExportLayout.Emr;

    /// <summary>
    /// For <see cref="ItemFileFormat.Parquet"/>: row group bounds and <see cref="Formats.Parquet.ParquetWriterOptions.OnFallback"/>,
    /// called (from any worker) for each attribute a part file writes as DynamoDB JSON text. Default null: the defaults.
    /// </summary>
    public Formats.Parquet.ParquetWriterOptions? Parquet { get; set; }

    /// <summary>Items per part file before a new one starts. Default 100,000; valid 1 to 100,000,000.</summary>
    [Between(1, MaxItemsPerFile)]
    public int ItemsPerFile { get; set; } = DefaultItemsPerFile;

    /// <summary>A global or local secondary index to read instead of the table. Default null (the table).</summary>
    public string? IndexName { get; set; }

    /// <summary>
    /// A key condition: the export reads with Query instead of Scan. DynamoDB's syntax (<c>#pk = :p AND begins_with(#sk, :s)</c>),
    /// plus one extension: <c>pk IN (:a, :b, ...)</c> on the partition key becomes one Query per value (up to 10,000
    /// values). Default null (Scan).
    /// </summary>
    public string? KeyConditionExpression { get; set; }

    /// <summary>A filter DynamoDB applies before returning items (read capacity is still charged for every item read). Default null.</summary>
    public string? FilterExpression { get; set; }

    /// <summary>The attributes to export, e.g. <c>#id, price, tags[0]</c>. Default null (every attribute).</summary>
    public string? ProjectionExpression { get; set; }

    /// <summary>Placeholders for attribute names (<c>#name</c> to name), needed for reserved words such as <c>name</c> or <c>size</c>.</summary>
    public Dictionary<string, string>? ExpressionAttributeNames { get; set; }

    /// <summary>Placeholders for values (<c>:value</c> to value). See <see cref="ExportExpressionValues.Parse"/> to read them from JSON.</summary>
    public Dictionary<string, AttributeValue>? ExpressionAttributeValues { get; set; }

    /// <summary>Strongly consistent reads (twice the read capacity; not available on global secondary indexes). Default false.</summary>
    public bool ConsistentRead { get; set; }

    /// <summary>
    /// Parallel scan segments. Default null: max(table bytes / 1 GiB, read budget / 100 RCU) within 1 to 1,000,000, as
    /// the EMR connector computes it, but no segment smaller than 4 MiB of data and, below 1 GiB per segment, no more
    /// segments than <see cref="MaxWorkers"/> (the rest would only add part files and requests). Valid 1 to 1,000,000; ignored for a Query. Fixed for the life of an export: a
    /// resumed export keeps the segments it started with.
    /// </summary>
    public int? TotalSegments { get; set; } // checked by TableInputOptions (ToInput), once

    /// <summary>Workers reading segments (or queries) at the same time, sharing one read budget. Default 8; valid 1 to 1,024 (never more than there are segments or queries).</summary>
    [Between(1, WorkersLimit)]
    public int MaxWorkers { get; set; } = 8;

    /// <summary>How much read capacity the export may use. Default: half of the table's (or the index's) read capacity.</summary>
    public ReadThroughputOptions Throughput { get; set; } = new();

    /// <summary>
    /// Backoff and limits for throttled and failed reads (the same options as a writer's: exponential backoff with full
    /// jitter; <c>ValidationException</c> is never retried). A read that runs out of attempts or time fails the
    /// export, which resumes from its checkpoint when run again.
    /// </summary>
    public RetryOptions Retry { get; set; } = new();

    /// <summary>
    /// Where the export records its progress, so an interrupted export resumes where it stopped: a folder uri (local
    /// or S3). Default null: <c>&lt;destination&gt;/_checkpoint/</c> (skipped by importers, as its name starts with
    /// <c>_</c>; removed when the export completes).
    /// </summary>
    public string? CheckpointUri { get; set; }

    /// <summary>
    /// Where the export records its progress, when a host keeps it elsewhere than in a folder (a table, a database):
    /// a job document <c>export</c> and one record per split, <c>splits/000003</c>, all of names known from the plan.
    /// Default null: the folder of <see cref="CheckpointUri"/>. Set one or the other, not both.
    /// </summary>
    public Checkpoints.ICheckpointStore? CheckpointStore { get; set; }

    /// <summary>
    /// For a segment run (<see cref="ExportSegmentOptions.TimeBudget"/>): reading stops before it ends, so that what
    /// the part writers hold is committed and recorded in time.
    /// </summary>
    internal TimeSpan? TimeBudget { get; set; }

    /// <summary>
    /// Whether an export may replace a complete export already in the destination (its manifest is deleted first).
    /// Default false: a destination holding a manifest is refused.
    /// </summary>
    public bool Overwrite { get; set; }

    /// <summary>How often progress is reported. Default 1 s; valid 10 ms to 1 hour.</summary>
    [DurationBetween("00:00:00.01", "01:00:00", Rule = "it must be between 10 ms and 1 hour.")]
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The format in effect: <see cref="Format"/>, or the layout's default.</summary>
    public ItemFileFormat EffectiveFormat => ToOutput().EffectiveFormat;

    /// <summary>The compression in effect: <see cref="Compression"/>, or the layout's default.</summary>
    public CompressionKind EffectiveCompression => ToOutput().EffectiveCompression;

    /// <summary>Checks every option (the same checks an export makes when it starts).</summary>
    /// <exception cref="OptionsValidationException">An option is invalid; <see cref="OptionsValidationException.Failures"/> lists every problem, each naming the option.</exception>
    public void Validate() => OptionsValidation.ThrowIfInvalid(new ExportOptionsValidator(), this);

    /// <summary>Every problem with these options, as messages naming the option; empty when they are valid.</summary>
    internal List<string> Problems()
    {
        // What is read and what is written are validated by their own options, with the same property names.
        var errors = OptionsValidation.Annotations(this).ToList();
        errors.AddRange(ToInput().Problems());
        errors.AddRange(ToOutput().Problems());
        if (CheckpointUri is not null && string.IsNullOrWhiteSpace(CheckpointUri)) errors.Add("CheckpointUri is empty; leave it null for <destination>/_checkpoint/.");
        if (CheckpointUri is not null && CheckpointStore is not null) errors.Add("CheckpointUri and CheckpointStore are both set: set a checkpoint folder or a checkpoint store, not both.");
        return errors;
    }

    /// <summary>What the export reads, as <see cref="TableInputFormat"/> options (sharing the dictionaries and nested options).</summary>
    internal TableInputOptions ToInput() => new()
    {
        TableName = TableName,
        IndexName = IndexName,
        KeyConditionExpression = KeyConditionExpression,
        FilterExpression = FilterExpression,
        ProjectionExpression = ProjectionExpression,
        ExpressionAttributeNames = ExpressionAttributeNames,
        ExpressionAttributeValues = ExpressionAttributeValues,
        ConsistentRead = ConsistentRead,
        TotalSegments = TotalSegments,
        Throughput = Throughput,
        Retry = Retry,
    };

    /// <summary>Where and how the export writes, as <see cref="ExportManifestOutputFormat"/> options.</summary>
    internal ExportOutputOptions ToOutput() => new()
    {
        Destination = Destination,
        Layout = Layout,
        Format = Format,
        Compression = Compression,
        Parquet = Parquet,
    };

    /// <summary>Copies these options (the dictionaries and nested options too).</summary>
    public ExportOptions Clone()
    {
        var copy = (ExportOptions)MemberwiseClone();
        copy.ExpressionAttributeNames = ExpressionAttributeNames is null ? null : new(ExpressionAttributeNames, StringComparer.Ordinal);
        copy.ExpressionAttributeValues = ExpressionAttributeValues is null ? null : new(ExpressionAttributeValues, StringComparer.Ordinal);
        copy.Throughput = Throughput?.Clone()!;
        copy.Retry = Retry?.Clone()!;
        return copy;
    }
}

/// <summary>Validates <see cref="ExportOptions"/>: the annotations, the rules across values, the nested throughput and retry options.</summary>
internal sealed class ExportOptionsValidator : IValidateOptions<ExportOptions>
{
    public ValidateOptionsResult Validate(string? name, ExportOptions options) => OptionsValidation.Result(options.Problems());
}
