using System.Diagnostics;
using System.Text;
using DynamoDb.Connector.IntegrationTests.Infrastructure;

namespace DynamoDb.Connector.IntegrationTests.Cli;

/// <summary>
/// Runs the real <c>dynamodb-connector</c> in its own process, pointed at the local servers by the standard AWS
/// variables: for what only a separate process shows (kill -9, processes sharing a table).
/// </summary>
public sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private CliProcess(Process process)
    {
        _process = process;
    }

    /// <summary>The tool, built next to the tests (the test project references the CLI project).</summary>
    public static string ToolPath { get; } = Path.Combine(AppContext.BaseDirectory, "dynamodb-connector.dll");

    public static CliProcess Start(LocalServers servers, params string[] args) => Start(servers, null, args);

    /// <summary>Starts the tool with <paramref name="environment"/> over the local servers' variables (say, an endpoint through a fault proxy).</summary>
    public static CliProcess Start(LocalServers servers, IReadOnlyDictionary<string, string>? environment, string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ToolPath);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (name, value) in servers.Environment) start.Environment[name] = value;
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        start.Environment["DOTNET_NOLOGO"] = "1";
        var process = new Process { StartInfo = start };
        var cli = new CliProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (cli._stdout) cli._stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (cli._stderr) cli._stderr.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    /// <summary>Runs the tool to its end (at most <paramref name="timeout"/>, default two minutes).</summary>
    public static async Task<CliRunner.Run> RunAsync(LocalServers servers, string[] args, TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var cli = Start(servers, environment, args);
        return await cli.WaitAsync(timeout);
    }

    public async Task<CliRunner.Run> WaitAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"dynamodb-connector did not finish in time.\n{Output()}");
        }
        _process.WaitForExit(); // drains the redirected output
        return Output();
    }

    /// <summary>kill -9: no chance to flush, commit or clean up.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public CliRunner.Run Output()
    {
        lock (_stdout) lock (_stderr) return new CliRunner.Run(_process.HasExited ? _process.ExitCode : -1, _stdout.ToString(), _stderr.ToString());
    }

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }
}
