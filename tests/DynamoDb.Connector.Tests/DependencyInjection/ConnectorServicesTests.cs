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
            await writer.WriteAsync(new Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue> { ["nokey"] = new() { S = "x" } });
            var summary = await writer.CompleteAsync();

            Assert.Equal(1, summary.ItemsDeadLettered);
            Assert.Contains("partition key 'pk' is missing", await File.ReadAllTextAsync(Assert.Single(Directory.GetFiles(path))), StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        }
    }
    [Fact]
    public async Task InvalidWriterOptions_AtStartAndPerCall_FailWithTheSameExceptionAndProblems()
    {
        using var h = new WriterHarness();
        h.Table();
        void Break(DynamoDbWriterOptions o)
        {
            o.BatchSize = 30;
            o.Retry.BaseDelay = TimeSpan.FromMinutes(2);
        }
        using var provider = new ServiceCollection().AddDynamoDbConnector(o => Break(o.Writer)).BuildServiceProvider();
        var perCall = new DynamoDbWriterOptions();
        Break(perCall);

        var atStart = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        var inCall = await Assert.ThrowsAsync<OptionsValidationException>(() => h.Factory.CreateAsync("items", perCall));

        string[] expected = ["BatchSize is 30; it must be between 1 and 25.", "Retry.BaseDelay is 00:02:00; it must be between 1 ms and 1 minute.", "Retry.MaxDelay is 00:00:20; it must be between BaseDelay (00:02:00) and 10 minutes."];
        Assert.Equal(expected, inCall.Failures.Order(StringComparer.Ordinal));
        Assert.Equal(expected.Select(e => "DynamoDbConnector:Writer: " + e), atStart.Failures.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void OptionsRanges_AreDataAnnotations_CheckedByAHostsValidateDataAnnotations()
    {
        using var provider = new ServiceCollection()
            .AddOptions<DynamoDb.Connector.Capacity.WriteThroughputOptions>().Configure(o => { o.WritePercent = 3; o.RefreshInterval = TimeSpan.Zero; }).ValidateDataAnnotations().ValidateOnStart().Services
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        // ValidateDataAnnotations wraps each message ("DataAnnotation validation failed for ... with the error: '...'").
        Assert.Contains(error.Failures, f => f.Contains("WritePercent is 3; it must be between 0.1 and 1.5.", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("RefreshInterval is 00:00:00; it must be between 1 second and 1 hour.", StringComparison.Ordinal));
    }

    [Fact]
    public void InvalidImportAndExportOptions_FailWithOneExceptionType_ListingEveryProblem()
    {
        var import = Assert.Throws<OptionsValidationException>(new DynamoDb.Connector.Import.ImportJobOptions { Workers = 0, ShuffleWindow = -1 }.Validate);
        var export = Assert.Throws<OptionsValidationException>(new DynamoDb.Connector.Export.ExportOptions { MaxWorkers = 0, ItemsPerFile = 0 }.Validate);

        Assert.Equal(["a source (file, folder, S3 uri) is required", "a table name is required", "workers must be between 1 and 1,024 (was 0)", "the shuffle window must be between 0 and 1,000,000 (was -1)"], import.Failures);
        Assert.Contains("MaxWorkers is 0; it must be between 1 and 1,024.", export.Failures);
        Assert.Contains("ItemsPerFile is 0; it must be between 1 and 100,000,000.", export.Failures);
        Assert.Contains("TableName is required.", export.Failures);
    }
}
