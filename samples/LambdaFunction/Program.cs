using DynamoDb.Connector.Lambda;
using DynamoDb.Connector.Lambda.Runtime;

// A Lambda function on the custom runtime: Lambda sets AWS_LAMBDA_RUNTIME_API, and the loop serves invocations until
// the sandbox is stopped. `bootstrap --invoke` runs one payload from stdin and writes the response to stdout, through
// the same handler, for local runs (and the tests' driver of a Distributed Map).
using var function = new ConnectorFunction();

if (args is ["--invoke"])
{
    try
    {
        await using var input = Console.OpenStandardInput();
        await using var response = await function.HandleAsync(input, deadline: null);
        await using var output = Console.OpenStandardOutput();
        await response.CopyToAsync(output);
        await output.WriteAsync("\n"u8.ToArray());
        return 0;
    }
    catch (Exception ex) when (ex is FormatException or InvalidDataException or ArgumentException or InvalidOperationException or NotSupportedException or IOException or Amazon.Runtime.AmazonServiceException)
    {
        await Console.Error.WriteLineAsync($"bootstrap: {ex.GetType().Name}: {ex.Message}");
        return 1;
    }
}

using var runtime = LambdaRuntimeClient.FromEnvironment();
if (runtime is null || args.Length > 0)
{
    await Console.Error.WriteLineAsync($"usage: bootstrap (in Lambda's custom runtime, which sets {LambdaRuntimeClient.RuntimeApiVariable}) or bootstrap --invoke < payload.json");
    return 2;
}
using var stop = new CancellationTokenSource();
// Lambda sends SIGTERM before it shuts a sandbox down.
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
try
{
    await runtime.RunAsync((invocation, cancellationToken) => function.HandleAsync(invocation.Payload, invocation.Deadline, cancellationToken), stop.Token);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
}
return 0;
