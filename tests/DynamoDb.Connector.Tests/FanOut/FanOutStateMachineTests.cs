using System.Text.Json;
using DynamoDb.Connector.FanOut;

namespace DynamoDb.Connector.Tests.FanOut;

/// <summary>The fan-out definitions' structure: what Step Functions would run, read back from the JSON.</summary>
public sealed class FanOutStateMachineTests
{
    /// <summary>Every field of CONTRACTS.md's Lambda payloads: nothing else may reach the function.</summary>
    private static readonly HashSet<string> ImportPayloadFields =
        ["table", "split", "splitUri", "timeBudgetSeconds", "maxConcurrency", "writePercent", "checkpointUri", "deadLetterUri"];

    private static readonly HashSet<string> ExportPayloadFields =
        ["exportSegment", "exportSegmentUri", "timeBudgetSeconds", "maxConcurrency", "readPercent"];

    private static JsonElement Import(int maxConcurrency = 10, string? functionArn = null) => Parse(FanOutStateMachine.ForImport(Options(maxConcurrency, functionArn)));

    private static JsonElement Export(int maxConcurrency = 10) => Parse(FanOutStateMachine.ForExport(Options(maxConcurrency, null)));

    private static FanOutDefinitionOptions Options(int maxConcurrency, string? functionArn)
    {
        var options = new FanOutDefinitionOptions { MaxConcurrency = maxConcurrency };
        if (functionArn is not null) options.FunctionArn = functionArn;
        return options;
    }

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static JsonElement ItemStates(JsonElement definition) => definition.GetProperty("States").GetProperty("Map").GetProperty("ItemProcessor").GetProperty("States");

    private static string Str(JsonElement e, string name) => e.GetProperty(name).GetString()!;

    private static HashSet<string> Names(JsonElement obj) => [.. obj.EnumerateObject().Select(p => p.Name.EndsWith(".$", StringComparison.Ordinal) ? p.Name[..^2] : p.Name)];

