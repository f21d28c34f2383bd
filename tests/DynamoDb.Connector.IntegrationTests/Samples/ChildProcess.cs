using System.Diagnostics;
using System.Text;
using DynamoDb.Connector.IntegrationTests.Cli;

namespace DynamoDb.Connector.IntegrationTests.Samples;

/// <summary>
/// Runs a program other than the CLI (a sample host, a repository script) as its own process to its end, with the
/// given variables over this process's environment, and collects its output.
/// </summary>
public static class ChildProcess
{
    /// <summary>
    /// Runs <paramref name="program"/> in <paramref name="directory"/> (at most <paramref name="timeout"/>), with
    /// <paramref name="stdin"/> as its standard input when given; a late one is killed and reported.
    /// </summary>
    public static async Task<CliRunner.Run> RunAsync(
        string program, IEnumerable<string> args, string directory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, string? stdin = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish in {timeout}.\n{Collected(-1)}");
        }
        process.WaitForExit(); // drains the redirected output
        return Collected(process.ExitCode);

        CliRunner.Run Collected(int code)
        {
            lock (stdout) lock (stderr) return new CliRunner.Run(code, stdout.ToString(), stderr.ToString());
        }
    }
}
