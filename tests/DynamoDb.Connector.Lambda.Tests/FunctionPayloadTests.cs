using System.Text;

namespace DynamoDb.Connector.Lambda.Tests;

public sealed class FunctionPayloadTests
{
    private static FunctionPayload Parse(string json) => FunctionPayload.Parse(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void AnImportSplitPayload_GivesEveryOption_WithThePercentageAsAShare()
    {
        var payload = Parse("""
            {"table":"Orders","splitUri":"s3://b/plan/split-0003.json","timeBudgetSeconds":600,"maxConcurrency":40,
             "writePercent":50,"checkpointUri":"s3://b/checkpoints","deadLetterUri":"s3://b/dead","index":3}
            """);

        Assert.Equal(PayloadKind.ImportSplit, payload.Kind);
        Assert.Equal("Orders", payload.Table);
        Assert.Equal("s3://b/plan/split-0003.json", payload.DocumentUri);
        Assert.Null(payload.Document);
        Assert.Equal(TimeSpan.FromMinutes(10), payload.TimeBudget);
        Assert.Equal(40, payload.MaxConcurrency);
        Assert.Equal(0.5, payload.WriteShare);
        Assert.Equal("s3://b/checkpoints", payload.CheckpointUri);
        Assert.Equal("s3://b/dead", payload.DeadLetterUri);
    }

    [Fact]
    public void AnInlineSplit_IsKeptAsItsJson()
    {
        var payload = Parse("""{"table":"T","split":{"source":"s3://b/in/","from":{"file":0}}}""");

        Assert.Equal("""{"source":"s3://b/in/","from":{"file":0}}""", payload.Document);
        Assert.Null(payload.DocumentUri);
        Assert.Null(payload.TimeBudget);
        Assert.Null(payload.WriteShare);
    }

    [Fact]
    public void AnExportSegmentPayload_AsTheStateMachineSendsIt_GivesEveryOption_WithThePercentageAsAShare()
    {
        // ForExport's Invoke: States.JsonMerge(invocation {timeBudgetSeconds, readPercent}, request {exportSegmentUri, maxConcurrency}).
        var payload = Parse("""{"timeBudgetSeconds":840,"readPercent":25,"exportSegmentUri":"s3://b/plan/segment-0003.json","maxConcurrency":40}""");

        Assert.Equal(PayloadKind.ExportSegment, payload.Kind);
        Assert.Equal("s3://b/plan/segment-0003.json", payload.DocumentUri);
        Assert.Null(payload.Document);
        Assert.Equal(TimeSpan.FromSeconds(840), payload.TimeBudget);
        Assert.Equal(40, payload.MaxConcurrency);
        Assert.Equal(0.25, payload.ReadShare);
        Assert.Null(payload.Table);
    }

    [Fact]
    public void AnInlineExportSegment_IsKeptAsItsJson()
    {
        var payload = Parse("""{"exportSegment":{"table":"T","segment":{"id":1}},"maxConcurrency":2,"index":1}""");

        Assert.Equal(PayloadKind.ExportSegment, payload.Kind);
        Assert.Equal("""{"table":"T","segment":{"id":1}}""", payload.Document);
        Assert.Null(payload.TimeBudget);
        Assert.Null(payload.ReadShare);
    }

    [Fact]
    public void AFinishExportPayload_NamesThePlan()
    {
        var payload = Parse("""{"finishExport":"s3://b/plan/"}""");

        Assert.Equal(PayloadKind.FinishExport, payload.Kind);
        Assert.Equal("s3://b/plan/", payload.DocumentUri);
    }

    [Theory]
    [InlineData("{\"exportSegmentUri\":\"s3://b/s.json\",\"exportSegment\":{}}", "payload: give \"exportSegment\" or \"exportSegmentUri\", not both.")]
    [InlineData("{\"exportSegment\":[]}", "payload: \"exportSegment\" must be a segment document (a JSON object), not an array.")]
    [InlineData("{\"exportSegmentUri\":\"s3://b/s.json\",\"table\":\"T\"}", "payload: unknown property \"table\"; this payload takes \"exportSegment\"")]
    [InlineData("{\"exportSegmentUri\":\"s3://b/s.json\",\"writePercent\":50}", "payload: unknown property \"writePercent\"")]
    [InlineData("{\"exportSegmentUri\":\"s3://b/s.json\",\"readPercent\":0.5}", "payload: \"readPercent\" is 0.5; it is a percentage of the table's read capacity, between 1 and 150 (50 is half).")]
    [InlineData("{\"exportSegmentUri\":\"s3://b/s.json\",\"timeBudgetSeconds\":-1}", "payload: \"timeBudgetSeconds\" is -1; it must be more than 0")]
    [InlineData("{\"exportSegmentUri\":\"s3://b/s.json\",\"maxConcurrency\":0}", "payload: \"maxConcurrency\" is 0; it must be a whole number")]
    [InlineData("{\"exportSegmentUri\":\"s3://b/s.json\",\"splitUri\":\"s3://b/split.json\"}", "payload: it names more than one kind of work")]
    [InlineData("{\"finishExport\":\"s3://b/plan/\",\"exportSegmentUri\":\"s3://b/s.json\"}", "payload: it names more than one kind of work")]
    [InlineData("{\"finishExport\":\"s3://b/plan/\",\"timeBudgetSeconds\":30}", "payload: unknown property \"timeBudgetSeconds\"; this payload takes \"finishExport\".")]
    [InlineData("{\"finishExport\":null}", "payload: \"finishExport\" must be the export plan's uri")]
    [InlineData("{\"finishExport\":3}", "payload: \"finishExport\" must be a string, not a number.")]
    public void ABadExportPayload_IsRefused_NamingThePropertyAndTheReason(string json, string reason)
    {
        var error = Assert.Throws<FormatException>(() => Parse(json));

        Assert.StartsWith(reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]", "payload: a JSON object is expected, not an array.")]
    [InlineData("{\"table\":\"T\"", "payload: not valid JSON")]
    [InlineData("{\"table\":\"T\"}", "payload: no work named: give \"split\"")]
    [InlineData("{\"splitUri\":\"s3://b/s.json\"}", "payload: \"table\" (the table to import into) is missing.")]
    [InlineData("{\"table\":\"T\",\"split\":{},\"splitUri\":\"s3://b/s.json\"}", "payload: give \"split\" or \"splitUri\", not both.")]
    [InlineData("{\"table\":\"T\",\"split\":\"s3://b/s.json\"}", "payload: \"split\" must be a split document (a JSON object), not a string.")]
    [InlineData("{\"table\":\"T\",\"splitUri\":\"s3://b/s.json\",\"timeBudget\":30}", "payload: unknown property \"timeBudget\"; this payload takes \"table\", \"split\"")]
    [InlineData("{\"table\":\"T\",\"splitUri\":\"s3://b/s.json\",\"timeBudgetSeconds\":0}", "payload: \"timeBudgetSeconds\" is 0; it must be more than 0")]
    [InlineData("{\"table\":\"T\",\"splitUri\":\"s3://b/s.json\",\"timeBudgetSeconds\":\"600\"}", "payload: \"timeBudgetSeconds\" must be a number, not a string.")]
    [InlineData("{\"table\":\"T\",\"splitUri\":\"s3://b/s.json\",\"maxConcurrency\":2.5}", "payload: \"maxConcurrency\" is 2.5; it must be a whole number from 1 to 100,000")]
    [InlineData("{\"table\":\"T\",\"splitUri\":\"s3://b/s.json\",\"writePercent\":0.5}", "payload: \"writePercent\" is 0.5; it is a percentage of the table's write capacity, between 10 and 150 (50 is half).")]
    [InlineData("{\"table\":\"\",\"splitUri\":\"s3://b/s.json\"}", "payload: \"table\" must be a non-empty string.")]
    public void ABadPayload_IsRefused_NamingThePropertyAndTheReason(string json, string reason)
    {
        var error = Assert.Throws<FormatException>(() => Parse(json));

        Assert.StartsWith(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheMarginBeforeADeadline_IsATenthOfTheTimeLeft_BetweenTwoAndThirtySeconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(2), ConnectorFunction.MarginBefore(TimeSpan.FromSeconds(5)));
        Assert.Equal(TimeSpan.FromSeconds(12), ConnectorFunction.MarginBefore(TimeSpan.FromMinutes(2)));
        Assert.Equal(TimeSpan.FromSeconds(30), ConnectorFunction.MarginBefore(TimeSpan.FromMinutes(15)));
    }
}
