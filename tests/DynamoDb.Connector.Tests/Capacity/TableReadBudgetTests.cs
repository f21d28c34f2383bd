using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Reading;
using DynamoDb.Connector.Tests.Export;
using DynamoDb.Connector.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace DynamoDb.Connector.Tests.Capacity;

/// <summary>The read side of the one table budget: what the write side's tests prove for writers, for readers.</summary>
public sealed class TableReadBudgetTests
{
    private static (TableReadBudget Budget, ExportHarness Harness, FakeTable Table) Create(Action<FakeTable>? configure = null, ReadThroughputOptions? options = null)
    {
        var h = new ExportHarness();
        var table = h.Table(10);
        configure?.Invoke(table);
        var capacity = TableCapacity.ReadAsync(h.Client, "t", default).GetAwaiter().GetResult();
        return (new TableReadBudget(h.Client, capacity, null, options ?? new(), h.Time, NullLogger.Instance, new WorkTracker()), h, table);
    }

    [Fact]
    public void Settle_ChargesWhatDynamoDbReported_NotTheEstimate()
    {
        var (budget, h, _) = Create();
        using var _h = h;
        using var _b = budget;
        h.Time.Advance(TimeSpan.FromSeconds(1)); // a full bucket: 500
        Assert.True(budget.Limiter.AttemptAcquire(100).IsAcquired);

        budget.Settle(100, 160);
        Assert.Equal(340, budget.Limiter.Available, 6);

        budget.Settle(50, null); // nothing reported: the estimate stands
        Assert.Equal(340, budget.Limiter.Available, 6);
    }

    [Fact]
    public void OnThrottled_CutsTheReadPace_OncePerCooldown_TheBucketFollows_AndEachPageClimbsBackAtMostOneSecondsWorth()
    {
        var (budget, h, _) = Create();
        using var _h = h;
        using var _b = budget;

        Assert.True(budget.OnThrottled(hotKeyRange: false));
        Assert.False(budget.OnThrottled(hotKeyRange: false)); // the same overload, reported by another reader
        Assert.Equal(375, budget.PacingRate, 3);
        Assert.Equal(375, budget.PermitCeiling, 3); // pages are sized to what the table serves now

        h.Time.Advance(TimeSpan.FromSeconds(5)); // spent backing off: only one second of it counts
        budget.Settle(1, null);
        Assert.Equal(375 + 0.02 * 500, budget.PacingRate, 3);
    }

    [Fact]
    public void OnThrottled_HotKeyRange_CutsGently()
    {
        var (budget, h, _) = Create();
        using var _h = h;
        using var _b = budget;

        budget.OnThrottled(hotKeyRange: true);

        Assert.Equal(475, budget.PacingRate, 3);
    }

    [Fact]
    public async Task Refresh_Provisioned_FollowsTheTablesCapacity()
    {
        var (budget, h, table) = Create();
        using var _h = h;
        using var _b = budget;
        Assert.Equal(500, budget.Current.ReadUnitsPerSecond);

        table.ReadCapacityUnits = 3000; // autoscaling raised it
        await budget.RefreshAsync(default);

        Assert.Equal(1500, budget.Current.ReadUnitsPerSecond);
        Assert.Equal(1500, budget.PacingRate, 3);
    }

    [Fact]
    public async Task Refresh_OnDemand_DoublesThePreviousPeakEveryThirtyMinutes()
    {
        var (budget, h, _) = Create(t => t.OnDemand = true);
        using var _h = h;
        using var _b = budget;
        Assert.Equal(6000, budget.Current.ReadUnitsPerSecond); // 0.5 x a new table's 12,000

        // The readers used what they had: 6,000 units in one second.
        for (int i = 0; i < 60; i++) budget.Settle(100, 100);
        h.Time.Advance(TimeSpan.FromMinutes(29));
        await budget.RefreshAsync(default);
        Assert.Equal(6000, budget.Current.ReadUnitsPerSecond);

        h.Time.Advance(TimeSpan.FromMinutes(1));
        await budget.RefreshAsync(default);
        Assert.Equal(12_000, budget.Current.ReadUnitsPerSecond);

        // A half-used interval does not raise it further.
        for (int i = 0; i < 60; i++) budget.Settle(100, 100);
        h.Time.Advance(TimeSpan.FromMinutes(30));
        await budget.RefreshAsync(default);
        Assert.Equal(12_000, budget.Current.ReadUnitsPerSecond);
    }

    [Fact]
    public async Task Refresh_OnDemand_StopsAtTheCeiling()
    {
        var (budget, h, _) = Create(t => t.OnDemand = true, new ReadThroughputOptions { OnDemandMaxReadUnitsPerSecond = 9000 });
        using var _h = h;
        using var _b = budget;

        for (int i = 0; i < 60; i++) budget.Settle(100, 100);
        h.Time.Advance(TimeSpan.FromMinutes(30));
        await budget.RefreshAsync(default);

        Assert.Equal(9000, budget.Current.ReadUnitsPerSecond);
    }

