using Amazon.DynamoDBv2;
using DynamoDb.Connector.DependencyInjection;
using DynamoDb.Connector.Tests.Infrastructure;
using DynamoDb.Connector.Writing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace DynamoDb.Connector.Tests.DependencyInjection;

public sealed class ConnectorServicesTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) => new ConfigurationBuilder()
        .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
        .Build();

    [Fact]
    public async Task AddDynamoDbConnector_BindsTheOptionsFromConfiguration_AndUsesTheClientAndClockFromDi()
    {
        var time = new FakeTimeProvider();
        using var dynamo = new FakeDynamoDb(time);
        dynamo.AddTable("items", Formats.Items.KeySchema.Parse("pk:S")).WriteCapacityUnits = 1000;
        var configuration = Config(
            ("DynamoDbConnector:Writer:Mode", "PutIfAbsent"),
            ("DynamoDbConnector:Writer:MaxBatchesInFlight", "4"),
            ("DynamoDbConnector:Writer:Throughput:WritePercent", "0.8"),
            ("DynamoDbConnector:Writer:Retry:MaxAttempts", "7"));
        var services = new ServiceCollection()
            .AddSingleton<IAmazonDynamoDB>(dynamo.CreateClient())
            .AddSingleton<TimeProvider>(time)
            .AddDynamoDbConnector(configuration.GetSection(DynamoDbConnectorOptions.SectionName));
        await using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<DynamoDbConnectorOptions>>().Value;
        await using var writer = await provider.GetRequiredService<IDynamoDbWriterFactory>().CreateAsync("items");

        Assert.Equal(WriteMode.PutIfAbsent, options.Writer.Mode);
        Assert.Equal(4, options.Writer.MaxBatchesInFlight);
        Assert.Equal(7, options.Writer.Retry.MaxAttempts);
        Assert.Equal(800, writer.Budget.WriteUnitsPerSecond);
        Assert.Equal(1, dynamo.Describes);
    }

    [Fact]
    public void AddDynamoDbConnector_InvalidOptions_FailAtStart_NamingEveryProblem()
    {
        var services = new ServiceCollection().AddDynamoDbConnector(o =>
        {
            o.Writer.Throughput.WritePercent = 3;
            o.Writer.MaxBatchesInFlight = 0;
        });
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(error.Failures, f => f.Contains("WritePercent is 3", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("MaxBatchesInFlight is 0", StringComparison.Ordinal));
    }

    [Fact]
    public void AddDynamoDbConnector_WithoutAClock_UsesTheSystemClock()
    {
        using var provider = new ServiceCollection().AddDynamoDbConnector().BuildServiceProvider();

        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
        provider.GetRequiredService<IStartupValidator>().Validate();
    }

    [Fact]
    public async Task Factory_GetBudgetAsync_SaysWhatWritersWouldGet_ToSplitItBetweenProcesses()
    {
        using var h = new WriterHarness();
        h.Table().WriteCapacityUnits = 3000;

        var budget = await h.Factory.GetBudgetAsync("items", new() { WritePercent = 0.4 });

        Assert.Equal(1200, budget.WriteUnitsPerSecond);
        Assert.Equal("items", budget.TableName);
    }

    [Fact]
    public async Task AddDynamoDbConnector_DeadLetterUriOnLocalDisk_WorksWithoutRegisteringAStore()
    {
        var time = new FakeTimeProvider();
        using var dynamo = new FakeDynamoDb(time);
        dynamo.AddTable("items", Formats.Items.KeySchema.Parse("pk:S"));
        string path = Path.Combine(Path.GetTempPath(), $"dead-{Guid.NewGuid():N}");
        await using var provider = new ServiceCollection()
            .AddSingleton<IAmazonDynamoDB>(dynamo.CreateClient())
            .AddDynamoDbConnector(o => o.Writer.DeadLetterUri = path)
            .BuildServiceProvider();
        try
        {
            await using var writer = await provider.GetRequiredService<IDynamoDbWriterFactory>().CreateAsync("items");
            await writer.WriteAsync(new() { ["nokey"] = new() { S = "x" } });
            var summary = await writer.CompleteAsync();

            Assert.Equal(1, summary.ItemsDeadLettered);
            Assert.Contains("partition key 'pk' is missing", await File.ReadAllTextAsync(Assert.Single(Directory.GetFiles(path))), StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        }
    }
}
