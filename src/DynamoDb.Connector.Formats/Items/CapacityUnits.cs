namespace DynamoDb.Connector.Formats.Items;

/// <summary>
/// DynamoDB's capacity-unit math. Writes: 1 WCU per 1 KB, rounded up per item. Reads: 1 RCU per 4 KB strongly
/// consistent, half that eventually consistent; Query and Scan round up the page total, not each item.
/// </summary>
public static class CapacityUnits
{
    /// <summary>Bytes covered by one write capacity unit.</summary>
    public const int BytesPerWriteUnit = 1024;

    /// <summary>Bytes covered by one strongly consistent read capacity unit.</summary>
    public const int BytesPerReadUnit = 4096;

    /// <summary>Write units to put (or delete) one item of <paramref name="itemBytes"/>: at least 1.</summary>
    public static int ForWrite(int itemBytes) => Math.Max(1, (int)(((long)itemBytes + BytesPerWriteUnit - 1) / BytesPerWriteUnit));

    /// <summary>Read units to get one item of <paramref name="itemBytes"/>: at least 1 strongly consistent, 0.5 eventually.</summary>
    public static double ForRead(int itemBytes, bool consistent)
    {
        double units = Math.Max(1, ((long)itemBytes + BytesPerReadUnit - 1) / BytesPerReadUnit);
        return consistent ? units : units / 2;
    }

    /// <summary>Read units for a Query or Scan page whose items total <paramref name="pageBytes"/>: the total is rounded up, not each item.</summary>
    public static double ForPage(long pageBytes, bool consistent)
    {
        double units = Math.Max(1, (pageBytes + BytesPerReadUnit - 1) / BytesPerReadUnit);
        return consistent ? units : units / 2;
    }
}

/// <summary>A forecast of what importing a data set costs: the first question every import asks.</summary>
/// <param name="Items">Items counted.</param>
/// <param name="Bytes">The items' total size by DynamoDB's rules.</param>
/// <param name="WriteUnits">Total write capacity units the items cost (each item rounded up to 1 KB).</param>
public readonly record struct ImportEstimate(long Items, long Bytes, long WriteUnits)
{
    /// <summary>The average item size in bytes, 0 for no items.</summary>
    public double AverageItemBytes => Items == 0 ? 0 : (double)Bytes / Items;

    /// <summary>Seconds the import takes at <paramref name="writeUnitsPerSecond"/> WCU: items x WCU-per-item / WCU.</summary>
    public double SecondsAt(double writeUnitsPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(writeUnitsPerSecond);
        return WriteUnits / writeUnitsPerSecond;
    }

    /// <summary>Adds one item of <paramref name="itemBytes"/>.</summary>
    public ImportEstimate Add(int itemBytes) => new(Items + 1, Bytes + itemBytes, WriteUnits + CapacityUnits.ForWrite(itemBytes));

    /// <summary>Combines two estimates (for example, of two files).</summary>
    public static ImportEstimate operator +(ImportEstimate a, ImportEstimate b) => new(a.Items + b.Items, a.Bytes + b.Bytes, a.WriteUnits + b.WriteUnits);
}
