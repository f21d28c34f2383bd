using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Tests.Infrastructure;
using DynamoDb.Connector.Writing;
using Microsoft.Extensions.Options;

namespace DynamoDb.Connector.Tests.Writing;

public sealed class OrderAndModeTests
{
    private static Dictionary<string, AttributeValue> Version(string pk, int version) =>
        new() { ["pk"] = new() { S = pk }, ["v"] = new() { N = version.ToString(System.Globalization.CultureInfo.InvariantCulture) } };

    [Fact]
    public async Task WriteAsync_KeyPendingInTheUnsentBatch_IsReplacedByTheLaterWrite()
    {
        using var h = new WriterHarness();
        var table = h.Table();
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await h.WriteAllAsync(writer, [Version("a", 1), Version("b", 1), Version("a", 2), Version("c", 1), Version("a", 3)]);

        Assert.Equal(3, summary.ItemsWritten);
        Assert.Equal(2, summary.ItemsDeduplicated);
        Assert.Equal("3", table.Items["a"]["v"].N);
        var request = Assert.Single(h.Dynamo.Requests);
        Assert.Equal(["a", "b", "c"], request.Keys.Order());
    }

    [Fact]
    public async Task WriteAsync_NumberKeysEqualInValue_AreOneKey()
    {
        using var h = new WriterHarness();
        var table = h.Table("numbers", "id:N");
        await using var writer = await h.Factory.CreateAsync("numbers");

        var summary = await h.WriteAllAsync(writer,
        [
            new() { ["id"] = new() { N = "1.50" }, ["v"] = new() { S = "first" } },
            new() { ["id"] = new() { N = "1.5" }, ["v"] = new() { S = "second" } },
        ]);

        Assert.Equal(1, summary.ItemsDeduplicated);
        Assert.Equal("second", Assert.Single(table.Items).Value["v"].S);
    }

    [Fact]
    public async Task WriteAsync_SameKeyInSeveralBatchesInFlight_AppliesInInputOrder()
    {
        // Small batches, many in flight, keys repeating across batches, and a third of the requests coming back
        // partly unprocessed: a later write of a key must still never land before an earlier one.
        using var h = new WriterHarness(new DynamoDbWriterOptions { BatchSize = 4, MaxBatchesInFlight = 16 });
        var table = h.Table();
        h.Dynamo.FaultFor = request => request.Index % 3 == 0 ? Fault.Unprocessed(1) : null;
        await using var writer = await h.Factory.CreateAsync("items");
        var items = Enumerable.Range(0, 600).Select(i => Version("k" + (i * 7 % 23), i)).ToList();

        var summary = await h.WriteAllAsync(writer, items);

        Assert.Equal(600, summary.ItemsWritten + summary.ItemsDeduplicated);
        foreach (var group in table.History.GroupBy(e => e.Key))
        {
            var versions = group.Select(e => int.Parse(e.Item!["v"].N, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(versions.Order(), versions);
            Assert.Equal(versions.Distinct().Count(), versions.Count);
        }
        foreach (var last in items.GroupBy(i => i["pk"].S).Select(g => g.Last()))
        {
            Assert.Equal(last["v"].N, table.Items[last["pk"].S]["v"].N);
        }
        Assert.True(summary.Retries > 0);
    }

    [Fact]
    public async Task PutIfAbsent_SkipsKeysThatExist_AndCountsThemAsSkipped()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { Mode = WriteMode.PutIfAbsent });
        var table = h.Table();
        table.Items["k001"] = Items.Of("k001", ("v", "old"));
        table.Items["k003"] = Items.Of("k003", ("v", "old"));
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await h.WriteAllAsync(writer, Enumerable.Range(0, 5).Select(i => Items.Of($"k{i:D3}", ("v", "new"))));

        Assert.Equal(3, summary.ItemsWritten);
        Assert.Equal(2, summary.ItemsSkippedByCondition);
        Assert.Equal(0, summary.ItemsDeadLettered);
        Assert.Equal("old", table.Items["k001"]["v"].S);
        Assert.Equal("new", table.Items["k002"]["v"].S);
        Assert.All(h.Dynamo.Requests, r => Assert.Equal("PutItem", r.Operation));
    }

