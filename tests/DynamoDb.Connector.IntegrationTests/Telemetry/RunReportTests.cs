using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using DynamoDb.Connector.IntegrationTests.Cli;
using DynamoDb.Connector.IntegrationTests.Infrastructure;

namespace DynamoDb.Connector.IntegrationTests.Telemetry;

/// <summary>
/// <c>--report</c> on import and export, as a user opens it: the real tool writes the page, headless Chromium renders
/// it, and the test checks that its script drew the charts and that the figures it shows are the run's <c>--json</c> ones.
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed partial class RunReportTests(LocalServers servers) : IDisposable
{
    private static readonly (byte, byte, byte) ConsumedBlue = (0x25, 0x63, 0xeb);
    private static readonly (byte, byte, byte) AllottedRed = (0xdc, 0x26, 0x26);
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Import_WithReport_WritesOneSelfContainedPage_ThatChromiumDraws_WithTheRunsFigures()
    {
        HeadlessChromium.Require();
        string table = LocalServers.UniqueName("report");
        string source = Directory.CreateDirectory(_temp.Combine("source")).FullName;
        for (int f = 0; f < 3; f++)
        {
            await File.WriteAllLinesAsync(Path.Combine(source, $"part-{f}.json"), Enumerable.Range(0, 300).Select(i => Line($"f{f}-{i}")));
        }
        await File.WriteAllLinesAsync(Path.Combine(source, "part-3.json"), [Line("good"), "this is not json", """{"Item":{"other":{"S":"no key"}}}"""]);
        string reportFolder = Directory.CreateDirectory(_temp.Combine("out")).FullName;
        string report = Path.Combine(reportFolder, "import.html");

        var run = await CliProcess.RunAsync(servers,
        [
            "import", "--source", source, "--table", table, "--create-table", "--key", "pk:S", "--keys-unique", "--split-size-mb", "0.0625", "--write-capacity", "300",
            "--dead-letter", _temp.Combine("rejects"), "--report", report, "--json",
        ], TimeSpan.FromMinutes(3));

        Assert.True(run.ExitCode == 3, run.ToString()); // two records set aside
        var json = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal(901, json.GetProperty("itemsWritten").GetInt64());
        Assert.Equal([report], Directory.GetFiles(reportFolder)); // one page, no partial file, no assets beside it
        AssertSelfContained(await File.ReadAllTextAsync(report));

        string dom = await HeadlessChromium.DumpDomAsync(report);
        Assert.Contains("data-drawn=\"true\"", dom, StringComparison.Ordinal);
        foreach (string key in new[] { "itemsRead", "itemsWritten", "itemsDeadLettered", "badLines", "consumedCapacityUnits", "throttledRequests", "retries", "splitsRun", "elapsedSeconds" })
        {
            Assert.True(Shown(dom, key) == json.GetProperty(key).GetDouble(), $"{key}: the page shows {Shown(dom, key)}, --json says {json.GetProperty(key)}");
        }
        Assert.Equal(json.GetProperty("splits").GetDouble(), Shown(dom, "splits"));
        // The charts are drawn from the run's telemetry: their sums are the result's totals.
        Assert.Equal(json.GetProperty("consumedCapacityUnits").GetDouble(), Math.Round(BarValues(dom, "consumed").Sum(), 1));
        Assert.Equal(json.GetProperty("itemsRead").GetInt64(), (long)BarValues(dom, "split").Sum());
        Assert.Equal(json.GetProperty("splits").GetInt32(), BarValues(dom, "split").Count); // one bar per split
        Assert.True(BarValues(dom, "split").Count > 3, "small splits: several bars");
        Assert.Equal(json.GetProperty("itemsDeadLettered").GetInt64(), DeadLetterCounts(dom).Values.Sum());
        Assert.Equal(1, DeadLetterCounts(dom)["unreadable line"]);
        Assert.Contains("class=\"allotted\"", dom, StringComparison.Ordinal); // the budget's line
        var data = EmbeddedData(dom);
        Assert.Contains(data.GetProperty("recording").GetProperty("seconds").EnumerateArray(), s => s.TryGetProperty("allotted", out var a) && a.GetDouble() == 300);

        string png = Environment.GetEnvironmentVariable("REPORT_TEST_PNG") ?? _temp.Combine("import.png");
        await HeadlessChromium.ScreenshotAsync(report, png, 1100, 1500);
        var image = PngImage.Load(png);
        Assert.True(image.DistinctColours() > 20, $"the screenshot has {image.DistinctColours()} colours: a blank page");
        // The legend's key is 12 x 12 pixels of each colour; the chart's bars and budget line are many more.
        Assert.True(image.Count(ConsumedBlue) > 2_000, $"{image.Count(ConsumedBlue)} pixels of the consumed bars' blue");
        Assert.True(image.Count(AllottedRed) > 600, $"{image.Count(AllottedRed)} pixels of the budget line's red");
    }

    [Fact]
    public async Task Export_WithReport_WritesAPage_ThatChromiumDraws_WithTheRunsFigures()
    {
        HeadlessChromium.Require();
        string table = LocalServers.UniqueName("report-export");
        using var client = servers.CreateDynamoDbClient();
        await TestTables.CreateTableAsync(client, table);
        await TestTables.PutAllAsync(client, table, TestTables.Plain(10, 20));
        string report = _temp.Combine("export.html");

        var run = await CliProcess.RunAsync(servers,
            ["export", "--table", table, "--destination", _temp.Combine("export"), "--segments", "3", "--items-per-file", "50", "--report", report, "--json"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var json = JsonDocument.Parse(run.Stdout).RootElement;
        AssertSelfContained(await File.ReadAllTextAsync(report));
        string dom = await HeadlessChromium.DumpDomAsync(report);
        Assert.Contains("data-drawn=\"true\"", dom, StringComparison.Ordinal);
        foreach (string key in new[] { "itemsExported", "files", "bytes", "consumedCapacityUnits", "throttledRequests", "itemsScanned", "splits", "elapsedSeconds" })
        {
            Assert.True(Shown(dom, key) == json.GetProperty(key).GetDouble(), $"{key}: the page shows {Shown(dom, key)}, --json says {json.GetProperty(key)}");
        }
        Assert.Equal(json.GetProperty("consumedCapacityUnits").GetDouble(), Math.Round(BarValues(dom, "consumed").Sum(), 1));
        Assert.Equal(200, (long)BarValues(dom, "split").Sum());
        Assert.Equal(3, BarValues(dom, "split").Count);

        string png = _temp.Combine("export.png");
        await HeadlessChromium.ScreenshotAsync(report, png, 1100, 1500);
        Assert.True(PngImage.Load(png).Count(ConsumedBlue) > 1_000, "the consumed bars were not drawn");
    }

    [Fact]
    public async Task Import_WithReportInAFolderThatDoesNotExist_IsAUsageError_BeforeAnythingRuns()
    {
        string missing = _temp.Combine("no-such-folder", "report.html");

        var run = await CliRunner.RunAsync("import", "--source", _temp.Path, "--table", "t", "--report", missing);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("--report", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("does not exist", run.Stderr, StringComparison.Ordinal);
    }

    // About 300 bytes: three files of 300 make several splits of 64 KB.
    private static string Line(string key) => "{\"Item\":{\"pk\":{\"S\":\"" + key + "\"},\"pad\":{\"S\":\"" + new string('x', 250) + "\"}}}";

    /// <summary>Nothing to fetch when the page is viewed: no external script, style, image, font or frame.</summary>
    private static void AssertSelfContained(string html)
    {
        Assert.DoesNotMatch(@"(?i)\b(src|href)\s*=", html);
        Assert.DoesNotMatch(@"(?i)@import|url\(", html);
        Assert.DoesNotMatch(@"(?i)<(link|iframe|img|object|embed)\b", html);
    }

    /// <summary>The number the page shows for a summary or plan figure (its --json name), as displayed.</summary>
    private static double Shown(string dom, string key)
    {
        var match = Regex.Match(dom, $"<td[^>]*data-key=\"{key}\"[^>]*>([^<]*)</td>");
        Assert.True(match.Success, $"the page shows no figure {key}");
        return double.Parse(WebUtility.HtmlDecode(match.Groups[1].Value).Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);
    }

    private static List<double> BarValues(string dom, string series) =>
        [.. Regex.Matches(dom, $"<rect[^>]*class=\"bar {series}[^\"]*\"[^>]*>").Select(m => double.Parse(DataValue().Match(m.Value).Groups[1].Value, CultureInfo.InvariantCulture))];

    private static Dictionary<string, long> DeadLetterCounts(string dom) =>
        Regex.Matches(dom, "data-reason=\"([^\"]*)\">([^<]*)<").ToDictionary(m => m.Groups[1].Value, m => long.Parse(m.Groups[2].Value.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture));

    private static JsonElement EmbeddedData(string dom)
    {
        var match = Regex.Match(dom, "<script type=\"application/json\" id=\"report-data\">(.*?)</script>", RegexOptions.Singleline);
        Assert.True(match.Success, "the page holds no report data");
        return JsonDocument.Parse(match.Groups[1].Value).RootElement;
    }

    [GeneratedRegex("data-value=\"([^\"]*)\"")]
    private static partial Regex DataValue();
}