    [Fact]
    public async Task Refresh_WhenDescribeTableFails_KeepsTheBudget()
    {
        var (budget, h, _) = Create();
        using var _h = h;
        using var _b = budget;
        h.Dynamo.RemoveTable("t");

        await budget.RefreshAsync(default);

        Assert.Equal(500, budget.Current.ReadUnitsPerSecond);
    }

    [Fact]
    public void ProcessShare_ScalesTheReadBudgetAndTheOnDemandCeiling()
    {
        var provisioned = ReadBudget.Compute(ExportPlannerTests.Table(), null, new ReadThroughputOptions { ProcessShare = 0.25 });
        Assert.Equal(125, provisioned.ReadUnitsPerSecond); // 1000 x 0.5 x 0.25
        Assert.Contains("share: 0.25", provisioned.Basis, StringComparison.Ordinal);

        var table = ExportPlannerTests.Table();
        table.BillingModeSummary = new Amazon.DynamoDBv2.Model.BillingModeSummary { BillingMode = Amazon.DynamoDBv2.BillingMode.PAY_PER_REQUEST };
        table.ProvisionedThroughput = new Amazon.DynamoDBv2.Model.ProvisionedThroughputDescription { ReadCapacityUnits = 0, WriteCapacityUnits = 0 };
        var onDemand = ReadBudget.Compute(table, null, new ReadThroughputOptions { OnDemandMaxReadUnitsPerSecond = 4000, ProcessShare = 0.5 });
        Assert.Equal(2000, onDemand.CeilingReadUnitsPerSecond);
        Assert.Equal(2000, onDemand.ReadUnitsPerSecond);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1.5)]
    public void ProcessShare_OutOfRange_IsRejected(double share)
    {
        var problems = new ReadThroughputOptions { ProcessShare = share }.Validate("").ToList();

        Assert.Contains(problems, p => p.Contains("ProcessShare", StringComparison.Ordinal));
    }
}

/// <summary>The read budgets' lifetime: shared by the inputs open at once, kept for a grace period after the last.</summary>
public sealed class ReadBudgetRegistryTests
{
    private static TableInputOptions Options(double percent = 0.5) =>
        new() { TableName = "t", Throughput = { ReadPercent = percent, RefreshInterval = TimeSpan.FromSeconds(30) } };

    [Fact]
    public async Task InputsOpenAtOnce_ShareOneBudget_AndAThrottleSlowsThemAll()
    {
        using var h = new ExportHarness();
        h.Table(10);
        using var tables = new TableInputFormat(h.Client, h.Time);
        using var first = await tables.OpenAsync(Options());
        using var second = await tables.OpenAsync(Options());

        first.Pacer.OnThrottled(hotKeyRange: false);

        Assert.Equal(375, second.PacingReadUnitsPerSecond, 3);
    }

    [Fact]
    public async Task NextInputWithinTheGracePeriod_KeepsWhatThePacingLearned()
    {
        using var h = new ExportHarness();
        h.Table(10);
        using var tables = new TableInputFormat(h.Client, h.Time);
        var first = await tables.OpenAsync(Options());
        first.Pacer.OnThrottled(hotKeyRange: false);
        first.Dispose();
        h.Time.Advance(TimeSpan.FromSeconds(20));

        using var next = await tables.OpenAsync(Options());

        Assert.InRange(next.PacingReadUnitsPerSecond, 375, 380); // cut, and not learned again from the full budget
    }

    [Fact]
    public async Task ABudgetNobodyTakesOver_IsDisposedAfterTheGracePeriod()
    {
        using var h = new ExportHarness();
        h.Table(10);
        using var tables = new TableInputFormat(h.Client, h.Time);
        var first = await tables.OpenAsync(Options());
        first.Pacer.OnThrottled(hotKeyRange: false);
        first.Dispose();

        h.Time.Advance(TimeSpan.FromSeconds(31));

        using var next = await tables.OpenAsync(Options());
        Assert.Equal(500, next.PacingReadUnitsPerSecond, 3);
    }

    [Fact]
    public async Task AnInputWithOtherThroughputOptions_WhileTheTableIsOpen_IsRefused_AndTakesItsOwnOnceReleased()
    {
        using var h = new ExportHarness();
        h.Table(10);
        using var tables = new TableInputFormat(h.Client, h.Time);
        var first = await tables.OpenAsync(Options());

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => tables.OpenAsync(Options(percent: 0.25)));
        Assert.Contains("ReadThroughputOptions", error.Message, StringComparison.Ordinal);

        first.Dispose();
        using var other = await tables.OpenAsync(Options(percent: 0.25));
        Assert.Equal(250, other.BudgetReadUnitsPerSecond);
    }
}
