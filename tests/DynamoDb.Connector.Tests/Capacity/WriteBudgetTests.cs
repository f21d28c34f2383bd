using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace DynamoDb.Connector.Tests.Capacity;

public sealed class WriteBudgetTests
{
    private static TableDescription Table(bool onDemand = false, long wcu = 1000, long? maxWrite = null, long? warm = null, params GlobalSecondaryIndexDescription[] indexes) => new()
    {
        TableName = "items",
        KeySchema = [new KeySchemaElement("pk", KeyType.HASH), new KeySchemaElement("sk", KeyType.RANGE)],
        AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S), new AttributeDefinition("sk", ScalarAttributeType.N)],
        BillingModeSummary = new BillingModeSummary { BillingMode = onDemand ? BillingMode.PAY_PER_REQUEST : BillingMode.PROVISIONED },
        ProvisionedThroughput = new ProvisionedThroughputDescription { WriteCapacityUnits = onDemand ? 0 : wcu, ReadCapacityUnits = onDemand ? 0 : wcu },
        OnDemandThroughput = maxWrite is null ? null : new OnDemandThroughput { MaxWriteRequestUnits = maxWrite, MaxReadRequestUnits = -1 },
        WarmThroughput = warm is null ? null : new TableWarmThroughputDescription { WriteUnitsPerSecond = warm, ReadUnitsPerSecond = warm * 3 },
        GlobalSecondaryIndexes = [.. indexes],
    };

    private static GlobalSecondaryIndexDescription Index(string name, long wcu = 0, long? maxWrite = null) => new()
    {
        IndexName = name,
        ProvisionedThroughput = new ProvisionedThroughputDescription { WriteCapacityUnits = wcu },
        OnDemandThroughput = maxWrite is null ? null : new OnDemandThroughput { MaxWriteRequestUnits = maxWrite },
    };

    private static WriteBudget Compute(TableDescription table, WriteThroughputOptions? options = null)
    {
        var capacity = TableCapacity.From(table);
        return WriteBudget.Compute(capacity, options ?? new(), WriteBudget.OnDemandStart(capacity));
    }

    [Fact]
    public void TableCapacity_ReadsTheKeySchema()
    {
        var capacity = TableCapacity.From(Table());

        Assert.Equal("pk:S,sk:N", capacity.Keys.ToString());
        Assert.False(capacity.OnDemand);
    }

    [Theory]
    [InlineData(0.5, 500)]
    [InlineData(0.1, 100)]
    [InlineData(1.5, 1500)]
    public void Provisioned_IsTheTablesCapacityTimesThePercent(double percent, double expected)
    {
        var budget = Compute(Table(wcu: 1000), new WriteThroughputOptions { WritePercent = percent });

        Assert.Equal(expected, budget.WriteUnitsPerSecond);
        Assert.False(budget.OnDemand);
        Assert.Contains("provisioned 1000 WCU", budget.Basis, StringComparison.Ordinal);
    }

    [Fact]
    public void Provisioned_EachIndexIsBoundedByItsOwnCapacityTimesThePercent()
    {
        var budget = Compute(Table(wcu: 1000, indexes: [Index("small", 100), Index("large", 4000)]));

        Assert.Equal(500, budget.WriteUnitsPerSecond);
        Assert.Equal(50, budget.IndexWriteUnitsPerSecond["small"]);
        Assert.Equal(2000, budget.IndexWriteUnitsPerSecond["large"]);
    }

    [Fact]
    public void Absolute_IsUsedAsIs_ForTheTableAndEachIndex()
    {
        var budget = Compute(Table(wcu: 1000, indexes: [Index("small", 100)]), new WriteThroughputOptions { WriteUnitsPerSecond = 250 });

        Assert.Equal(250, budget.WriteUnitsPerSecond);
        Assert.Equal(250, budget.IndexWriteUnitsPerSecond["small"]);
        Assert.Contains("set explicitly", budget.Basis, StringComparison.Ordinal);
    }

    [Fact]
    public void ProcessShare_ScalesTheTableEachIndexAndTheCeiling()
    {
        var budget = Compute(Table(wcu: 1000, indexes: [Index("small", 100)]), new WriteThroughputOptions { ProcessShare = 0.25 });

        Assert.Equal(125, budget.WriteUnitsPerSecond);
        Assert.Equal(12.5, budget.IndexWriteUnitsPerSecond["small"]);
        Assert.Equal(125, budget.CeilingWriteUnitsPerSecond);
        Assert.Contains("share: 0.25", budget.Basis, StringComparison.Ordinal);
    }

    [Fact]
    public void ProcessShare_OfAnOnDemandCeiling_IsTakenFromTheCeiling()
    {
        var budget = Compute(Table(onDemand: true, maxWrite: 10_000), new WriteThroughputOptions { WritePercent = 1, ProcessShare = 0.5 });

        Assert.Equal(5_000, budget.CeilingWriteUnitsPerSecond);
        Assert.Equal(2_000, budget.WriteUnitsPerSecond);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1.5)]
    public void ProcessShare_OutOfRange_IsRejected(double share)
    {
        var problems = new WriteThroughputOptions { ProcessShare = share }.Validate("").ToList();

        Assert.Contains(problems, p => p.Contains("ProcessShare", StringComparison.Ordinal));
    }

    [Fact]
    public void OnDemand_NewTable_StartsAtTheFourThousandWritesANewTableTakes_WithNoSilentCeiling()
    {
        var budget = Compute(Table(onDemand: true));

        Assert.True(budget.OnDemand);
        Assert.Equal(4000, budget.WriteUnitsPerSecond);
        Assert.Null(budget.CeilingWriteUnitsPerSecond);
        Assert.Contains("no ceiling", budget.Basis, StringComparison.Ordinal);
        Assert.DoesNotContain("40000", budget.Basis, StringComparison.Ordinal);
    }

    [Fact]
    public void OnDemand_WarmThroughput_IsWhereItStarts()
    {
        var budget = Compute(Table(onDemand: true, warm: 12_000));

        Assert.Equal(12_000, budget.WriteUnitsPerSecond);
        Assert.Contains("warm throughput 12000", budget.Basis, StringComparison.Ordinal);
    }

    [Fact]
    public void OnDemand_TableMaximum_TimesThePercent_IsTheCeiling()
    {
        var budget = Compute(Table(onDemand: true, maxWrite: 3000));

        Assert.Equal(1500, budget.WriteUnitsPerSecond);
        Assert.Equal(1500, budget.CeilingWriteUnitsPerSecond);
    }

    [Fact]
    public void OnDemand_UserCeiling_WinsOverTheTable()
    {
        var budget = Compute(Table(onDemand: true, maxWrite: 3000, warm: 20_000), new WriteThroughputOptions { OnDemandMaxWriteUnitsPerSecond = 9000 });

        Assert.Equal(9000, budget.WriteUnitsPerSecond);
        Assert.Equal(9000, budget.CeilingWriteUnitsPerSecond);
    }

    [Fact]
    public void OnDemand_IndexMaximum_BoundsTheIndex()
    {
        var budget = Compute(Table(onDemand: true, indexes: [Index("gsi", maxWrite: 800)]));

        Assert.Equal(400, budget.IndexWriteUnitsPerSecond["gsi"]);
    }

    [Fact]
    public void Options_OutOfRange_AreNamed()
    {
        var options = new WriteThroughputOptions { WritePercent = 2, WriteUnitsPerSecond = 0, RefreshInterval = TimeSpan.Zero, BurstSeconds = 0 };

        var problems = options.Validate("").ToList();

        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.Contains("WritePercent is 2", StringComparison.Ordinal));
    }
}

