using DynamoDb.Connector.Formats.Parquet;
using DynamoDb.Connector.DependencyInjection;
using DynamoDb.Connector.Formats.Csv;
using DynamoDb.Connector.Formats.Lines;
using Microsoft.Extensions.Options;

namespace DynamoDb.Connector.Import;

/// <summary>How manifest entry urls are resolved.</summary>
public enum ManifestUrlResolution
{
    /// <summary>Relative to the manifest's own folder when the entries point at another folder or bucket (a copied export), as written otherwise. The default.</summary>
    Auto,
    /// <summary>Exactly as written in the manifest.</summary>
    AsWritten,
    /// <summary>Always relative to the manifest's own folder.</summary>
    RelativeToManifest,
}

/// <summary>What to import and how to cut it into splits.</summary>
public sealed class ImportSourceOptions
{
    /// <summary>The source: a file, a folder or S3 prefix (with or without a <c>manifest</c>), or a native export folder. Required.</summary>
    public string Source { get; set; } = "";

    /// <summary>The line format; null (the default) detects it from the manifest or the content.</summary>
    public ItemFileFormat? Format { get; set; }

    /// <summary>The CSV layout; null reads CSV as DynamoDB's native import does: a header line, every column a string.</summary>
    public CsvSchema? Csv { get; set; }

    /// <summary>For a BatchWriteItem request file (ddb-batch-write): the table whose requests are read; null reads the file's only table and refuses a file with several.</summary>
    public string? RequestTable { get; set; }

    /// <summary>For Parquet: a null is left out of the item (<see cref="ParquetNulls.Omit"/>, the default) or is <c>NULL</c>.</summary>
    public ParquetNulls ParquetNulls { get; set; }

    /// <summary>How manifest urls are resolved. Default <see cref="ManifestUrlResolution.Auto"/>.</summary>
    public ManifestUrlResolution ManifestUrls { get; set; } = ManifestUrlResolution.Auto;

    /// <summary>
    /// Group small files into one split up to this many bytes, and cut larger uncompressed line files into ranges of
    /// about this size. Default 256 MiB; valid 64 KiB to 64 GiB.
    /// </summary>
    [Between(64 * 1024, 64L * 1024 * 1024 * 1024, Message = "the target split size must be between 64 KiB and 64 GiB (was {0})")]
    public long TargetSplitBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// Whether to check the data files against their manifest before anything is written: for a native export, each
    /// file's MD5 and item count (from <c>manifest-files.json</c>) and the total (from <c>manifest-summary.json</c>); for
    /// an EMR <c>manifest</c>, the <c>itemCount</c>, <c>bytes</c> and <c>sha256</c> its entries carry (this connector's
    /// exports write them), and that every file reads to its end. Every file is read once more for it. A mismatch
    /// fails the plan with an <see cref="InvalidDataException"/> naming each file and what differs. Default false;
    /// a source without a manifest (a folder listing or one file) cannot be verified and is refused when this is set.
    /// </summary>
    public bool Verify { get; set; }

    /// <summary>
    /// Whether the user knows that no key is in two files (or two parts of one file) of the source, so its splits may run
    /// concurrently. Default false: a folder's files, one file cut into ranges and manifests not written by an export are
    /// applied in input order, one split after another (see <see cref="ImportOrdering"/>); exports of one table run
    /// concurrently whatever this says, incremental exports by their timestamps. A wrong true can leave an earlier write
    /// of a key in the table instead of the later one.
    /// </summary>
    public bool KeysUniqueAcrossFiles { get; set; }

    /// <summary>
    /// Whether manifest entries may name files outside the source: on a local disk, outside the folder holding the
    /// manifest (after <c>..</c> steps and symbolic links are resolved); in S3, in another bucket; or in another store
    /// (a local file listed by an S3 manifest, or the reverse). Default false: such an entry is refused before
    /// anything is read, since a manifest from elsewhere could otherwise make the import read any file the process
    /// can (and copy its lines into dead letters). The CLI's <c>--allow-outside-source</c>.
    /// </summary>
    public bool AllowEntriesOutsideSource { get; set; }

    /// <summary>
    /// Whether to import an export that did not finish: an EMR-layout folder with no <c>manifest</c> but an export's
    /// working folder (<c>_checkpoint/</c> of this connector, <c>_temporary/</c> of Hadoop), or a native export with
    /// no <c>manifest-summary.json</c> (only <c>_started</c>) or whose summary's status is not <c>COMPLETED</c>.
    /// Default false: such a source is refused, since it holds only part of the table. The CLI's <c>--allow-incomplete</c>.
    /// </summary>
    public bool AllowIncompleteExport { get; set; }

    /// <summary>The most splits a plan has; more files than this share splits. Default 100,000; valid 1 to 1,000,000.</summary>
    [Between(1, 1_000_000, Message = "max splits must be between 1 and 1,000,000 (was {0})")]
    public int MaxSplits { get; set; } = 100_000;

    /// <summary>Every problem with these options, in words; empty when they are valid.</summary>
    internal IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(Source)) yield return "a source (file, folder, S3 uri) is required";
        foreach (var problem in OptionsValidation.Annotations(this)) yield return problem;
    }

    /// <summary>Checks every option.</summary>
    /// <exception cref="OptionsValidationException">A value is out of range; <see cref="OptionsValidationException.Failures"/> lists every problem.</exception>
    public void Validate() => OptionsValidation.ThrowIfInvalid(new ImportSourceOptionsValidator(), this);
}

/// <summary>Validates <see cref="ImportSourceOptions"/>: the annotations and the required source.</summary>
internal sealed class ImportSourceOptionsValidator : IValidateOptions<ImportSourceOptions>
{
    public ValidateOptionsResult Validate(string? name, ImportSourceOptions options) => OptionsValidation.Result(options.Problems());
}