    [Fact]
    public void Import_ChoiceReinvokesWithTheContinuation_WhileDoneIsFalse_AndEndsWhenDone()
    {
        var states = ItemStates(Import());

        Assert.Equal("Prepare", Str(Import().GetProperty("States").GetProperty("Map").GetProperty("ItemProcessor"), "StartAt"));
        Assert.Equal("Invoke", Str(states.GetProperty("Prepare"), "Next"));
        Assert.Equal("Tally", Str(states.GetProperty("Invoke"), "Next"));
        Assert.Equal("IsDone", Str(states.GetProperty("Tally"), "Next"));
        var choice = states.GetProperty("IsDone");
        Assert.Equal("Choice", Str(choice, "Type"));
        var rule = Assert.Single(choice.GetProperty("Choices").EnumerateArray());
        Assert.Equal("$.result.done", Str(rule, "Variable"));
        Assert.False(rule.GetProperty("BooleanEquals").GetBoolean());
        Assert.Equal("Continue", Str(rule, "Next"));
        Assert.Equal("Invoke", Str(states.GetProperty("Continue"), "Next"));
        Assert.Equal("Finished", Str(choice, "Default"));
        Assert.True(states.GetProperty("Finished").GetProperty("End").GetBoolean());
        // done comes from the function's answer, not the invoke's envelope.
        Assert.Equal("$.Payload.done", Str(states.GetProperty("Invoke").GetProperty("ResultSelector"), "done.$"));
        Assert.Equal("$.Payload", Str(states.GetProperty("Invoke").GetProperty("ResultSelector"), "summary.$"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(40)]
    [InlineData(10_000)]
    public void Import_Payloads_CarryOnlyTheContractsFields_WithTheConcurrencyAsTheBudgetShare(int n)
    {
        var definition = Import(n);
        var states = ItemStates(definition);

        Assert.Equal(n, definition.GetProperty("States").GetProperty("Map").GetProperty("MaxConcurrency").GetInt32());
        Assert.Equal("States.JsonMerge($.invocation, $.request, false)", Str(states.GetProperty("Invoke").GetProperty("Parameters"), "Payload.$"));
        var first = states.GetProperty("Prepare").GetProperty("Parameters").GetProperty("request");
        Assert.Equal(["maxConcurrency", "splitUri"], Names(first).Order());
        Assert.Equal("$.splitUri", Str(first, "splitUri.$"));
        Assert.Equal(n, first.GetProperty("maxConcurrency").GetInt32());
        var next = states.GetProperty("Continue").GetProperty("Parameters").GetProperty("request");
        Assert.Equal(["maxConcurrency", "split"], Names(next).Order());
        Assert.Equal("$.result.summary.continuation", Str(next, "split.$"));
        Assert.Equal(n, next.GetProperty("maxConcurrency").GetInt32());
        Assert.Subset(ImportPayloadFields, Names(first));
        Assert.Subset(ImportPayloadFields, Names(next));
        // The rest of the payload is the execution input's "invocation", taken whole by the Map's ItemSelector.
        Assert.Equal("$.invocation", Str(definition.GetProperty("States").GetProperty("Map").GetProperty("ItemSelector"), "invocation.$"));
    }

    [Fact]
    public void Import_ItemReaderReadsItemsJson_AndTheItemSelectorTakesTheFieldsItHolds()
    {
        var map = Import().GetProperty("States").GetProperty("Map");
        var reader = map.GetProperty("ItemReader");

        Assert.Equal("arn:aws:states:::s3:getObject", Str(reader, "Resource"));
        Assert.Equal("JSON", Str(reader.GetProperty("ReaderConfig"), "InputType"));
        Assert.Equal("$.items.Bucket", Str(reader.GetProperty("Parameters"), "Bucket.$"));
        Assert.Equal("$.items.Key", Str(reader.GetProperty("Parameters"), "Key.$"));
        var input = Parse(FanOutStateMachine.ImportExecutionInput("s3://bucket/plans/one", "T"));
        Assert.Equal("bucket", Str(input.GetProperty("items"), "Bucket"));
        Assert.Equal("plans/one/" + DistributedMapItems.FileName, Str(input.GetProperty("items"), "Key"));
        Assert.Equal("plans/one/results/", Str(input.GetProperty("results"), "Prefix"));
        Assert.Equal("T", Str(input.GetProperty("invocation"), "table"));
        // Each item of items.json has the fields the selector reads.
        var item = Parse(DistributedMapItems.ForImport(["s3://bucket/plans/one/split-000000.json"]))[0];
        Assert.Equal(["index", "splitUri"], Names(item).Order());
        var selector = map.GetProperty("ItemSelector");
        Assert.Equal("$$.Map.Item.Value.splitUri", Str(selector, "splitUri.$"));
        Assert.Equal("$$.Map.Item.Value.index", Str(selector, "index.$"));
    }

    [Fact]
    public void Import_RunsStandardChildren_RetriesLambdaErrorsWithBackoff_AndAFailedSplitFailsTheRun()
    {
        var map = Import().GetProperty("States").GetProperty("Map");
        var states = ItemStates(Import());

        Assert.Equal("DISTRIBUTED", Str(map.GetProperty("ItemProcessor").GetProperty("ProcessorConfig"), "Mode"));
        Assert.Equal("STANDARD", Str(map.GetProperty("ItemProcessor").GetProperty("ProcessorConfig"), "ExecutionType"));
        Assert.Equal(0, map.GetProperty("ToleratedFailurePercentage").GetInt32());
        var retry = Assert.Single(states.GetProperty("Invoke").GetProperty("Retry").EnumerateArray());
        Assert.Equal(FanOutStateMachine.RetriedErrors, retry.GetProperty("ErrorEquals").EnumerateArray().Select(e => e.GetString()!));
        Assert.Contains("Lambda.TooManyRequestsException", FanOutStateMachine.RetriedErrors);
        Assert.True(retry.GetProperty("BackoffRate").GetDouble() > 1);
        Assert.True(retry.GetProperty("MaxAttempts").GetInt32() > 1);
        var fallback = Assert.Single(states.GetProperty("Invoke").GetProperty("Catch").EnumerateArray());
        Assert.Equal("States.ALL", Assert.Single(fallback.GetProperty("ErrorEquals").EnumerateArray()).GetString());
        Assert.Equal("Failed", Str(fallback, "Next"));
        var failed = states.GetProperty("Failed");
        Assert.Equal("Fail", Str(failed, "Type"));
        // The failure names the split: its index and document.
        Assert.Contains("$.index", Str(failed, "CausePath"), StringComparison.Ordinal);
        Assert.Contains("$.splitUri", Str(failed, "CausePath"), StringComparison.Ordinal);
    }

    [Fact]
    public void Import_ResultsGoToS3_AndOnlyTheMapRunsSummaryStaysInTheState()
    {
        var map = Import().GetProperty("States").GetProperty("Map");

        var writer = map.GetProperty("ResultWriter");
        Assert.Equal("arn:aws:states:::s3:putObject", Str(writer, "Resource"));
        Assert.Equal("$.results.Bucket", Str(writer.GetProperty("Parameters"), "Bucket.$"));
        Assert.Equal("$.results.Prefix", Str(writer.GetProperty("Parameters"), "Prefix.$"));
        Assert.Equal("$.mapRun", Str(map, "ResultPath"));
        Assert.True(map.GetProperty("End").GetBoolean());
    }

    [Fact]
    public void FunctionArn_IsThePlaceholderTheTemplateSubstitutes_UnlessGiven()
    {
        static IEnumerable<string> FunctionNames(JsonElement definition) =>
            ItemStates(definition).EnumerateObject().Select(s => s.Value)
                .Concat(definition.GetProperty("States").EnumerateObject().Select(s => s.Value))
                .Where(s => s.TryGetProperty("Resource", out var r) && r.GetString() == "arn:aws:states:::lambda:invoke")
                .Select(s => Str(s.GetProperty("Parameters"), "FunctionName"));

        Assert.Equal(["${FunctionArn}"], FunctionNames(Import()));
        Assert.Equal(["${FunctionArn}", "${FunctionArn}"], FunctionNames(Export()));
        const string arn = "arn:aws:lambda:us-east-1:123456789012:function:import";
        Assert.Equal([arn], FunctionNames(Import(functionArn: arn)));
    }

    [Fact]
    public void Export_InvokesEachSegmentUntilDone_ThenFinishesThePlanOnce()
    {
        var definition = Export(25);
        var states = ItemStates(definition);
        var map = definition.GetProperty("States").GetProperty("Map");

        Assert.Equal("$$.Map.Item.Value.exportSegmentUri", Str(map.GetProperty("ItemSelector"), "exportSegmentUri.$"));
        var first = states.GetProperty("Prepare").GetProperty("Parameters").GetProperty("request");
        Assert.Equal(["exportSegmentUri", "maxConcurrency"], Names(first).Order());
        var next = states.GetProperty("Continue").GetProperty("Parameters").GetProperty("request");
        Assert.Equal(["exportSegment", "maxConcurrency"], Names(next).Order());
        Assert.Equal("$.result.summary.continuation", Str(next, "exportSegment.$"));
        Assert.Subset(ExportPayloadFields, Names(first));
        Assert.Subset(ExportPayloadFields, Names(next));
        Assert.Equal(25, next.GetProperty("maxConcurrency").GetInt32());
        Assert.Equal("Continue", Str(states.GetProperty("IsDone").GetProperty("Choices")[0], "Next"));
        // The items an export plan lists.
        Assert.Equal(["exportSegmentUri", "index"], Names(Parse(DistributedMapItems.ForExport(["s3://b/p/segment-0000.json"]))[0]).Order());

        Assert.Equal("FinishExport", Str(map, "Next"));
        var finish = definition.GetProperty("States").GetProperty("FinishExport");
        Assert.Equal("arn:aws:states:::lambda:invoke", Str(finish, "Resource"));
        var payload = finish.GetProperty("Parameters").GetProperty("Payload");
        Assert.Equal(["finishExport"], Names(payload));
        Assert.Equal("$.plan", Str(payload, "finishExport.$"));
        Assert.True(finish.GetProperty("End").GetBoolean());
        Assert.NotEmpty(finish.GetProperty("Retry").EnumerateArray());
        Assert.Equal("s3://b/p/", Str(Parse(FanOutStateMachine.ExportExecutionInput("s3://b/p")), "plan"));
    }

    [Fact]
    public void Tally_AddsEachInvocationsCounters_ToTheSplitsTotals()
    {
        var tally = ItemStates(Import()).GetProperty("Tally").GetProperty("Parameters").GetProperty("totals");
        var start = ItemStates(Import()).GetProperty("Prepare").GetProperty("Parameters").GetProperty("totals");

        Assert.Equal("States.MathAdd($.totals.invocations, 1)", Str(tally, "invocations.$"));
        Assert.Equal("States.MathAdd($.totals.itemsWritten, $.result.summary.itemsWritten)", Str(tally, "itemsWritten.$"));
        Assert.Equal(Names(start).Order(), Names(tally).Order());
        Assert.All(start.EnumerateObject(), p => Assert.Equal(0, p.Value.GetInt32()));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10_001)]
    public void MaxConcurrency_OutsideOneToTenThousand_IsRefusedNamingIt(int n)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => FanOutStateMachine.ForImport(new FanOutDefinitionOptions { MaxConcurrency = n }));

        Assert.Equal("MaxConcurrency", e.ParamName);
        Assert.Contains("10,000", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyFunctionArn_OrALocalPlanForTheExecutionInput_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => FanOutStateMachine.ForExport(new FanOutDefinitionOptions { FunctionArn = " " }));
        var e = Assert.Throws<ArgumentException>(() => FanOutStateMachine.ImportExecutionInput("/tmp/plan", "T"));
        Assert.Contains("s3://", e.Message, StringComparison.Ordinal);
    }
}