public sealed class TableWriteBudgetTests
{
    private static (TableWriteBudget Budget, WriterHarness Harness, FakeTable Table) Create(Action<FakeTable>? configure = null, WriteThroughputOptions? options = null)
    {
        var h = new WriterHarness();
        var table = h.Table();
        configure?.Invoke(table);
        var capacity = TableCapacity.ReadAsync(h.Client, "items", default).GetAwaiter().GetResult();
        return (new TableWriteBudget(h.Client, capacity, options ?? new(), h.Time, NullLogger.Instance, h.Factory.Tracker), h, table);
    }

    private static ConsumedWrite Consumed(double table, params (string Index, double Units)[] indexes) => ConsumedWrite.From(new ConsumedCapacity
    {
        TableName = "items",
        Table = new Amazon.DynamoDBv2.Model.Capacity { CapacityUnits = table },
        GlobalSecondaryIndexes = indexes.Length == 0 ? null : indexes.ToDictionary(i => i.Index, i => new Amazon.DynamoDBv2.Model.Capacity { CapacityUnits = i.Units }),
    });

    [Fact]
    public void Settle_ChargesWhatDynamoDbReported_NotTheEstimate()
    {
        var (budget, h, _) = Create();
        using var _h = h;
        using var _b = budget;
        h.Time.Advance(TimeSpan.FromSeconds(1)); // a full bucket: 500
        Assert.True(budget.Limiter.AttemptAcquire(100).IsAcquired);

        budget.Settle(100, Consumed(160)); // a put replaced larger items: 60 more

        Assert.Equal(340, budget.Limiter.Available, 6);
        budget.Settle(50, Consumed(20)); // 30 back
        Assert.Equal(370, budget.Limiter.Available, 6);
    }

