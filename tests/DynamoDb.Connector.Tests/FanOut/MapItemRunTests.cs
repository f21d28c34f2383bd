using System.Text.Json.Nodes;
using DynamoDb.Connector.FanOut;
using static DynamoDb.Connector.Tests.FanOut.MapItemSimulator;

namespace DynamoDb.Connector.Tests.FanOut;

/// <summary>One map item run through the definition (see <see cref="MapItemSimulator"/>): what the function is sent, and what the item ends with.</summary>
public sealed class MapItemRunTests
{
    private const string SplitUri = "s3://ops/plans/may/split-000003.json";

    private static readonly JsonObject Input = Obj(FanOutStateMachine.ImportExecutionInput("s3://ops/plans/may/", "orders"));

    /// <summary>A function whose split needs three invocations: two continuations, then done.</summary>
    private static Func<JsonObject, JsonObject> ThreeInvocations()
    {
        int call = 0;
        return _ =>
        {
            call++;
            bool done = call == 3;
            return Obj($$"""
                {"done":{{(done ? "true" : "false")}},"continuation":{{(done ? "null" : $$$"""{"source":"s3://data/","from":{"line":{{{call * 100}}}}}""")}},
                 "itemsRead":100,"itemsWritten":{{90 + call}},"itemsDeleted":0,"itemsDeadLettered":1,"badLines":1,"elapsedSeconds":1.5}
                """);
        };
    }

    [Fact]
    public void ASplitThatContinuesTwice_IsSentItsUri_ThenEachContinuation_WithTheInvocationOptions_AndNothingElse()
    {
        var input = (JsonObject)Input.DeepClone();
        input["invocation"]!["timeBudgetSeconds"] = 840;
        input["invocation"]!["checkpointUri"] = "s3://ops/checkpoints/may/";

        var outcome = Run(FanOutStateMachine.ForImport(new FanOutDefinitionOptions { MaxConcurrency = 20 }), input, Obj($$"""{"splitUri":"{{SplitUri}}","index":3}"""), ThreeInvocations());

        Assert.Null(outcome.Failure);
        Assert.Equal(3, outcome.Payloads.Count);
        Assert.Equal(["checkpointUri", "maxConcurrency", "splitUri", "table", "timeBudgetSeconds"], Fields(outcome.Payloads[0]));
        Assert.Equal(SplitUri, outcome.Payloads[0]["splitUri"]!.GetValue<string>());
        Assert.Equal(20, outcome.Payloads[0]["maxConcurrency"]!.GetValue<int>());
        Assert.Equal("orders", outcome.Payloads[0]["table"]!.GetValue<string>());
        for (int i = 1; i < 3; i++)
        {
            Assert.Equal(["checkpointUri", "maxConcurrency", "split", "table", "timeBudgetSeconds"], Fields(outcome.Payloads[i]));
            Assert.Equal($$$"""{"source":"s3://data/","from":{"line":{{{i * 100}}}}}""", Text(outcome.Payloads[i]["split"]));
            Assert.Equal(840, outcome.Payloads[i]["timeBudgetSeconds"]!.GetValue<int>());
        }
    }

    [Fact]
    public void AFinishedSplit_EndsWithItsTotalsOverEveryInvocation()
    {
        var outcome = Run(FanOutStateMachine.ForImport(new FanOutDefinitionOptions()), Input, Obj($$"""{"splitUri":"{{SplitUri}}","index":3}"""), ThreeInvocations());

        var output = outcome.Output!.AsObject();
        Assert.Equal(3, output["index"]!.GetValue<int>());
        Assert.True(output["done"]!.GetValue<bool>());
        Assert.Equal("""{"invocations":3,"itemsRead":300,"itemsWritten":276,"itemsDeleted":0,"itemsDeadLettered":3,"badLines":3}""", Text(output["totals"]));
        Assert.Equal("null", Text(output["last"]!["continuation"]));
    }

    [Fact]
    public void ASplitDoneAtOnce_IsInvokedOnce()
    {
        var outcome = Run(FanOutStateMachine.ForImport(new FanOutDefinitionOptions()), Input, Obj($$"""{"splitUri":"{{SplitUri}}","index":0}"""),
            _ => Obj("""{"done":true,"continuation":null,"itemsRead":0,"itemsWritten":0,"itemsDeleted":0,"itemsDeadLettered":0,"badLines":0,"elapsedSeconds":0}"""));

        Assert.Single(outcome.Payloads);
        Assert.Equal(1, outcome.Output!["totals"]!["invocations"]!.GetValue<long>());
    }

    [Fact]
    public void AFailedInvocation_FailsTheItem_NamingTheSplit()
    {
        var outcome = Run(FanOutStateMachine.ForImport(new FanOutDefinitionOptions()), Input, Obj($$"""{"splitUri":"{{SplitUri}}","index":3}"""),
            _ => throw new InvalidOperationException("Table 'orders' does not exist"));

        Assert.Null(outcome.Output);
        Assert.Equal($"split 3 ({SplitUri}) failed: Table 'orders' does not exist", outcome.Failure);
    }

    [Fact]
    public void AnExportSegment_IsSentItsUri_ThenItsContinuation_WithTheReadOptions()
    {
        var input = Obj(FanOutStateMachine.ExportExecutionInput("s3://ops/exports/may/"));
        input["invocation"]!["readPercent"] = 50;
        int call = 0;

        var outcome = Run(FanOutStateMachine.ForExport(new FanOutDefinitionOptions { MaxConcurrency = 8 }), input, Obj("""{"exportSegmentUri":"s3://ops/exports/may/segment-0001.json","index":1}"""),
            _ => ++call == 1
                ? Obj("""{"done":false,"continuation":{"segment":1,"lastKey":{"pk":{"S":"a"}}},"itemsRead":5,"itemsWritten":5}""")
                : Obj("""{"done":true,"continuation":null,"itemsRead":2,"itemsWritten":2}"""));

        Assert.Equal(2, outcome.Payloads.Count);
        Assert.Equal(["exportSegmentUri", "maxConcurrency", "readPercent"], Fields(outcome.Payloads[0]));
        Assert.Equal(["exportSegment", "maxConcurrency", "readPercent"], Fields(outcome.Payloads[1]));
        Assert.Equal("""{"segment":1,"lastKey":{"pk":{"S":"a"}}}""", Text(outcome.Payloads[1]["exportSegment"]));
        Assert.Equal("""{"invocations":2,"itemsRead":7,"itemsWritten":7}""", Text(outcome.Output!["totals"]));
    }
}
