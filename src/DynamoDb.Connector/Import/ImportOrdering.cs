using System.Text.Json.Serialization;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Manifests;

namespace DynamoDb.Connector.Import;

/// <summary>
/// How the splits of a plan run relative to each other, decided by where the input came from
/// (<see cref="ImportPlan.Ordering"/>, with its reason in <see cref="ImportPlan.OrderingReason"/>).
/// </summary>
/// <remarks>
/// The table must end as if the input were applied in order. Two writes of one key in two splits running at once may
/// land in either order, so splits run concurrently only when no key is in two of them: an export of one table holds
/// each key once (a DynamoDB native full export, an EMR export, this connector's export). Anything else (a folder's
/// files, the ranges <see cref="ImportSourceOptions.TargetSplitBytes"/> cuts one file into, a manifest written by
/// <c>convert</c> or <c>generate</c>) may repeat a key, so its splits run one after another in plan order, each
/// through one writer, which keeps the writes of one key in order (a later split never lands before an earlier one),
/// unless the user says otherwise with <see cref="ImportSourceOptions.KeysUniqueAcrossFiles"/>.
/// </remarks>
[JsonConverter(typeof(JsonStringEnumConverter<ImportOrdering>))]
public enum ImportOrdering
{
    /// <summary>Splits run one after another in plan order (file order, then byte order): the input's order. The default.</summary>
    InputOrder,
    /// <summary>Splits run concurrently: no key is in two of them.</summary>
    Concurrent,
    /// <summary>
    /// An incremental export: its changes to one key apply by their <c>WriteTimestampMicros</c> (a change older than
    /// one already applied to its key is skipped and counted in <see cref="ImportResult.ItemsSuperseded"/>), its splits one
    /// after another.
    /// </summary>
    ByWriteTimestamp,
}

/// <summary>The rule of <see cref="ImportOrdering"/>: from the source's kind and what its manifest says, with the reason in words.</summary>
internal static class ImportOrderingRules
{
    /// <summary>
    /// Whether an EMR <c>manifest</c> is the export of one table, and why: this connector's export writes a
    /// <c>sha256</c> on every entry, EMR's own writes only <c>url</c> and <c>mandatory</c>. <c>convert</c> and
    /// <c>generate</c> write <c>itemCount</c> and <c>bytes</c> without <c>sha256</c>: their files may share keys.
    /// </summary>
    /// <returns>The reason it is an export of one table, or null when it may not be.</returns>
    public static string? TableExportOf(ExportManifest manifest)
    {
        if (manifest.Entries.Count > 0 && manifest.Entries.All(e => e.Sha256 is not null))
        {
            return "this connector's export of one table (every manifest entry has a sha256), which holds each key once";
        }
        if (manifest.Entries.All(e => e.Sha256 is null && e.ItemCount is null && e.Bytes is null))
        {
            return "an EMR export of one table (the manifest's entries have only url and mandatory), which holds each key once";
        }
        return null;
    }

    /// <summary>Decides the ordering of a plan.</summary>
    /// <param name="kind">How the files were found.</param>
    /// <param name="format">The line format.</param>
    /// <param name="tableExport">For an EMR manifest, <see cref="TableExportOf"/>.</param>
    /// <param name="keysUnique"><see cref="ImportSourceOptions.KeysUniqueAcrossFiles"/>.</param>
    /// <param name="splits">The plan's split count.</param>
    public static (ImportOrdering Ordering, string Reason) Decide(ImportSourceKind kind, ItemFileFormat format, string? tableExport, bool keysUnique, int splits)
    {
        if (format == ItemFileFormat.DynamoDbJsonIncremental)
        {
            // The export's files are not in time order and may each hold a change of one key: only the timestamps order them.
            return (ImportOrdering.ByWriteTimestamp, "an incremental export: changes to one key apply by their WriteTimestampMicros (an older change than one applied is skipped), splits one after another");
        }
        if (kind == ImportSourceKind.NativeExport)
        {
            return (ImportOrdering.Concurrent, "a native DynamoDB full export holds each key once");
        }
        if (kind == ImportSourceKind.EmrManifest && tableExport is not null)
        {
            return (ImportOrdering.Concurrent, tableExport);
        }
        if (keysUnique)
        {
            return (ImportOrdering.Concurrent, "KeysUniqueAcrossFiles (--keys-unique) says no key is in two files or parts of a file");
        }
        if (splits <= 1)
        {
            return (ImportOrdering.InputOrder, "one split, read in input order");
        }
        string what = kind switch
        {
            ImportSourceKind.SingleFile => "the parts of one file",
            ImportSourceKind.EmrManifest => "the files of a manifest not written by an export (convert and generate write counts without sha256)",
            _ => "the files of a folder",
        };
        return (ImportOrdering.InputOrder, $"{what} may hold one key twice, so they are applied in input order, one split after another (--keys-unique, KeysUniqueAcrossFiles, runs them concurrently when no key is in two of them)");
    }
}