    [Fact]
    public void Settle_WithoutConsumedCapacity_KeepsTheEstimate()
    {
        var (budget, h, _) = Create();
        using var _h = h;
        using var _b = budget;
        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(budget.Limiter.AttemptAcquire(100).IsAcquired);

        budget.Settle(100, default);

        Assert.Equal(400, budget.Limiter.Available, 6);
    }

    [Fact]
    public void EstimatePermits_LearnsWhatAWriteCostsASmallIndex()
    {
        // Table budget 500, index budget 50: a table write that costs the index as much must take 10x the permits.
        var (budget, h, _) = Create(t => t.Indexes.Add(new FakeIndex("gsi", "g") { WriteCapacityUnits = 100 }));
        using var _h = h;
        using var _b = budget;
        Assert.Equal(20, budget.EstimatePermits(2));

        // The index turns out to cost a quarter of the table (KEYS_ONLY): estimates come down towards 2.5x.
        for (int i = 0; i < 50; i++) budget.Settle(budget.EstimatePermits(4), Consumed(4, ("gsi", 1)));

        Assert.InRange(budget.EstimatePermits(4), 10, 11);
    }

    [Fact]
    public void OnThrottled_CutsThePace_OncePerCooldown_AndItClimbsBack()
    {
        var (budget, h, _) = Create();
        using var _h = h;
        using var _b = budget;

        Assert.True(budget.OnThrottled(hotKeyRange: false));
        Assert.False(budget.OnThrottled(hotKeyRange: false)); // the same overload, reported by another batch
        Assert.Equal(375, budget.PacingRate, 3);

        h.Time.Advance(TimeSpan.FromSeconds(5));
        budget.Settle(1, default);
        Assert.Equal(375 + 0.02 * 500 * 5, budget.PacingRate, 3);
        h.Time.Advance(TimeSpan.FromSeconds(60));
        budget.Settle(1, default);
        Assert.Equal(500, budget.PacingRate, 3);
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
    public async Task Refresh_OnDemand_DoublesThePreviousPeakEveryThirtyMinutes()
    {
        var (budget, h, _) = Create(t => t.OnDemand = true);
        using var _h = h;
        using var _b = budget;
        Assert.Equal(4000, budget.Current.WriteUnitsPerSecond);

        // The writers used what they had: 4,000 units in one second.
        for (int i = 0; i < 40; i++) budget.Settle(100, Consumed(100));
        h.Time.Advance(TimeSpan.FromMinutes(29));
        await budget.RefreshAsync(default);
        Assert.Equal(4000, budget.Current.WriteUnitsPerSecond);

        h.Time.Advance(TimeSpan.FromMinutes(1));
        await budget.RefreshAsync(default);
        Assert.Equal(8000, budget.Current.WriteUnitsPerSecond);

        // A half-used interval does not raise it further.
        for (int i = 0; i < 30; i++) budget.Settle(100, Consumed(100));
        h.Time.Advance(TimeSpan.FromMinutes(30));
        await budget.RefreshAsync(default);
        Assert.Equal(8000, budget.Current.WriteUnitsPerSecond);
    }

    [Fact]
    public async Task Refresh_OnDemand_StopsAtTheCeiling()
    {
        var (budget, h, _) = Create(t => { t.OnDemand = true; t.OnDemandMaxWriteUnits = 10_000; });
        using var _h = h;
        using var _b = budget;
        Assert.Equal(4000, budget.Current.WriteUnitsPerSecond);

        for (int i = 0; i < 40; i++) budget.Settle(100, Consumed(100));
        h.Time.Advance(TimeSpan.FromMinutes(30));
        await budget.RefreshAsync(default);

        Assert.Equal(5000, budget.Current.WriteUnitsPerSecond); // 0.5 x the table's 10,000 maximum
    }

    [Fact]
    public async Task Refresh_WhenDescribeTableFails_KeepsTheBudgetAndWarns()
    {
        var (budget, h, _) = Create();
        using var _h = h;
        using var _b = budget;
        h.Dynamo.RemoveTable("items");

        await budget.RefreshAsync(default);

        Assert.Equal(500, budget.Current.WriteUnitsPerSecond);
    }
}
