using System.Collections.Concurrent;
using System.Text.Json;
using DynamoDb.Connector.Checkpoints;

namespace DynamoDb.Connector.Tests.Import;

public sealed class ImportCheckpointStoreTests
{
    /// <summary>A host's own checkpoint store: documents in memory, each write noted.</summary>
    private sealed class MemoryCheckpoints : ICheckpointStore
    {
        public ConcurrentDictionary<string, string> Documents { get; } = new();

        public Action<string>? Written { get; set; }

        public string Location => "memory";

        public Task<string?> ReadAsync(string name, CancellationToken cancellationToken = default) =>
            Task.FromResult(Documents.TryGetValue(name, out var json) ? json : null);

        public Task WriteAsync(string name, string json, CancellationToken cancellationToken = default)
        {
            Documents[name] = json;
            Written?.Invoke(name);
            return Task.CompletedTask;
        }

        public Task DeleteAsync(string name, CancellationToken cancellationToken = default)
        {
            Documents.TryRemove(name, out _);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task Import_WithAHostsCheckpointStore_KeepsItsPositionsThere_AndResumesFromThem()
    {
        using var h = new ImportHarness();
        h.WriteFile("a.json", ImportHarness.LinesOf(0, 600, size: 200));
        var store = new MemoryCheckpoints();
        using var crash = new CancellationTokenSource();
        store.Written = name =>
        {
            if (name == "splits/000000" && JsonDocument.Parse(store.Documents[name]).RootElement.GetProperty("line").GetInt64() >= 200) crash.Cancel();
        };
        var options = h.Options(h.Input, o =>
        {
            o.CheckpointUri = null;
            o.CheckpointStore = store;
            o.Writer.Throughput.WriteUnitsPerSecond = 100;
            o.Writer.MaxBatchesInFlight = 2;
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.RunAsync(options, crash.Token));
        long resumeAfter = JsonDocument.Parse(store.Documents["splits/000000"]).RootElement.GetProperty("line").GetInt64();
        store.Written = null;
        var result = await h.RunAsync(options);

        Assert.False(Directory.Exists(h.CheckpointUri)); // nothing under a folder: the host's store holds it all
        Assert.Contains("plan", store.Documents.Keys);
        Assert.Equal(600, h.Table.Items.Count);
        Assert.Equal(600 - resumeAfter, result.ItemsRead);
        Assert.True(JsonDocument.Parse(store.Documents["splits/000000"]).RootElement.GetProperty("done").GetBoolean());
    }

    [Fact]
    public void Options_WithACheckpointUriAndAStore_AreRefused()
    {
        var options = new DynamoDb.Connector.Import.ImportJobOptions { Source = { Source = "in/" }, TableName = "t", CheckpointUri = "cp", CheckpointStore = new MemoryCheckpoints() };

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(options.Validate);

        Assert.Contains("not both", error.Message, StringComparison.Ordinal);
    }
}
