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
