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
// Metrics and spans over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set; disposing flushes them before the exit.
if (!DynamoDb.Connector.Cli.Telemetry.OtlpExport.TryStart(out var otlp, out string? otlpProblem)) return await ConnectorCommandLine.FailAsync(otlpProblem!, ExitCodes.Usage, args.Contains("--json"), Console.Out, Console.Error).ConfigureAwait(false);
using (otlp) return await ConnectorCommandLine.RunAsync(args, Console.Out, Console.Error, Console.In, cancel.Token).ConfigureAwait(false);
