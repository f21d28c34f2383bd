using DynamoDb.Connector.FanOut;
using DynamoDb.Connector.IntegrationTests.Cli;

namespace DynamoDb.Connector.IntegrationTests.FanOut;

/// <summary>The fan-out definitions are valid Amazon States Language, as the pinned asl-validator reads it.</summary>
public sealed class StateMachineDefinitionTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("import", 1)]
    [InlineData("import", 40)]
    [InlineData("import", 10_000)]
    [InlineData("export", 1)]
    [InlineData("export", 40)]
    [InlineData("export", 10_000)]
    public async Task Definition_IsValidAmazonStatesLanguage(string kind, int maxConcurrency)
    {
        var options = new FanOutDefinitionOptions { MaxConcurrency = maxConcurrency };
        string path = _temp.Combine($"{kind}-{maxConcurrency}.asl.json");
        await File.WriteAllTextAsync(path, kind == "import" ? FanOutStateMachine.ForImport(options) : FanOutStateMachine.ForExport(options));

        var run = await NodeTools.ValidateAslAsync(path);

        Assert.True(run.ExitCode == 0, run.ToString());
    }

    [Fact]
    public async Task TheValidator_RefusesADefinitionWhoseLoopGoesNowhere()
    {
        // The check above can fail: the same definition with the Choice's loop pointing at no state is refused.
        string broken = FanOutStateMachine.ForImport(new FanOutDefinitionOptions()).Replace("\"Next\": \"Continue\"", "\"Next\": \"Nowhere\"", StringComparison.Ordinal);
        string path = _temp.Combine("broken.asl.json");
        await File.WriteAllTextAsync(path, broken);

        var run = await NodeTools.ValidateAslAsync(path);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("Nowhere", run.Stdout + run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanWithStateMachine_WritesTheDefinition_AndSaysTheBudgetShareOfEachInvocation()
    {
        string source = _temp.Combine("source");
        Assert.Equal(0, (await CliRunner.RunAsync("generate", "--destination", source, "--items", "3000", "--files", "3")).ExitCode);
        string path = _temp.Combine("import.asl.json");

        var plan = await CliRunner.RunAsync("plan", "--source", source, "--split-size-mb", "0.0625", "--state-machine", path, "--max-concurrency", "4");

        Assert.True(plan.ExitCode == 0, plan.ToString());
        Assert.Equal(FanOutStateMachine.ForImport(new FanOutDefinitionOptions { MaxConcurrency = 4 }), await File.ReadAllTextAsync(path));
        Assert.Contains("each invocation taking 1/4 of the table's budget", plan.Stderr, StringComparison.Ordinal);
        Assert.Contains(FanOutDefinitionOptions.FunctionArnPlaceholder, plan.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, (await NodeTools.ValidateAslAsync(path)).ExitCode);
    }

    [Fact]
    public async Task PlanWithStateMachine_WithoutMaxConcurrency_RunsEverySplitAtOnce_UpToTen_AndTakesAGivenFunction()
    {
        string source = _temp.Combine("source");
        Assert.Equal(0, (await CliRunner.RunAsync("generate", "--destination", source, "--items", "100", "--files", "2")).ExitCode);
        string path = _temp.Combine("import.asl.json");
        const string arn = "arn:aws:lambda:eu-west-1:123456789012:function:importer";

        var plan = await CliRunner.RunAsync("plan", "--source", source, "--state-machine", path, "--function-arn", arn, "--json");

        Assert.True(plan.ExitCode == 0, plan.ToString());
        int splits = System.Text.Json.JsonDocument.Parse(plan.Stdout).RootElement.GetProperty("splits").GetArrayLength();
        Assert.InRange(splits, 1, 9);
        Assert.Equal(FanOutStateMachine.ForImport(new FanOutDefinitionOptions { MaxConcurrency = splits, FunctionArn = arn }), await File.ReadAllTextAsync(path));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("10001")]
    public async Task PlanWithAMaxConcurrencyOutOfRange_IsAUsageError(string value)
    {
        var plan = await CliRunner.RunAsync("plan", "--source", _temp.Path, "--state-machine", _temp.Combine("x.json"), "--max-concurrency", value);

        Assert.True(plan.ExitCode == 2, plan.ToString());
        Assert.Contains("--max-concurrency", plan.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_temp.Combine("x.json")));
    }
}
