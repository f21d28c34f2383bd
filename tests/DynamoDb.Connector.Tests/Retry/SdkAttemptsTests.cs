using System.Runtime.CompilerServices;
using Amazon.Runtime.Internal;
using DynamoDb.Connector.Retry;
using DynamoDb.Connector.Tests.Infrastructure;

namespace DynamoDb.Connector.Tests.Retry;

/// <summary>The SDK's own retries are seen whenever the client was built: before the connector was loaded too.</summary>
/// <remarks>
/// Alone: the first test takes the connector's customizer out of the SDK's process-wide registry for a moment, and
/// clients other tests build in that moment would be built without it.
/// </remarks>
[Collection(SdkPipelineRegistry.Name)]
public sealed class SdkAttemptsTests
{
    [Fact]
    public async Task ClientBuiltBeforeTheConnectorRegisteredItsCustomizer_ThrottlesTheSdkRetried_AreCountedAndSlowThePacing()
    {
        // As a host that builds its client before any code of the connector runs: the SDK customizes a pipeline only
        // while building the client, so this one is built without the connector's handler.
        RuntimeHelpers.RunModuleConstructor(typeof(SdkAttempts).Module.ModuleHandle);
        WriterHarness h;
        RuntimePipelineCustomizerRegistry.Instance.Deregister("DynamoDb.Connector.SdkAttempts");
        try
        {
            h = new WriterHarness(sdkRetries: true);
        }
        finally
        {
            SdkAttempts.Register();
        }
        using var _ = h;
        h.Table();
        h.Dynamo.Enqueue(Fault.Throttle(), Fault.Throttle());
        await using var writer = await h.Factory.CreateAsync("items");
        var budget = h.Factory.Budgets.Find(h.Client, "items")!;

        var summary = await h.WriteAllAsync(writer, Enumerable.Range(0, 5).Select(i => Items.Of($"k{i}")));

        Assert.Equal(3, h.Dynamo.Requests.Count); // two throttled, retried by the SDK within one call, then applied
        Assert.Equal(2, summary.ThrottledRequests);
        Assert.Equal(2, summary.Retries);
        Assert.True(budget.PacingRate < budget.Current.WriteUnitsPerSecond, $"pacing {budget.PacingRate} of {budget.Current.WriteUnitsPerSecond}: the throttles were not heard");
    }

    [Fact]
    public void Watch_AClientThatHasTheHandler_DoesNotAddItTwice()
    {
        using var h = new WriterHarness(sdkRetries: true);

        Assert.True(SdkAttempts.Watch(h.Client));
        Assert.True(SdkAttempts.Watch(h.Client));

        var pipeline = (RuntimePipeline)typeof(Amazon.Runtime.AmazonServiceClient)
            .GetProperty("RuntimePipeline", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.GetValue(h.Client)!;
        Assert.Single(pipeline.EnumerateHandlers(), handler => handler.GetType().Name == "AttemptHandler");
    }
}

/// <summary>Tests that change the SDK's process-wide pipeline customizers run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SdkPipelineRegistry
{
    /// <summary>The collection's name.</summary>
    public const string Name = "SDK pipeline registry";
}
