using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.IntegrationTests.Infrastructure;
using DynamoDb.Connector.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoDb.Connector.IntegrationTests.Import;

/// <summary>
/// Issue 15, items 9 and 10: data keyed unlike the table is refused before anything is written, naming both schemas;
/// a cancelled import (Ctrl-C) writes what it read and checkpoints there, so the rerun redoes nothing. Against dynalite.
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed class ImportRefusalAndStopTests : IAsyncLifetime
{
    private readonly ImportTestContext _c;

    public ImportRefusalAndStopTests(LocalServers servers) => _c = new ImportTestContext(servers, "refusal");

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _c.DisposeAsync().AsTask();

    private async Task CreateTableAsync(params (string Name, ScalarAttributeType Type)[] key)
    {
        await _c.Client.CreateTableAsync(new CreateTableRequest
        {
            TableName = _c.Table,
            KeySchema = [.. key.Select((k, i) => new KeySchemaElement(k.Name, i == 0 ? KeyType.HASH : KeyType.RANGE))],
            AttributeDefinitions = [.. key.Select(k => new AttributeDefinition(k.Name, k.Type))],
            ProvisionedThroughput = new ProvisionedThroughput(10_000, 10_000),
        });
        for (int i = 0; i < 1000 && (await _c.Client.DescribeTableAsync(_c.Table)).Table.TableStatus != TableStatus.ACTIVE; i++)
        {
        }
    }

    /// <summary>A file of <see cref="TestTables.Plain"/> items (key pk S, sk N), 60 of them.</summary>
    private async Task<string> WritePlainFileAsync()
    {
        string file = _c.Temp.Combine("items.json");
        var store = _c.Services.GetRequiredService<ObjectStores>().For(file);
        await ImportFixture.WriteFileAsync(store, file, ItemFileFormat.DynamoDbJson, CompressionKind.None, TestTables.Plain(3, 20));
        return file;
    }

    public static TheoryData<string, string, string> Mismatches() => new()
    {
        // table key, expected text naming the table's schema, the reason
        { "id:S", "table: id (S); data has: pk (S), sk (N)", "'id'" },
        { "pk:S,version:N", "table: pk (S), version (N); data has: pk (S), sk (N)", "'version'" },
        { "pk:S,sk:S", "table: pk (S), sk (S); data has: pk (S), sk (N)", "'sk'" },
    };

    [Theory]
    [MemberData(nameof(Mismatches))]
    public async Task Import_DataKeyedUnlikeTheTable_IsRefusedBeforeWritingAnything_NamingBothSchemas(string tableKey, string schemas, string attribute)
    {
        var key = Formats.Items.KeySchema.Parse(tableKey);
        await CreateTableAsync([.. key.Attributes.Select(a => (a.Name, a.Type switch { Formats.Items.KeyType.N => ScalarAttributeType.N, Formats.Items.KeyType.B => ScalarAttributeType.B, _ => ScalarAttributeType.S }))]);
        string file = await WritePlainFileAsync();

        var error = await Assert.ThrowsAsync<KeySchemaMismatchException>(() => _c.Job.RunAsync(ImportFixture.OptionsFor(_c.Table, file)));

        Assert.Contains(schemas, error.Message, StringComparison.Ordinal);
        Assert.Contains(attribute, error.Message, StringComparison.Ordinal);
        Assert.Contains("20 of the first 20 records", error.Message, StringComparison.Ordinal);
        Assert.Contains(file, error.Message, StringComparison.Ordinal);
        Assert.Equal(key, error.TableKeys);
        Assert.Empty(await TestTables.ScanAsync(_c.Client, _c.Table));
    }

    [Fact]
    public async Task Import_AFewRecordsWithoutTheKey_AreSetAsideOneByOne_TheRestLands()
    {
        await CreateTableAsync(("pk", ScalarAttributeType.S), ("sk", ScalarAttributeType.N));
        var items = TestTables.Plain(3, 20);
        foreach (int i in new[] { 0, 5, 9 }) items[i].Remove("sk");
        string file = _c.Temp.Combine("mostly-good.json");
        var store = _c.Services.GetRequiredService<ObjectStores>().For(file);
        await ImportFixture.WriteFileAsync(store, file, ItemFileFormat.DynamoDbJson, CompressionKind.None, items);

        var result = await _c.Job.RunAsync(ImportFixture.OptionsFor(_c.Table, file));

        Assert.Equal(3, result.ItemsDeadLettered);
        Assert.Equal(57, result.ItemsWritten);
    }

    [Fact]
    public async Task Import_IntoAMissingTable_ThrowsTableDoesNotExist_NamingIt()
    {
        string file = await WritePlainFileAsync();

        var error = await Assert.ThrowsAsync<TableDoesNotExistException>(() => _c.Job.RunAsync(ImportFixture.OptionsFor(_c.Table, file)));

        Assert.Equal(_c.Table, error.TableName);
        Assert.Contains($"'{_c.Table}' does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_CancelledMidFile_WritesWhatItReadAndCheckpointsThere_SoTheRerunRedoesNothing()
    {
        await CreateTableAsync(("pk", ScalarAttributeType.S), ("sk", ScalarAttributeType.N));
        var items = TestTables.Plain(30, 100);
        string file = _c.Temp.Combine("big.json");
        var store = _c.Services.GetRequiredService<ObjectStores>().For(file);
        await ImportFixture.WriteFileAsync(store, file, ItemFileFormat.DynamoDbJson, CompressionKind.None, items);
        using var cancel = new CancellationTokenSource();
        var options = ImportFixture.OptionsFor(_c.Table, file);
        options.CheckpointUri = _c.Temp.Combine("checkpoint");
        options.CheckpointInterval = TimeSpan.FromHours(1); // no checkpoint but the one the stop writes
        int read = 0;
        options.Transform = record =>
        {
            if (Interlocked.Increment(ref read) == 1_000) cancel.Cancel(); // Ctrl-C
            return [record];
        };

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _c.Job.RunAsync(options, cancel.Token));

        Assert.Contains("checkpointed", error.Message, StringComparison.Ordinal);
        Assert.Equal(1_000, (await TestTables.ScanAsync(_c.Client, _c.Table)).Count); // what it read was written
        options.Transform = null;
        var result = await _c.Job.RunAsync(options);

        Assert.Equal(3_000 - 1_000, result.ItemsRead);
        await TestTables.AssertTableHoldsAsync(_c.Client, _c.Table, items);
    }
}
