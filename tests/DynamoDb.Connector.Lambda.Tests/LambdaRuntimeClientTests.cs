using System.Text;
using System.Text.Json;
using DynamoDb.Connector.Lambda.Runtime;

namespace DynamoDb.Connector.Lambda.Tests;

public sealed class LambdaRuntimeClientTests
{
    [Fact]
    public async Task NextInvocation_GoesToTheHandler_WithItsPayloadAndDeadline_AndItsResponseIsPosted()
    {
        await using var api = new FakeRuntimeApi();
        var deadline = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeMilliseconds());
        api.Enqueue("req-1", deadline, """{"hello":"world"}""");
        using var client = new LambdaRuntimeClient(api.Address);
        LambdaInvocation? seen = null;
        string? payload = null;

        await client.RunOnceAsync(async (invocation, _) =>
        {
            seen = invocation;
            payload = await new StreamReader(invocation.Payload).ReadToEndAsync();
            return new MemoryStream(Encoding.UTF8.GetBytes("""{"done":true}"""));
        });

        Assert.Equal("req-1", seen!.RequestId);
        Assert.Equal(deadline, seen.Deadline);
        Assert.Equal("Root=1-test", seen.TraceId);
        Assert.Equal("""{"hello":"world"}""", payload);
        var post = await api.NextPostAsync();
        Assert.Equal("/2018-06-01/runtime/invocation/req-1/response", post.Path);
        Assert.Equal("""{"done":true}""", post.Body);
    }

    [Fact]
    public async Task ABadPayload_IsPostedAsTheInvocationsError_NamingTheReason_AndTheLoopGoesOn()
    {
        await using var api = new FakeRuntimeApi();
        var deadline = DateTimeOffset.UtcNow.AddMinutes(5);
        api.Enqueue("req-bad", deadline, """{"splitUri":"s3://bucket/plan/split-0000.json"}""");
        api.Enqueue("req-unknown", deadline, """{"table":"T","splitUri":"s3://bucket/plan/split-0000.json","timeBudget":30}""");
        using var function = new ConnectorFunction();
        using var client = new LambdaRuntimeClient(api.Address);
        using var stop = new CancellationTokenSource();

        var loop = client.RunAsync((invocation, cancellationToken) => function.HandleAsync(invocation.Payload, invocation.Deadline, cancellationToken), stop.Token);
        var first = await api.NextPostAsync();
        var second = await api.NextPostAsync();
        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);

        Assert.Equal("/2018-06-01/runtime/invocation/req-bad/error", first.Path);
        Assert.Equal("FormatException", first.ErrorType);
        using var error = JsonDocument.Parse(first.Body);
        Assert.Equal("FormatException", error.RootElement.GetProperty("errorType").GetString());
        Assert.Equal("payload: \"table\" (the table to import into) is missing.", error.RootElement.GetProperty("errorMessage").GetString());
        Assert.Equal("/2018-06-01/runtime/invocation/req-unknown/error", second.Path);
        using var unknown = JsonDocument.Parse(second.Body);
        Assert.StartsWith("payload: unknown property \"timeBudget\"", unknown.RootElement.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnInvocationWithoutADeadlineHeader_EndsTheLoop_NamingTheHeader_BeforeTheHandlerRuns()
    {
        await using var api = new FakeRuntimeApi();
        api.Enqueue("req-no-deadline", deadline: null, "{}");
        using var client = new LambdaRuntimeClient(api.Address);
        bool handled = false;

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.RunOnceAsync((_, _) =>
        {
            handled = true;
            return Task.FromResult<Stream>(new MemoryStream());
        }));

        Assert.Contains("req-no-deadline has no valid Lambda-Runtime-Deadline-Ms header", error.Message, StringComparison.Ordinal);
        Assert.False(handled);
    }

    [Fact]
    public void FromEnvironment_IsNull_OutsideACustomRuntime()
    {
        Assert.Null(Environment.GetEnvironmentVariable(LambdaRuntimeClient.RuntimeApiVariable));
        Assert.Null(LambdaRuntimeClient.FromEnvironment());
    }
}
