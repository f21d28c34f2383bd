using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace DynamoDb.Connector.Lambda.Runtime;

/// <summary>
/// The Lambda Runtime API loop a custom runtime (<c>provided.al2023</c>, an executable named <c>bootstrap</c>, such as a
/// Native AOT function) runs instead of an Amazon.Lambda package: it asks for the next invocation, runs the handler on
/// its payload and posts the handler's response, or the handler's exception as the invocation's error, then asks again.
/// </summary>
/// <remarks>
/// The protocol (version 2018-06-01): <c>GET /runtime/invocation/next</c> long-polls for an event, with its request id
/// and deadline in headers; <c>POST /runtime/invocation/{id}/response</c> or <c>/error</c> ends it. A failure to reach
/// the API itself ends the loop with the exception: Lambda then starts the process again.
/// </remarks>
public sealed class LambdaRuntimeClient : IDisposable
{
    /// <summary>The variable Lambda sets to the Runtime API's host and port in a custom runtime.</summary>
    public const string RuntimeApiVariable = "AWS_LAMBDA_RUNTIME_API";

    private const string Version = "2018-06-01";
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;

    /// <summary>A client of the Runtime API at <paramref name="runtimeApi"/> (<c>host:port</c>, as in <see cref="RuntimeApiVariable"/>).</summary>
    /// <param name="runtimeApi">The API's <c>host:port</c>.</param>
    /// <param name="http">The HTTP client to use; default one of its own, without a timeout (the next invocation is a long poll).</param>
    public LambdaRuntimeClient(string runtimeApi, HttpClient? http = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runtimeApi);
        _ownsHttp = http is null;
        _http = http ?? new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        BaseUri = new Uri($"http://{runtimeApi.Trim()}/{Version}/runtime/");
    }

    /// <summary>The API's base address (<c>http://host:port/2018-06-01/runtime/</c>).</summary>
    public Uri BaseUri { get; }

    /// <summary>The client for <see cref="RuntimeApiVariable"/>, or null when it is not set (not in a custom runtime).</summary>
    public static LambdaRuntimeClient? FromEnvironment() =>
        Environment.GetEnvironmentVariable(RuntimeApiVariable) is { Length: > 0 } api ? new LambdaRuntimeClient(api) : null;

    /// <summary>
    /// Serves invocations until <paramref name="cancellationToken"/> is cancelled: each payload goes to
    /// <paramref name="handler"/>, whose stream is posted as the response; an exception from it is posted as the
    /// invocation's error (its type and message) and the loop goes on.
    /// </summary>
    /// <param name="handler">Handles one invocation; the token given to it is <paramref name="cancellationToken"/>.</param>
    /// <param name="cancellationToken">Stops the loop.</param>
    /// <exception cref="HttpRequestException">The Runtime API could not be reached or refused a call.</exception>
    public async Task RunAsync(Func<LambdaInvocation, CancellationToken, Task<Stream>> handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        while (!cancellationToken.IsCancellationRequested)
        {
            await RunOnceAsync(handler, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Serves one invocation: waits for it, runs <paramref name="handler"/>, posts its response or error.</summary>
    /// <inheritdoc cref="RunAsync"/>
    public async Task RunOnceAsync(Func<LambdaInvocation, CancellationToken, Task<Stream>> handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        using var next = await _http.GetAsync(new Uri(BaseUri, "invocation/next"), HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        next.EnsureSuccessStatusCode();
        var invocation = await InvocationOfAsync(next, cancellationToken).ConfigureAwait(false);
        // The AWS SDK (and X-Ray) read the trace of the current invocation from this variable.
        if (invocation.TraceId is { } trace) Environment.SetEnvironmentVariable("_X_AMZN_TRACE_ID", trace);
        Stream response;
        try
        {
            response = await handler(invocation, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            await PostErrorAsync(invocation.RequestId, ex, cancellationToken).ConfigureAwait(false);
            return;
        }
        await using (response.ConfigureAwait(false))
        {
            using var content = new StreamContent(response);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var posted = await _http.PostAsync(new Uri(BaseUri, $"invocation/{Uri.EscapeDataString(invocation.RequestId)}/response"), content, cancellationToken).ConfigureAwait(false);
            posted.EnsureSuccessStatusCode();
        }
    }

    private static async Task<LambdaInvocation> InvocationOfAsync(HttpResponseMessage next, CancellationToken cancellationToken)
    {
        string requestId = Header(next, "Lambda-Runtime-Aws-Request-Id")
            ?? throw new HttpRequestException("The Lambda Runtime API's next invocation has no Lambda-Runtime-Aws-Request-Id header.");
        string? deadlineText = Header(next, "Lambda-Runtime-Deadline-Ms");
        if (!long.TryParse(deadlineText, NumberStyles.None, CultureInfo.InvariantCulture, out long deadlineMs))
        {
            throw new HttpRequestException($"The Lambda Runtime API's invocation {requestId} has no valid Lambda-Runtime-Deadline-Ms header (it is '{deadlineText}').");
        }
        var payload = new MemoryStream(await next.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false), writable: false);
        return new LambdaInvocation(requestId, DateTimeOffset.FromUnixTimeMilliseconds(deadlineMs), payload,
            Header(next, "Lambda-Runtime-Trace-Id"), Header(next, "Lambda-Runtime-Invoked-Function-Arn"));
    }

    private async Task PostErrorAsync(string requestId, Exception error, CancellationToken cancellationToken)
    {
        // Lambda's error shape: what a Step Functions Catch matches (errorType) and shows (errorMessage).
        string type = error.GetType().Name;
        var body = new MemoryStream();
        using (var json = new Utf8JsonWriter(body))
        {
            json.WriteStartObject();
            json.WriteString("errorType", type);
            json.WriteString("errorMessage", error.Message);
            json.WriteStartArray("stackTrace");
            foreach (var line in (error.StackTrace ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) json.WriteStringValue(line);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        using var content = new ByteArrayContent(body.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.Add("Lambda-Runtime-Function-Error-Type", type);
        using var posted = await _http.PostAsync(new Uri(BaseUri, $"invocation/{Uri.EscapeDataString(requestId)}/error"), content, cancellationToken).ConfigureAwait(false);
        posted.EnsureSuccessStatusCode();
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsHttp) _http.Dispose();
    }
}
