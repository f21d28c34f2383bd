using System.Reflection;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.Runtime.Internal;

namespace DynamoDb.Connector.Retry;

/// <summary>
/// Puts a connector handler into DynamoDB clients' SDK pipelines: every client built after <see cref="Register"/>
/// through the SDK's customizer registry (its extension point, as the X-Ray SDK uses), and a client built before
/// that (a host's, built before anything of the connector ran) through <see cref="AddHandler{THandler,TAnchor}"/>.
/// </summary>
internal static class SdkPipeline
{
    // The SDK customizes a pipeline only while building the client; one built earlier is reached through this
    // (protected) property, the one the SDK's customizers are given.
    private static readonly PropertyInfo? PipelineProperty = typeof(AmazonServiceClient).GetProperty("RuntimePipeline", BindingFlags.Instance | BindingFlags.NonPublic);

    /// <summary>Gives every DynamoDB client built from now on a handler (<paramref name="customize"/> adds it).</summary>
    public static void Register(string uniqueName, Action<RuntimePipeline> customize) =>
        RuntimePipelineCustomizerRegistry.Instance.Register(new Customizer(uniqueName, customize));

    /// <summary>The pipeline of <paramref name="client"/>; null when it is not an SDK client (a test double).</summary>
    public static RuntimePipeline? Of(IAmazonDynamoDB client) =>
        client is AmazonServiceClient service ? PipelineProperty?.GetValue(service) as RuntimePipeline : null;

    /// <summary>
    /// Puts the handler <paramref name="create"/> makes just inside the <typeparamref name="TAnchor"/> handler of
    /// <paramref name="client"/>'s pipeline, unless a <typeparamref name="THandler"/> is there already.
    /// </summary>
    /// <returns>Whether the pipeline has the handler (false: not an SDK client, or one without the anchor).</returns>
    public static bool AddHandler<THandler, TAnchor>(IAmazonDynamoDB client, Func<THandler> create)
        where THandler : IPipelineHandler
        where TAnchor : IPipelineHandler
    {
        if (Of(client) is not { } pipeline) return false;
        lock (pipeline)
        {
            if (pipeline.EnumerateHandlers().Any(h => h is THandler)) return true;
            if (!pipeline.EnumerateHandlers().Any(h => h is TAnchor)) return false;
            pipeline.AddHandlerAfter<TAnchor>(create());
            return true;
        }
    }

    private sealed class Customizer(string uniqueName, Action<RuntimePipeline> customize) : IRuntimePipelineCustomizer
    {
        public string UniqueName => uniqueName;

        public void Customize(Type type, RuntimePipeline pipeline)
        {
            if (typeof(IAmazonDynamoDB).IsAssignableFrom(type)) customize(pipeline);
        }
    }
}
