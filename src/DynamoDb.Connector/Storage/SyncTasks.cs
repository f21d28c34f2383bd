namespace DynamoDb.Connector.Storage;

/// <summary>Runs synchronous work behind a task-returning method, reporting failure through the task as an async method would.</summary>
internal static class SyncTasks
{
    public static Task<T> Run<T>(Func<T> work, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<T>(cancellationToken);
        try
        {
            return Task.FromResult(work());
        }
        catch (Exception ex)
        {
            return Task.FromException<T>(ex);
        }
    }
}
