using DynamoDb.Connector.Cli.Commands;
using DynamoDb.Connector.Export;

namespace DynamoDb.Connector.IntegrationTests.Cli;

/// <summary>What the export verb shows of an <see cref="ExportProgress"/>. No servers needed.</summary>
public sealed class ExportProgressLineTests
{
    private static ExportProgress Progress(long? tableItems, long scanned, int splitsDone, int splits, TimeSpan elapsed) => new()
    {
        ItemsExported = scanned - 10,
        ItemsScanned = scanned,
        FilesCommitted = 3,
        BytesCommitted = 1000,
        ConsumedCapacityUnits = 500,
        ReadUnitsPerSecond = 812.4,
        BudgetReadUnitsPerSecond = 1000,
        ThrottledRequests = 2,
        TableItemCount = tableItems,
        SplitsCompleted = splitsDone,
        Splits = splits,
        Elapsed = elapsed,
    };

    [Fact]
    public void ToProgressLine_ScanWithAnItemCount_MeasuresItemsReadAgainstTheCount_WithAnEta()
    {
        var line = ExportCommand.ToProgressLine(Progress(tableItems: 40_000, scanned: 10_000, splitsDone: 1, splits: 8, elapsed: TimeSpan.FromSeconds(30)));

        Assert.Equal(10_000, line.Value);
        Assert.Equal(40_000, line.Total);
        // A quarter done in 30 s: 90 s to go.
        Assert.Equal("9,990 items · 3 files · 812 RCU/s · 2 throttled · 1/8 splits · ETA 00:01:30", line.Status);
    }

    [Fact]
    public void ToProgressLine_QueriesWithoutAnItemCount_MeasuresSplitsDone()
    {
        var line = ExportCommand.ToProgressLine(Progress(tableItems: null, scanned: 110, splitsDone: 3, splits: 4, elapsed: TimeSpan.FromSeconds(9)));

        Assert.Equal(3, line.Value);
        Assert.Equal(4, line.Total);
        Assert.EndsWith("3/4 splits · ETA 00:00:03", line.Status);
    }

    [Fact]
    public void ToProgressLine_WhenEverySplitIsDone_ShowsNoEta()
    {
        var line = ExportCommand.ToProgressLine(Progress(tableItems: 100, scanned: 120, splitsDone: 8, splits: 8, elapsed: TimeSpan.FromSeconds(9)));

        Assert.DoesNotContain("ETA", line.Status);
        Assert.Equal(120, line.Value);
    }

    [Fact]
    public void ToProgressLine_OneSplitWithoutAnItemCount_HasNoTotal()
    {
        var line = ExportCommand.ToProgressLine(Progress(tableItems: 0, scanned: 12_382, splitsDone: 0, splits: 1, elapsed: TimeSpan.FromSeconds(10)));

        Assert.Null(line.Total);
        Assert.Equal(12_382, line.Value);
        Assert.DoesNotContain("ETA", line.Status);
    }
}
