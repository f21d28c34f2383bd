using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DynamoDb.Connector.Lambda.Tests;

/// <summary>
/// A small HTTP server playing the Lambda Runtime API (2018-06-01) on a loopback port: it hands out the invocations
/// queued with <see cref="Enqueue"/> on GET .../invocation/next (holding the request open while there is none, as the
/// real API does) and records every response and error posted.
/// </summary>
public sealed class FakeRuntimeApi : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly BlockingCollection<(string Id, DateTimeOffset? Deadline, string Body)> _invocations = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    public FakeRuntimeApi()
    {
        int port = FreePort();
        Address = $"127.0.0.1:{port}";
        _listener.Prefixes.Add($"http://{Address}/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    /// <summary>What AWS_LAMBDA_RUNTIME_API would be: host:port.</summary>
    public string Address { get; }

    /// <summary>Every POST, in order: the path, the body and the Lambda-Runtime-Function-Error-Type header.</summary>
    public ConcurrentQueue<Posted> Posts { get; } = new();

    /// <summary>Signalled on each POST.</summary>
    public SemaphoreSlim PostArrived { get; } = new(0);

    /// <summary>Queues an invocation; a null <paramref name="deadline"/> sends it without its deadline header.</summary>
    public void Enqueue(string id, DateTimeOffset? deadline, string body) => _invocations.Add((id, deadline, body));

    public async Task<Posted> NextPostAsync()
    {
        if (!await PostArrived.WaitAsync(TimeSpan.FromSeconds(30))) throw new TimeoutException("nothing was posted to the runtime API");
        return Posts.TryDequeue(out var post) ? post : throw new InvalidOperationException("signalled without a post");
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            _ = Task.Run(() => Answer(context));
        }
    }

    private void Answer(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            string path = request.Url!.AbsolutePath;
            if (request.HttpMethod == "GET" && path == "/2018-06-01/runtime/invocation/next")
            {
                var (id, deadline, body) = _invocations.Take(_stop.Token);
                response.Headers["Lambda-Runtime-Aws-Request-Id"] = id;
                if (deadline is { } end) response.Headers["Lambda-Runtime-Deadline-Ms"] = end.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
                response.Headers["Lambda-Runtime-Trace-Id"] = "Root=1-test";
                Write(response, 200, body);
            }
            else if (request.HttpMethod == "POST" && path.StartsWith("/2018-06-01/runtime/invocation/", StringComparison.Ordinal))
            {
                using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
                Posts.Enqueue(new Posted(path, reader.ReadToEnd(), request.Headers["Lambda-Runtime-Function-Error-Type"]));
                Write(response, 202, "{\"status\":\"OK\"}");
                PostArrived.Release();
            }
            else
            {
                Write(response, 404, "{}");
            }
        }
        catch (OperationCanceledException)
        {
            response.Abort();
        }
    }

    private static void Write(HttpListenerResponse response, int status, string body)
    {
        response.StatusCode = status;
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        response.ContentLength64 = bytes.Length;
        response.OutputStream.Write(bytes);
        response.Close();
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        _listener.Close();
        try { await _serving; } catch (ObjectDisposedException) { }
        _invocations.Dispose();
        _stop.Dispose();
        PostArrived.Dispose();
    }

    public sealed record Posted(string Path, string Body, string? ErrorType);
}
