namespace DynamoDb.Connector.IntegrationTests.Infrastructure;

/// <summary>Reports on the calling thread (Progress&lt;T&gt; posts to the thread pool, so the last report could arrive after the test looks).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value)
    {
        lock (this) report(value);
    }
}