    [Fact]
    public async Task PutIfAbsent_SameKeyTwice_FirstWins()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { Mode = WriteMode.PutIfAbsent });
        var table = h.Table();
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await h.WriteAllAsync(writer, [Version("a", 1), Version("b", 1), Version("a", 2)]);

        Assert.Equal(2, summary.ItemsWritten);
        Assert.Equal(1, summary.ItemsSkippedByCondition);
        Assert.Equal(0, summary.ItemsDeduplicated);
        Assert.Equal("1", table.Items["a"]["v"].N);
    }

    [Fact]
    public async Task PutIf_AppliesTheUserCondition()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions
        {
            Mode = WriteMode.PutIf,
            ConditionExpression = "attribute_not_exists(#locked)",
            ExpressionAttributeNames = new() { ["#locked"] = "locked" },
        });
        var table = h.Table();
        table.Items["k000"] = Items.Of("k000", ("locked", "yes"));
        table.Items["k001"] = Items.Of("k001", ("v", "old"));
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await h.WriteAllAsync(writer, Enumerable.Range(0, 3).Select(i => Items.Of($"k{i:D3}", ("v", "new"))));

        Assert.Equal(2, summary.ItemsWritten);
        Assert.Equal(1, summary.ItemsSkippedByCondition);
        Assert.Equal("yes", table.Items["k000"]["locked"].S);
        Assert.Equal("new", table.Items["k001"]["v"].S);
    }

    [Fact]
    public async Task PutIfAbsent_WhenTheAnswerToAnAppliedWriteIsLost_CountsTheRetryAsWritten_NotSkipped()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { Mode = WriteMode.PutIfAbsent });
        var table = h.Table();
        int lost = 0;
        h.Dynamo.FaultFor = request =>
        {
            if (request.Index % 4 != 0 || lost == 20) return null;
            lost++;
            return Fault.LostResponse();
        };
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await h.WriteAllAsync(writer, Enumerable.Range(0, 100).Select(i => Items.Of($"k{i:D3}", ("v", "new"))));

        Assert.Equal(20, lost);
        Assert.Equal(100, table.Items.Count);
        // The retry of a lost write finds the item it wrote: that is this write having applied, not a skip.
        Assert.Equal(0, summary.ItemsSkippedByCondition);
        Assert.Equal(100, summary.ItemsWritten);
        Assert.Equal(20, summary.Retries);
        Assert.Equal(0, summary.ItemsDeadLettered);
    }

    [Fact]
    public async Task PutIfAbsent_WhenTheAnswerIsLostAndAnotherItemWasThere_StillCountsASkip()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { Mode = WriteMode.PutIfAbsent, MaxBatchesInFlight = 1 });
        var table = h.Table();
        table.Items["k001"] = Items.Of("k001", ("v", "old"));
        // The write of k001 fails before it reaches the table; its retry meets the older item.
        h.Dynamo.FaultFor = request => request.Table.Items.Count == 1 && request.Index < 3 ? Fault.Drop() : null;
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await h.WriteAllAsync(writer, [Items.Of("k001", ("v", "new"))]);

        Assert.Equal("old", table.Items["k001"]["v"].S);
        Assert.Equal(1, summary.ItemsSkippedByCondition);
        Assert.Equal(0, summary.ItemsWritten);
    }

    [Fact]
    public async Task PutIfAbsent_AnEqualItemThatWasThereBefore_IsSkipped()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { Mode = WriteMode.PutIfAbsent });
        var table = h.Table();
        table.Items["k001"] = Items.Of("k001", ("v", "same"));
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await h.WriteAllAsync(writer, [Items.Of("k001", ("v", "same"))]);

        // Without an attempt that may have applied, the item found is not this write's.
        Assert.Equal(1, summary.ItemsSkippedByCondition);
        Assert.Equal(0, summary.ItemsWritten);
    }

    [Fact]
    public async Task ConditionalPut_WhenThrottled_RetriesOnlyTheThrottledItems()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { Mode = WriteMode.PutIfAbsent, MaxBatchesInFlight = 1 });
        var table = h.Table();
        h.Dynamo.Enqueue(Fault.Throttle(), Fault.Server());
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await h.WriteAllAsync(writer, Enumerable.Range(0, 5).Select(i => Items.Of($"k{i:D3}")));

        Assert.Equal(5, table.Items.Count);
        Assert.Equal(5, summary.ItemsWritten);
        Assert.Equal(7, h.Dynamo.Requests.Count);
        Assert.Equal(2, summary.Retries);
        Assert.Equal(1, summary.ThrottledRequests);
    }

    [Fact]
    public async Task Delete_RemovesTheKeys_AndIsChargedWhatTheDeletedItemsWeighed()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { Mode = WriteMode.Delete });
        var table = h.Table();
        var stored = Enumerable.Range(0, 10).Select(i => Items.Sized($"k{i:D3}", 3000)).ToList();
        foreach (var item in stored) table.Items[item["pk"].S] = item;
        await using var writer = await h.Factory.CreateAsync("items");

        // Deletes are given whole items (say, the lines of an earlier export): only the key is sent.
        var summary = await h.WriteAllAsync(writer, stored.Take(6));

        Assert.Equal(6, summary.ItemsDeleted);
        Assert.Equal(0, summary.ItemsWritten);
        Assert.Equal(["k006", "k007", "k008", "k009"], table.Items.Keys.Order());
        Assert.Equal(6 * 3, summary.ConsumedWriteUnits);
        Assert.All(h.Dynamo.Requests, r => Assert.Equal("BatchWriteItem", r.Operation));
    }

    [Fact]
    public async Task Put_RecordsThatAreDeletes_AreDeleted()
    {
        using var h = new WriterHarness();
        var table = h.Table();
        table.Items["gone"] = Items.Of("gone");
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await h.RunAsync(async () =>
        {
            await writer.WriteAsync(new ItemRecord(Items.Of("new"), 1), "incremental.json");
            await writer.WriteAsync(new ItemRecord(Items.Of("gone"), 2, RecordOperation.Delete), "incremental.json");
            return await writer.CompleteAsync();
        });

        Assert.Equal(1, summary.ItemsWritten);
        Assert.Equal(1, summary.ItemsDeleted);
        Assert.Equal(["new"], table.Items.Keys);
    }

    [Fact]
    public async Task ConditionalMode_DeleteRecords_UseDeleteItem()
    {
        using var h = new WriterHarness(new DynamoDbWriterOptions { Mode = WriteMode.PutIfAbsent });
        var table = h.Table();
        table.Items["gone"] = Items.Of("gone");
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await h.RunAsync(async () =>
        {
            await writer.WriteAsync(new ItemRecord(Items.Of("gone"), 1, RecordOperation.Delete), null);
            return await writer.CompleteAsync();
        });

        Assert.Equal(1, summary.ItemsDeleted);
        Assert.Empty(table.Items);
        Assert.Equal("DeleteItem", Assert.Single(h.Dynamo.Requests).Operation);
    }

    [Fact]
    public async Task CreateAsync_PutIfWithoutACondition_IsRefused()
    {
        using var h = new WriterHarness();
        h.Table();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => h.Factory.CreateAsync("items", new DynamoDbWriterOptions { Mode = WriteMode.PutIf }));

        Assert.Contains("Mode PutIf needs a ConditionExpression", error.Message, StringComparison.Ordinal);
    }
}
