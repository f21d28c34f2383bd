using DynamoDb.Connector.Cli;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl+C asks the job to stop cleanly (checkpoints are kept); a second one kills the process.
    if (!cancel.IsCancellationRequested)
    {
        e.Cancel = true;
        cancel.Cancel();
    }
};
return await ConnectorCommandLine.RunAsync(args, Console.Out, Console.Error, Console.In, cancel.Token).ConfigureAwait(false);
