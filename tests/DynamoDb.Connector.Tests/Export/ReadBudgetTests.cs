using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Capacity;
using Microsoft.Extensions.Time.Testing;

namespace DynamoDb.Connector.Tests.Export;

public sealed class ReadBudgetTests
{
    [Fact]
    public void Compute_Provisioned_IsTheReadCapacityTimesThePercent()
    {
        var budget = ReadBudget.Compute(ExportPlannerTests.Table(), null, new ReadThroughputOptions { ReadPercent = 0.25 });

        Assert.Equal(250, budget.ReadUnitsPerSecond);
        Assert.False(budget.OnDemand);
        Assert.Contains("table provisioned 1000 RCU x 0.25", budget.Basis);
    }

    [Fact]
    public void Compute_GlobalIndex_UsesTheIndexesOwnCapacity()
    {
        var budget = ReadBudget.Compute(ExportPlannerTests.Table(), "byCategory", new ReadThroughputOptions());

        Assert.Equal(25, budget.ReadUnitsPerSecond);
        Assert.Contains("index byCategory provisioned 50 RCU", budget.Basis);
    }

    [Fact]
    public void Compute_Absolute_WinsOverTheTable()
    {
        var budget = ReadBudget.Compute(ExportPlannerTests.Table(), null, new ReadThroughputOptions { ReadUnitsPerSecond = 77 });

        Assert.Equal(77, budget.ReadUnitsPerSecond);
        Assert.Contains("set explicitly", budget.Basis);
    }

    [Fact]
    public void Compute_OnDemand_StartsAtThePercentOfWhatTheTableTakesAtOnce_UnderItsCeiling()
    {
        var table = OnDemand(warm: null, max: null);
        Assert.Equal(6_000, ReadBudget.Compute(table, null, new ReadThroughputOptions()).ReadUnitsPerSecond); // 12,000 x 0.5
        Assert.Null(ReadBudget.Compute(table, null, new ReadThroughputOptions()).CeilingReadUnitsPerSecond);

        table = OnDemand(warm: 30_000, max: 4_000);
        var budget = ReadBudget.Compute(table, null, new ReadThroughputOptions());
        Assert.Equal(2_000, budget.ReadUnitsPerSecond); // the table's maximum 4,000 x 0.5 caps the 15,000 start
        Assert.Equal(2_000, budget.CeilingReadUnitsPerSecond);

        budget = ReadBudget.Compute(table, null, new ReadThroughputOptions { OnDemandMaxReadUnitsPerSecond = 900 });
        Assert.Equal(900, budget.ReadUnitsPerSecond);
        Assert.Contains("ceiling 900 set explicitly", budget.Basis);
    }

    [Fact]
    public void AimdRate_WithAClimbCap_DoesNotClimbBackOverTimeInWhichNothingSucceeded()
    {
        var time = new FakeTimeProvider();
        var capped = new AimdRate(time, TimeSpan.FromSeconds(1));
        var uncapped = new AimdRate(time);
        Assert.True(capped.Cut(false, out _, out double after));
        Assert.Equal(0.75, after);
        uncapped.Cut(false, out _, out _);

        time.Advance(TimeSpan.FromSeconds(10));
        capped.Climb();
        uncapped.Climb();

        Assert.Equal(0.77, capped.Fraction, 6);
        Assert.Equal(0.95, uncapped.Fraction, 6);
        Assert.False(capped.Cut(false, out _, out _) && capped.Cut(false, out _, out _)); // once per cooldown
    }

    private static TableDescription OnDemand(long? warm, long? max)
    {
        var table = ExportPlannerTests.Table();
        table.BillingModeSummary = new BillingModeSummary { BillingMode = BillingMode.PAY_PER_REQUEST };
        table.ProvisionedThroughput = new ProvisionedThroughputDescription { ReadCapacityUnits = 0, WriteCapacityUnits = 0 };
        if (warm is { } units) table.WarmThroughput = new TableWarmThroughputDescription { ReadUnitsPerSecond = units };
        if (max is { } ceiling) table.OnDemandThroughput = new OnDemandThroughput { MaxReadRequestUnits = ceiling };
        return table;
    }
}
