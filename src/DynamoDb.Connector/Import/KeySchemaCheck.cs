using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Storage;

namespace DynamoDb.Connector.Import;

/// <summary>The table an import writes to, or an export or reader reads, does not exist (or these credentials cannot see it).</summary>
/// <remarks>The message names no command-line flag: a host says how to create the table in its own terms (the CLI's hint is in its error messages).</remarks>
public sealed class TableDoesNotExistException : InvalidOperationException
{
    /// <summary>Creates the exception for <paramref name="tableName"/>.</summary>
    public TableDoesNotExistException(string tableName, Exception? innerException = null)
        : base($"Table '{tableName}' does not exist in this account and region (or these credentials cannot see it).", innerException)
    {
        TableName = tableName;
    }

    /// <summary>The table.</summary>
    public string TableName { get; }
}

/// <summary>
/// The first records of an import cannot match the table's key schema (a key attribute the data lacks, or of another
/// type): the import stopped before writing anything, instead of setting every item aside one by one.
/// </summary>
public sealed class KeySchemaMismatchException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public KeySchemaMismatchException(string tableName, KeySchema tableKeys, IReadOnlyList<string> dataAttributes, int sampled, int mismatched, string source, string firstProblem)
        : base($"The data cannot match the key schema of table '{tableName}', so nothing was written: table: {Describe(tableKeys)}; data has: {string.Join(", ", dataAttributes)} " +
            $"({mismatched} of the first {sampled} records of {source}; the first: {firstProblem}). Import into a table keyed like the data, or transform the items to the table's key.")
    {
        TableName = tableName;
        TableKeys = tableKeys;
        DataAttributes = dataAttributes;
    }

    /// <summary>The table.</summary>
    public string TableName { get; }

    /// <summary>The table's key schema.</summary>
    public KeySchema TableKeys { get; }

    /// <summary>The attributes (with their types) of the first record that does not match.</summary>
    public IReadOnlyList<string> DataAttributes { get; }

    /// <summary>A key schema as <c>id (S), sk (N)</c>.</summary>
    internal static string Describe(KeySchema keys) => string.Join(", ", keys.Attributes.Select(a => $"{a.Name} ({a.Type})"));
}

/// <summary>
/// Looks at the first records of a plan before anything is written: when most cannot match the table's key schema, the
/// data is for another table (or the table for other data), and writing would only set every item aside.
/// </summary>
internal static class KeySchemaCheck
{
    /// <summary>Records looked at: enough to tell a wrong table from a few bad lines, few enough to cost nothing.</summary>
    internal const int SampleSize = 20;

    /// <summary>Files opened at most to find them (the first files may be empty).</summary>
    private const int MaxFiles = 8;

    /// <summary>The most attributes the message lists.</summary>
    private const int AttributesShown = 8;

    /// <exception cref="KeySchemaMismatchException">More than half of the sampled records cannot match <paramref name="keys"/>.</exception>
    public static async Task EnsureMatchesAsync(ObjectStores stores, ImportPlan plan, string tableName, KeySchema keys, ImportSourceOptions source, CancellationToken cancellationToken)
    {
        int sampled = 0, mismatched = 0;
        (string Problem, Dictionary<string, AttributeValue> Item)? first = null;
        int bad = 0;
        RecordError? firstBad = null;
        var readerOptions = new ItemReaderOptions { BadRecords = BadRecordHandling.Skip, OnBadRecord = e => { bad++; firstBad ??= e; }, Csv = source.Csv, RequestTable = source.RequestTable };
        foreach (var file in plan.Splits.SelectMany(s => s.Files).Where(f => f.End > f.Start).Take(MaxFiles))
        {
            var reader = await SplitFileReader.OpenAsync(stores, file, plan.Format, readerOptions, null, cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (sampled + bad < SampleSize && await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is { } record)
                {
                    sampled++;
                    if (ItemRules.ValidateKeys(record.Item, keys, requireOnlyKeys: false) is { } problem)
                    {
                        mismatched++;
                        first ??= (problem, record.Item);
                    }
                }
            }
            if (sampled + bad >= SampleSize) break;
        }
        // A format detected from the first line that most records then do not fit: stop, rather than set them all aside.
        if (source.Format is null && plan.Kind != ImportSourceKind.NativeExport)
        {
            FormatMismatch.ThrowIfMostlyBad(sampled, bad, firstBad, plan.Source, plan.Format, plan.FormatReason);
        }
        // A few bad records are set aside one by one as always; most of them is the wrong table.
        if (first is not { } example || mismatched * 2 <= sampled) return;
        var attributes = example.Item.Take(AttributesShown).Select(p => $"{p.Key} ({AttributeValues.KindOf(p.Value)})").ToList();
        if (example.Item.Count > AttributesShown) attributes.Add($"and {example.Item.Count - AttributesShown} more");
        throw new KeySchemaMismatchException(tableName, keys, attributes, sampled, mismatched, plan.Source, example.Problem);
    }
}
