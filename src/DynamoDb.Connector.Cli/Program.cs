using System.Runtime.InteropServices;
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
// SIGTERM (docker stop, kill) stops cleanly too.
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    // The first asks the job to stop cleanly; a second one terminates the process.
    context.Cancel = !cancel.IsCancellationRequested;
    cancel.Cancel();
});
return await ConnectorCommandLine.RunAsync(args, Console.Out, Console.Error, Console.In, cancel.Token).ConfigureAwait(false);
