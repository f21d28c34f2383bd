namespace DynamoDb.Connector.Export;

/// <summary>One data file of a completed export, as its manifest lists it.</summary>
/// <param name="Url">The file's absolute uri.</param>
/// <param name="ItemCount">Items (lines) in the file.</param>
/// <param name="Bytes">Its size as stored (compressed).</param>
/// <param name="Sha256">SHA-256 of the stored bytes, 64 lower-case hex digits.</param>
public sealed record ExportedFile(string Url, long ItemCount, long Bytes, string Sha256);

/// <summary>What a completed export wrote and what it cost.</summary>
public sealed record ExportResult
{
    /// <summary>The table exported.</summary>
    public required string TableName { get; init; }

    /// <summary>The index exported, or null for the table.</summary>
    public string? IndexName { get; init; }

    /// <summary>Items in the export: the sum of its files' item counts (including files an earlier, interrupted run committed).</summary>
    public required long ItemsExported { get; init; }

    /// <summary>Data files in the export.</summary>
    public required int Files { get; init; }

    /// <summary>Bytes of data files in the export, as stored (compressed).</summary>
    public required long Bytes { get; init; }

    /// <summary>The uri of the file written last: the EMR <c>manifest</c>, or the native layout's <c>manifest-summary.json</c>.</summary>
    public required string ManifestUri { get; init; }

    /// <summary>The data files, as the manifest lists them.</summary>
    public required IReadOnlyList<ExportedFile> DataFiles { get; init; }

    /// <summary>Read capacity units DynamoDB charged this run (estimated where it reported none, as emulators do).</summary>
    public required double ConsumedCapacityUnits { get; init; }

    /// <summary>Requests DynamoDB throttled this run (each was retried after a backoff).</summary>
    public required long ThrottledRequests { get; init; }

    /// <summary>Items DynamoDB evaluated this run (before the filter; the capacity is charged for these).</summary>
    public required long ItemsScanned { get; init; }

    /// <summary>Items already committed by earlier runs of this export when this run resumed it (0 for a fresh export).</summary>
    public required long ItemsFromEarlierRuns { get; init; }

    /// <summary>Whether this run resumed an interrupted export from its checkpoint.</summary>
    public required bool Resumed { get; init; }

    /// <summary>The splits the export read: parallel scan segments or Queries.</summary>
    public required int Splits { get; init; }

    /// <summary>How long this run took.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary><see cref="Elapsed"/> in seconds, for JSON output.</summary>
    public double ElapsedSeconds => Elapsed.TotalSeconds;
}

/// <summary>A snapshot of a running export, reported through <see cref="IProgress{T}"/>.</summary>
public sealed record ExportProgress
{
    /// <summary>Items written to part files so far, including those committed by earlier runs of a resumed export.</summary>
    public required long ItemsExported { get; init; }

    /// <summary>Items DynamoDB evaluated so far (before the filter), including earlier runs.</summary>
    public required long ItemsScanned { get; init; }

    /// <summary>Part files committed so far, including earlier runs.</summary>
    public required int FilesCommitted { get; init; }

    /// <summary>Bytes of committed part files so far, including earlier runs.</summary>
    public required long BytesCommitted { get; init; }

    /// <summary>Read capacity units consumed this run.</summary>
    public required double ConsumedCapacityUnits { get; init; }

    /// <summary>Read capacity units per second consumed over the last reporting interval (in the final report, over the whole run).</summary>
    public required double ReadUnitsPerSecond { get; init; }

    /// <summary>The read budget now, in RCU per second (after any cut for throttling).</summary>
    public required double BudgetReadUnitsPerSecond { get; init; }

    /// <summary>Requests throttled this run.</summary>
    public required long ThrottledRequests { get; init; }

    /// <summary>The item count DynamoDB reports for the table or index (updated about every six hours), or null for a Query or when unknown.</summary>
    public long? TableItemCount { get; init; }

    /// <summary>Splits read to their end.</summary>
    public required int SplitsCompleted { get; init; }

    /// <summary>Splits in the export.</summary>
    public required int Splits { get; init; }

    /// <summary>Time since this run started.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>
    /// How far the export is, 0 to 1: items scanned against <see cref="TableItemCount"/> for a scan (capped below 1
    /// until every split is done, as the count is approximate), splits done otherwise.
    /// </summary>
    public double Fraction
    {
        get
        {
            if (Splits > 0 && SplitsCompleted >= Splits) return 1;
            double bySplits = Splits == 0 ? 0 : (double)SplitsCompleted / Splits;
            if (TableItemCount is > 0 and var total) return Math.Clamp(Math.Max(bySplits, (double)ItemsScanned / total), 0, 0.999);
            return bySplits;
        }
    }
}
