using System.Net;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.Tests.Infrastructure;
using Xunit.Abstractions;

namespace DynamoDb.Connector.Tests.Export;

public sealed class ExportPacingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Export_OverASimulatedMinute_ReadsBetween95And100PercentOfTheBudget_AndNeverBurstsAboveABucket()
    {
        using var h = new ExportHarness();
        h.Table(12_000, size: 4000).ReadCapacityUnits = 200; // x 0.5 = a budget of 100 RCU/s; about 59 s of reading
        const double budget = 100;

        var result = await h.ExportAsync(h.Options());

        double perSecond = h.UnitsBetween(0, 50) / 50;
        output.WriteLine($"{perSecond:F2} RCU/s over the first 50 s; {h.Dynamo.Requests.Count} requests; {result.ConsumedCapacityUnits:F0} RCU in {result.Elapsed}");
        Assert.InRange(perSecond, 0.95 * budget, 1.0 * budget);
        foreach (var request in h.Dynamo.Requests)
        {
            double t = (request.At - h.Start).TotalSeconds;
            // The bucket starts empty and holds one second; a page is charged after it is read, so allow one page.
            Assert.True(h.UnitsBetween(0, t + 1e-9) <= budget * t + budget, $"ahead of the budget at {t:F3} s");
            Assert.True(h.UnitsBetween(t, t + 1) <= 2 * budget, $"burst above one bucket at {t:F3} s");
        }
        Assert.Equal(12_000, result.ItemsExported);
        Assert.Equal(h.Dynamo.Requests.Sum(r => r.TableUnits), result.ConsumedCapacityUnits, 6);
    }

    [Theory]
    [InlineData(false, 204)] // one bucket (100 RCU) x 8 KiB per eventually consistent unit / 4,000-byte items
    [InlineData(true, 102)]
    public async Task Export_PageLimit_IsOneBucketOfItemsAtTheAverageItemSize(bool consistentRead, int expectedLimit)
    {
        using var h = new ExportHarness();
        h.Table(1_000, size: 4000).ReadCapacityUnits = 200;

        await h.ExportAsync(h.Options(o => o.ConsistentRead = consistentRead));

        var scans = h.Dynamo.Requests.Where(r => r.Operation == "Scan").ToList();
        Assert.Equal(expectedLimit, scans[0].Count);
        Assert.All(scans.SkipLast(1), s => Assert.InRange(s.Count, expectedLimit - 5, expectedLimit + 5));
    }

    [Fact]
    public async Task Export_PageLimit_LearnsTheItemSize_WhenTheTableReportsAWrongOne()
    {
        using var h = new ExportHarness();
        var table = h.Table(3_000, size: 4000);
        table.ReadCapacityUnits = 200;
        table.ReportedStatistics = (3_000, 3_000 * 400L); // DescribeTable is hours behind: it says 400-byte items

        await h.ExportAsync(h.Options());

        var scans = h.Dynamo.Requests.Where(r => r.Operation == "Scan").ToList();
        Assert.Equal(2048, scans[0].Count); // a Limit sized for 400-byte items: the page stops at 1 MB, 128 RCU...
        Assert.InRange(scans[^2].Count, 190, 220); // ...and the average learned from consumed capacity brings it to one bucket
    }

    [Fact]
    public async Task Export_UnderATableThatTakesLessThanTheBudget_IsThrottled_CutsItsRate_AndLosesNothing()
    {
        using var h = new ExportHarness();
        var table = h.Table(8_000, size: 4000);
        table.ReadCapacityUnits = 200; // a budget of 100 RCU/s...
        table.AdmitReadUnitsPerSecond = 40; // ...but the table serves 40 (other readers)

        var result = await h.ExportAsync(h.Options());

        var items = await ExportHarness.ReadBackAsync(result);
        Assert.Equal(8_000, items.Count);
        Assert.Equal(8_000, items.Select(i => i["pk"].S).Distinct().Count());
        Assert.True(result.ThrottledRequests > 0);
        Assert.Equal(h.Dynamo.Requests.Count(r => r.Fault == "throttled"), result.ThrottledRequests);
        Assert.Contains(h.Logs.Entries, e => e.Id.Id == 253);
        double settled = h.UnitsBetween(30, 90) / 60;
        var late = h.Dynamo.Requests.Where(r => (r.At - h.Start).TotalSeconds is >= 30 and < 90).ToList();
        double throttledShare = late.Count(r => r.Fault is not null) / (double)late.Count;
        output.WriteLine($"{settled:F1} RCU/s settled; {throttledShare:P1} of requests throttled; {result.ThrottledRequests} throttled in all");
        // It finds the level within seconds and saws just under it (a throttled second reads nothing; this fake's table
        // keeps no burst credit, which makes the saw deeper than DynamoDB's would be). Its depth depends on when the
        // workers' threads run against the fake clock: 24.6-35 RCU/s seen on a loaded 2-core machine, so the floor is
        // set to tell "cut to the table's level" from "collapsed", not to measure the saw.
        Assert.InRange(settled, 0.55 * 40, 40 * (1 + 1.0 / 60));
        Assert.True(h.Dynamo.Requests.Where(r => (r.At - h.Start).TotalSeconds < 10).Count(r => r.Fault is null) > 0, "reading within 10 s");
        Assert.True(throttledShare < 0.25, $"{throttledShare:P1} of requests throttled");
    }

    [Fact]
    public async Task Export_ThrottledAndFailedRequests_AreRetriedAfterABackoff_AndCounted()
    {
        using var h = new ExportHarness();
        h.Table(50);
        h.Dynamo.Enqueue(Fault.Throttle(), Fault.Throttling(), Fault.RequestLimit(), Fault.Server(HttpStatusCode.ServiceUnavailable), Fault.Drop());

        var result = await h.ExportAsync(h.Options(o => o.TotalSegments = 1));

        Assert.Equal(3, result.ThrottledRequests);
        Assert.Equal(50, (await ExportHarness.ReadBackAsync(result)).Count);
        var scans = h.Dynamo.Requests.Where(r => r.Operation == "Scan").ToList();
        Assert.Equal(["Throttle", "ThrottlingException", "RequestLimitExceeded", "ServerError", "Drop", null], scans.Take(6).Select(r => r.Fault));
        for (int i = 1; i < 6; i++)
        {
            Assert.True(scans[i].At > scans[i - 1].At, $"retry {i} came after a backoff");
        }
    }

    [Fact]
    public async Task Export_WhenRetriesRunOut_FailsAsUnavailableWithoutAManifest_NamingTheLastError()
    {
        using var h = new ExportHarness();
        h.Table(50);
        h.Dynamo.FaultFor = _ => Fault.Server();

        var error = await Assert.ThrowsAsync<DynamoDb.Connector.Writing.DynamoDbUnavailableException>(() => h.ExportAsync(h.Options(o =>
        {
            o.Retry.MaxAttempts = 4;
            o.TotalSegments = 1;
        })));

        Assert.Contains("failed 4 times in a row", error.Message);
        Assert.Contains("InternalServerError", error.LastError);
        Assert.Equal("http://dynamodb.fake.local/", error.Endpoint);
        Assert.Contains("run the export again to resume", error.Message);
        Assert.False(File.Exists(h.Destination + "manifest"));
        Assert.Equal(4, h.Dynamo.Requests.Count(r => r.Operation == "Scan"));
    }

    [Fact]
    public async Task Export_WhenDynamoDbIsUnreachable_FailsAsUnavailableBeforeWritingAnything()
    {
        using var h = new ExportHarness();
        h.Table(50);
        h.Dynamo.Unreachable = true;

        var error = await Assert.ThrowsAsync<DynamoDb.Connector.Writing.DynamoDbUnavailableException>(() => h.ExportAsync(h.Options(o => o.TotalSegments = 1)));

        Assert.Contains("Connection refused", error.LastError);
        Assert.Contains("could not describe table 't'", error.Message);
        Assert.False(Directory.Exists(h.Destination) && Directory.EnumerateFileSystemEntries(h.Destination).Any());
    }

    [Fact]
    public async Task Export_WithoutConsumedCapacity_ChargesTheEstimate_AndStillPaces()
    {
        using var h = new ExportHarness();
        var table = h.Table(6_000, size: 4000);
        table.ReadCapacityUnits = 200;
        table.ReportConsumedCapacity = false; // as DynamoDB Local answers

        var result = await h.ExportAsync(h.Options());

        double charged = h.Dynamo.Requests.Sum(r => r.TableUnits);
        Assert.InRange(result.ConsumedCapacityUnits, 0.95 * charged, 1.1 * charged);
        double perSecond = h.UnitsBetween(0, 25) / 25;
        Assert.InRange(perSecond, 90, 105);
        Assert.Equal(6_000, result.ItemsExported);
    }

    [Fact]
    public async Task Export_Progress_ReportsItemsRateAndFractionOfTheTable()
    {
        using var h = new ExportHarness();
        h.Table(3_000, size: 4000).ReadCapacityUnits = 200;
        var reports = new List<ExportProgress>();

        var result = await h.ExportAsync(h.Options(o => o.ProgressInterval = TimeSpan.FromSeconds(2)), new Collect(reports));

        Assert.True(reports.Count >= 6, $"{reports.Count} reports");
        Assert.All(reports.Zip(reports.Skip(1)), pair => Assert.True(pair.Second.ItemsExported >= pair.First.ItemsExported && pair.Second.Fraction >= pair.First.Fraction));
        var middle = reports[reports.Count / 2];
        Assert.InRange(middle.ReadUnitsPerSecond, 80, 110);
        Assert.Equal(3_000, middle.TableItemCount);
        Assert.InRange(middle.Fraction, 0.2, 0.8);
        Assert.Equal(100, middle.BudgetReadUnitsPerSecond);
        Assert.Equal(1, reports[^1].Fraction);
        Assert.Equal(result.ItemsExported, reports[^1].ItemsExported);
        // The last report's rate is the whole run's: a short last interval must not overstate it.
        Assert.Equal(result.ConsumedCapacityUnits / reports[^1].Elapsed.TotalSeconds, reports[^1].ReadUnitsPerSecond, 3);
        Assert.InRange(reports[^1].ReadUnitsPerSecond, 80, 110);
    }

    private sealed class Collect(List<ExportProgress> reports) : IProgress<ExportProgress>
    {
        public void Report(ExportProgress value)
        {
            lock (reports) reports.Add(value);
        }
    }
}
