using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.DependencyInjection;
using DynamoDb.Connector.Formats.Lines;
using Microsoft.Extensions.Options;

namespace DynamoDb.Connector.Export;

/// <summary>
/// Where and how <see cref="ExportManifestOutputFormat"/> writes an export's files: the destination, the layout, the
/// line format and compression of the part files, and what the native layout's summary says about the table and the
/// run. Validated when the output is opened; every problem is reported at once.
/// </summary>
public sealed class ExportOutputOptions
{
    /// <summary>
    /// The export directory: <c>s3://bucket/prefix/</c>, <c>file:///path/</c> or a local path (a relative path is made
    /// absolute, since the manifest lists absolute uris). Required.
    /// </summary>
    public string Destination { get; set; } = "";

    /// <summary>The file layout. Default <see cref="ExportLayout.Emr"/>.</summary>
    public ExportLayout Layout { get; set; } = ExportLayout.Emr;

    /// <summary>
    /// The line format: <see cref="ItemFileFormat.DataPipeline"/> or <see cref="ItemFileFormat.DynamoDbJson"/>. Default
    /// null: data-pipeline for <see cref="ExportLayout.Emr"/>, ddb-json (the only one allowed) for <see cref="ExportLayout.Native"/>.
    /// </summary>
    public ItemFileFormat? Format { get; set; }

    /// <summary>For <see cref="ItemFileFormat.Parquet"/>: the part files' row groups and fallback report. Default null: the defaults.</summary>
    public Formats.Parquet.ParquetWriterOptions? Parquet { get; set; }

    /// <summary>
    /// How part files are compressed. Default null: none for <see cref="ExportLayout.Emr"/>, gzip (the only one allowed)
    /// for <see cref="ExportLayout.Native"/>.
    /// </summary>
    public CompressionKind? Compression { get; set; }

    /// <summary>
    /// The native layout's export id, the folder under <c>AWSDynamoDB/</c>. Default null: a new one (see
    /// <see cref="ExportManifestOutputFormat.NewExportId"/>); give the same one to go on with an export begun earlier.
    /// Ignored for the EMR layout.
    /// </summary>
    public string? ExportId { get; set; }

    /// <summary>The table's ARN, for the native layout's <c>manifest-summary.json</c>. Default null (not recorded).</summary>
    public string? TableArn { get; set; }

    /// <summary>The table's id, for the native layout's <c>manifest-summary.json</c>. Default null (not recorded).</summary>
    public string? TableId { get; set; }

    /// <summary>When the export started, for the native layout's summary. Default null: when the output was opened.</summary>
    public DateTimeOffset? StartTime { get; set; }

    /// <summary>The format in effect: <see cref="Format"/>, or the layout's default.</summary>
    public ItemFileFormat EffectiveFormat => Format ?? (Layout == ExportLayout.Native ? ItemFileFormat.DynamoDbJson : ItemFileFormat.DataPipeline);

    /// <summary>The compression in effect: <see cref="Compression"/>, or the layout's default.</summary>
    public CompressionKind EffectiveCompression => Compression ?? (Layout == ExportLayout.Native ? CompressionKind.Gzip : CompressionKind.None);

    /// <summary>Checks every option (the same checks the output makes when it is opened).</summary>
    /// <exception cref="OptionsValidationException">An option is invalid; <see cref="OptionsValidationException.Failures"/> lists every problem, each naming the option.</exception>
    public void Validate() => OptionsValidation.ThrowIfInvalid(new ExportOutputOptionsValidator(), this);

    /// <summary>Every problem with these options, as messages naming the option; empty when they are valid.</summary>
    internal List<string> Problems()
    {
        var errors = OptionsValidation.Annotations(this).ToList();
        if (string.IsNullOrWhiteSpace(Destination)) errors.Add("Destination is required (s3://bucket/prefix/, file:///path/ or a local path).");
        if (!Enum.IsDefined(Layout)) errors.Add($"Layout {Layout} is not a layout; use one of: {string.Join(", ", ExportLayoutNames.All)}.");
        if (EffectiveFormat is not (ItemFileFormat.DataPipeline or ItemFileFormat.DynamoDbJson or ItemFileFormat.Json or ItemFileFormat.Parquet))
            errors.Add($"Format {EffectiveFormat.ToName()} cannot be exported; use data-pipeline, ddb-json, json or parquet.");
        if (!Enum.IsDefined(EffectiveCompression)) errors.Add($"Compression {EffectiveCompression} is not a compression kind; use one of: {string.Join(", ", CompressionKindNames.All)}.");
        if (Layout == ExportLayout.Native && EffectiveFormat != ItemFileFormat.DynamoDbJson)
            errors.Add($"The native layout holds ddb-json lines only; Format is {EffectiveFormat.ToName()}.");
        if (Layout == ExportLayout.Native && EffectiveCompression != CompressionKind.Gzip)
            errors.Add($"The native layout's data files are gzip (data/*.json.gz); Compression is {EffectiveCompression.ToName()}.");
        if (ExportId is not null && !System.Text.RegularExpressions.Regex.IsMatch(ExportId, "^[A-Za-z0-9._-]{1,128}$", System.Text.RegularExpressions.RegexOptions.CultureInvariant))
            errors.Add($"ExportId '{ExportId}' must be 1 to 128 letters, digits, '.', '_' or '-' (it names a folder).");
        return errors;
    }

    /// <summary>Copies these options.</summary>
    public ExportOutputOptions Clone() => (ExportOutputOptions)MemberwiseClone();
}

/// <summary>Validates <see cref="ExportOutputOptions"/>: the annotations and the rules across values.</summary>
internal sealed class ExportOutputOptionsValidator : IValidateOptions<ExportOutputOptions>
{
    public ValidateOptionsResult Validate(string? name, ExportOutputOptions options) => OptionsValidation.Result(options.Problems());
}
