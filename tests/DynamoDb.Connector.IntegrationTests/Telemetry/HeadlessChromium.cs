using System.Diagnostics;

namespace DynamoDb.Connector.IntegrationTests.Telemetry;

/// <summary>
/// Debian's <c>chromium</c> in headless mode: renders a local page to a PNG and dumps its DOM after its scripts ran.
/// Missing, it fails the test with how to install it (the report is tested in a real browser, or not at all).
/// </summary>
public static class HeadlessChromium
{
    private static readonly string[] Candidates = ["chromium", "chromium-browser", "google-chrome"];

    public static string Executable { get; } = Find();

    /// <summary>Renders <paramref name="page"/> at <paramref name="width"/> x <paramref name="height"/> into <paramref name="png"/>.</summary>
    public static Task ScreenshotAsync(string page, string png, int width, int height) =>
        RunAsync($"--screenshot={png}", $"--window-size={width},{height}", new Uri(page).AbsoluteUri);

    /// <summary>The page's DOM once its scripts ran.</summary>
    public static Task<string> DumpDomAsync(string page) => RunAsync("--dump-dom", new Uri(page).AbsoluteUri);

    private static async Task<string> RunAsync(params string[] args)
    {
        string profile = Directory.CreateTempSubdirectory("chromium-profile-").FullName;
        try
        {
            var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            // No sandbox (tests may run as root in a container), no GPU, no network: the page must need none.
            string[] all =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars", "--no-first-run",
                "--disable-extensions", "--force-device-scale-factor=1", $"--user-data-dir={profile}",
                "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>", .. args,
            ];
            foreach (string arg in all) start.ArgumentList.Add(arg);
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"chromium {string.Join(' ', args)} did not finish in 90 s.\n{await stderr}");
            }
            Assert.True(process.ExitCode == 0, $"chromium {string.Join(' ', args)} exited with {process.ExitCode}:\n{await stderr}");
            return await stdout;
        }
        finally
        {
            try { Directory.Delete(profile, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static string Find()
    {
        foreach (string name in Candidates)
        {
            foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                string path = Path.Combine(folder, name);
                if (File.Exists(path)) return path;
            }
        }
        return "";
    }

    /// <summary>Fails (never skips) when no browser is installed, saying how to install one.</summary>
    public static void Require() =>
        Assert.True(Executable.Length > 0,
            "The run report is tested in a real browser, and none was found (looked for chromium, chromium-browser, google-chrome on PATH). Install Debian's: apt-get update && apt-get install -y chromium (.ci/run does).");
}
