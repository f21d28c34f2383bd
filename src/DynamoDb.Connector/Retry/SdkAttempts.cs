using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.Runtime.Internal;

namespace DynamoDb.Connector.Retry;

/// <summary>
/// Sees the attempts the AWS SDK client makes on its own. A client keeps the SDK's default retries unless told
/// otherwise (<c>MaxErrorRetry</c>, default 2 in standard mode; <c>AddAWSService&lt;IAmazonDynamoDB&gt;()</c> keeps
/// them): the SDK then retries a throttled request inside one call and the caller's events (<c>BeforeRequestEvent</c>,
/// <c>AfterResponseEvent</c>, <c>ExceptionEvent</c>) fire once per call, so pacing would never hear of those throttles.
/// This registers, once per process, a pipeline customizer (<see cref="SdkPipeline"/>) that puts
/// a handler inside each DynamoDB client's <c>RetryHandler</c>: it sees every attempt and its error, but only inside an
/// <see cref="Observe"/> scope of the connector (an <see cref="AsyncLocal{T}"/>), so other calls on the client are not
/// touched. A client built before that (a host's, built before anything of the connector ran) is given the handler
/// the first time the connector observes a call on it (<see cref="Observe"/>).
/// </summary>
internal static class SdkAttempts
{
    private static readonly AsyncLocal<Scope?> Current = new();

    // The clients whose pipeline was checked for the handler (weakly: a client the host drops is not kept alive).
    private static readonly ConditionalWeakTable<IAmazonDynamoDB, object> Checked = [];

    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "The SDK applies pipeline customizers to clients built after they are registered: registering when the assembly loads covers clients a host builds after AddDynamoDbConnector.")]
    internal static void Register() =>
        SdkPipeline.Register("DynamoDb.Connector.SdkAttempts", pipeline => pipeline.AddHandlerAfter<RetryHandler>(new AttemptHandler()));

    /// <summary>Starts counting the attempts of the next call made with <paramref name="client"/> on this flow (dispose to stop).</summary>
    public static Scope Observe(IAmazonDynamoDB client)
    {
        if (!Checked.TryGetValue(client, out _)) Watch(client);
        return Current.Value = new Scope();
    }

    /// <summary>Gives <paramref name="client"/> the attempt handler if it was built without it (before <see cref="Register"/>).</summary>
    /// <returns>Whether the client's pipeline has the handler (false: not an SDK client, or one without a retry handler).</returns>
    internal static bool Watch(IAmazonDynamoDB client)
    {
        bool watched = SdkPipeline.AddHandler<AttemptHandler, RetryHandler>(client, () => new AttemptHandler());
        Checked.AddOrUpdate(client, watched);
        return watched;
    }

    /// <summary>The attempts of one call: how many, and the error of each that failed (the SDK retried all but the last).</summary>
    internal sealed class Scope : IDisposable
    {
        private readonly List<RequestError> _failures = [];
        private int _attempts;

        public int Attempts => Volatile.Read(ref _attempts);

        /// <summary>
        /// The errors the SDK retried on its own: every failed attempt but the last when the call failed (the caller
        /// sees that one), every failed attempt when it succeeded.
        /// </summary>
        public IReadOnlyList<RequestError> HiddenFailures(bool callFailed)
        {
            lock (_failures) return callFailed && _failures.Count > 0 ? _failures.GetRange(0, _failures.Count - 1) : [.. _failures];
        }

        internal void OnAttempt() => Interlocked.Increment(ref _attempts);

        internal void OnFailure(Exception exception)
        {
            var error = RequestError.Classify(exception, CancellationToken.None);
            lock (_failures) _failures.Add(error);
        }

        public void Dispose()
        {
            if (Current.Value == this) Current.Value = null;
        }
    }

    /// <summary>Inside the SDK's retry handler: runs once per attempt.</summary>
    private sealed class AttemptHandler : PipelineHandler
    {
        public override async Task<T> InvokeAsync<T>(IExecutionContext executionContext)
        {
            var scope = Current.Value;
            if (scope is null) return await base.InvokeAsync<T>(executionContext).ConfigureAwait(false);
            scope.OnAttempt();
            try
            {
                return await base.InvokeAsync<T>(executionContext).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                scope.OnFailure(ex);
                throw;
            }
        }
    }
}
