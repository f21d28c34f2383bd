using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using DynamoDb.Connector.IntegrationTests.Infrastructure;

namespace DynamoDb.Connector.IntegrationTests.Cli;

/// <summary>
/// What a new user meets first, on a copy of the repository's scripts without node_modules (a fresh clone): the README's
/// <c>eval "$(eng/local-servers.sh start DIR)"</c> and <c>./eng/demo.sh</c>. A stand-in <c>npm</c> on the PATH prints
/// what <c>npm ci</c> prints on stdout and links the real node_modules, so the install runs as on a fresh clone with
/// no network.
/// </summary>
[Collection(FirstContactCollection.Name)]
public sealed partial class FirstContactTests : IDisposable
{
    private readonly TempFolder _clone = new();

    public FirstContactTests()
    {
        Directory.CreateDirectory(_clone.Combine("eng"));
        foreach (var script in new[] { "local-servers.sh", "install-local-servers.sh", "demo.sh" })
        {
            File.Copy(Path.Combine(LocalServers.RepositoryRoot, "eng", script), _clone.Combine("eng", script));
        }
        File.Copy(Path.Combine(LocalServers.RepositoryRoot, "package.json"), _clone.Combine("package.json"));
        File.Copy(Path.Combine(LocalServers.RepositoryRoot, "package-lock.json"), _clone.Combine("package-lock.json"));
        Directory.CreateDirectory(_clone.Combine("fake-bin"));
        File.WriteAllText(_clone.Combine("fake-bin", "npm"), $"""
            #!/usr/bin/env bash
            # npm ci, as far as stdout goes: it reports what it added there.
            ln -s '{Path.Combine(LocalServers.RepositoryRoot, "node_modules")}' node_modules
            echo "added 140 packages in 5s"
            """.ReplaceLineEndings("\n"));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(_clone.Combine("fake-bin", "npm"), (UnixFileMode)0b111_101_101);
    }

    public void Dispose()
    {
        // Whatever a failed test left running is stopped (by its pid files in the clone).
        using (var stop = Script("eng/local-servers.sh stop state; eng/local-servers.sh stop .demo/servers")) stop.WaitForExit(20_000);
        _clone.Dispose();
    }

    [Fact]
    public async Task LocalServersStart_OnACloneWithoutNodeModules_PrintsOnlyExportLines_SoEvalSetsTheEndpoints()
    {
        var start = await RunAsync("eng/local-servers.sh start state");

        Assert.True(start.ExitCode == 0, start.ToString());
        var lines = start.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, line => Assert.Matches(ExportLine(), line));
        Assert.Contains("added 140 packages", start.Stderr, StringComparison.Ordinal);
        await RunAsync("eng/local-servers.sh stop state");

        var eval = await RunAsync("""eval "$(eng/local-servers.sh start state)" && echo "dynamodb=$AWS_ENDPOINT_URL_DYNAMODB s3=$AWS_ENDPOINT_URL_S3" """);
        Assert.True(eval.ExitCode == 0, eval.ToString());
        var endpoints = Endpoints(eval.Stdout, "dynamodb=", "s3=");
        Assert.All(endpoints, port => Assert.True(Answers(port), $"nothing listens on {port}\n{eval}"));

        var stop = await RunAsync("eng/local-servers.sh stop state");
        Assert.True(stop.ExitCode == 0, stop.ToString());
        Assert.All(endpoints, port => Assert.False(Answers(port), $"a server still listens on {port} after stop"));
    }

    [Fact]
    public async Task Demo_OnACloneWithoutNodeModules_RunsToTheEnd_AndStopsTheServersItStarted()
    {
        var demo = await RunAsync("eng/demo.sh", ("DEMO_ITEMS", "300"), ("DEMO_CLI", CliProcess.ToolPath));

        Assert.True(demo.ExitCode == 0, demo.ToString());
        Assert.Contains("made the round trip", demo.Stdout, StringComparison.Ordinal);
        Assert.All(Endpoints(demo.Stdout, "DynamoDB at ", "S3 at "), port => Assert.False(Answers(port), $"a server still listens on {port} after the demo\n{demo}"));
    }

    [Fact]
    public async Task Demo_WhenAStepFails_ExitsNonZero_AndStopsTheServersItStarted()
    {
        var demo = await RunAsync("eng/demo.sh", ("DEMO_ITEMS", "not-a-number"), ("DEMO_CLI", CliProcess.ToolPath));

        Assert.True(demo.ExitCode != 0, demo.ToString());
        Assert.All(Endpoints(demo.Stdout, "DynamoDB at ", "S3 at "), port => Assert.False(Answers(port), $"a server still listens on {port} after the failed demo\n{demo}"));
    }

    [Fact]
    public async Task Demo_InterruptedWithCtrlC_ExitsWith130_AndStopsTheServersItStarted()
    {
        // setsid: the demo leads its own process group, as a terminal's foreground job does, and Ctrl-C reaches the whole group.
        using var demo = Script("exec setsid bash eng/demo.sh", ("DEMO_ITEMS", "5000000"), ("DEMO_CLI", CliProcess.ToolPath));
        var stdout = new StringBuilder();
        var writing = new TaskCompletionSource();
        demo.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stdout) stdout.AppendLine(e.Data);
            if (e.Data.Contains("writing a sample export", StringComparison.Ordinal)) writing.TrySetResult();
        };
        demo.BeginOutputReadLine();
        demo.BeginErrorReadLine();
        await writing.Task.WaitAsync(TimeSpan.FromMinutes(1));

        using (var kill = Process.Start("kill", ["-INT", "--", $"-{demo.Id}"])) await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await demo.WaitForExitAsync(timeout.Token);
        demo.WaitForExit();

        string output;
        lock (stdout) output = stdout.ToString();
        Assert.True(demo.ExitCode == 130, $"exit {demo.ExitCode}\n{output}");
        Assert.All(Endpoints(output, "DynamoDB at ", "S3 at "), port => Assert.False(Answers(port), $"a server still listens on {port} after Ctrl-C\n{output}"));
    }

    private async Task<CliRunner.Run> RunAsync(string command, params (string Name, string Value)[] environment)
    {
        using var process = Script(command, environment);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return new CliRunner.Run(process.ExitCode, await stdout, await stderr);
    }

    private Process Script(string command, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo("bash") { WorkingDirectory = _clone.Path, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        start.Environment["PATH"] = $"{_clone.Combine("fake-bin")}:{System.Environment.GetEnvironmentVariable("PATH")}";
        foreach (var (name, value) in environment) start.Environment[name] = value;
        return Process.Start(start)!;
    }

    /// <summary>The ports of the endpoints a script printed after each of <paramref name="markers"/>.</summary>
    private static List<int> Endpoints(string output, params string[] markers)
    {
        var ports = markers.Select(m => Regex.Match(output, Regex.Escape(m) + @"http://127\.0\.0\.1:(\d+)")).ToList();
        Assert.True(ports.All(p => p.Success), $"no endpoints in the output:\n{output}");
        return [.. ports.Select(p => int.Parse(p.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))];
    }

    private static bool Answers(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^export [A-Z0-9_]+=\S*$")]
    private static partial Regex ExportLine();
}

/// <summary>
/// The first-contact scripts start and stop servers of their own and send Ctrl-C to process groups: they run alone,
/// never beside the tests that share the <see cref="LocalServers"/> fixture (a run where they overlapped lost that
/// fixture's server mid-suite).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FirstContactCollection
{
    public const string Name = "first contact (runs alone)";
}
