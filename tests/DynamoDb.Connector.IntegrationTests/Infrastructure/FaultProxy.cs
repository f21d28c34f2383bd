using System.Net;
using System.Net.Sockets;

namespace DynamoDb.Connector.IntegrationTests.Infrastructure;

/// <summary>What <see cref="FaultProxy"/> does with connections.</summary>
public enum ProxyMode
{
    /// <summary>Relays both ways (and drops the responses <see cref="FaultProxy.DropResponse"/> picks).</summary>
    Forward,
    /// <summary>Listens no more: a connection attempt is refused, and open connections are reset.</summary>
    Refuse,
    /// <summary>Accepts a connection and resets it at once.</summary>
    Reset,
    /// <summary>Accepts a connection, reads what comes and never answers; open connections get no further answer either (until the proxy is disposed).</summary>
    Stall,
}

/// <summary>
/// A TCP proxy on a loopback port of its own in front of a real server (dynalite), for outages a real server does
/// not have: it refuses connections as a stopped server does, resets them, stalls them, or drops a response after
/// the server acted on the request (the client then cannot know whether its write applied), or answers a request
/// itself with a DynamoDB error (<see cref="AnswerWithError"/>: throttling) instead of forwarding it. Point a client's
/// ServiceURL at <see cref="Endpoint"/>.
/// </summary>
internal sealed class FaultProxy : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly Lock _lock = new();
    private readonly List<Connection> _open = [];
    private readonly CancellationTokenSource _disposed = new();
    private TcpListener? _listener;
    private Task _accepting = Task.CompletedTask;
    private ProxyMode _mode = ProxyMode.Forward;
    private int _responses, _dropped, _connections, _answered, _unprocessed;

    public FaultProxy(Uri target)
    {
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Listen();
    }

    public int Port { get; }

    public Uri Endpoint => new($"http://127.0.0.1:{Port}");

    /// <summary>Responses relayed, or dropped, so far.</summary>
    public int Responses => Volatile.Read(ref _responses);

    /// <summary>Responses dropped so far (the server acted on the request; the client saw its connection reset).</summary>
    public int Dropped => Volatile.Read(ref _dropped);

    /// <summary>Requests answered by <see cref="AnswerWithError"/> with an error, never forwarded to the server.</summary>
    public int AnsweredWithError => Volatile.Read(ref _answered);

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>
    /// Called with the number of each response (1, 2, ...) as it starts: true resets the client's connection instead
    /// of relaying it. Null relays every response.
    /// </summary>
    public Func<int, bool>? DropResponse { get; set; }

    /// <summary>Called with the number of each response before it is relayed (or dropped): a test switches modes from here at an exact point.</summary>
    public Action<int>? OnResponse { get; set; }

    /// <summary>
    /// Called as each request starts, with its DynamoDB operation (from <c>X-Amz-Target</c>, such as <c>BatchWriteItem</c>),
    /// before it is forwarded: a test switches modes from here to fail exactly that request.
    /// </summary>
    public Action<string>? OnRequest { get; set; }

    /// <summary>
    /// Called as each request starts, with its DynamoDB operation: a DynamoDB error type it returns (such as
    /// <c>ProvisionedThroughputExceededException</c> or <c>ThrottlingException</c>) answers the request with HTTP 400
    /// and that error, as a throttling DynamoDB does, without forwarding it; null forwards it.
    /// </summary>
    public Func<string, string?>? AnswerWithError { get; set; }

    /// <summary>
    /// Called as each request starts, with its DynamoDB operation: true answers a <c>BatchWriteItem</c> with HTTP 200
    /// and every one of its writes back as <c>UnprocessedItems</c>, as a DynamoDB short of capacity does, without
    /// forwarding it (nothing is written).
    /// </summary>
    public Func<string, bool>? AnswerAllUnprocessed { get; set; }

    /// <summary>Requests answered by <see cref="AnswerAllUnprocessed"/>.</summary>
    public int AnsweredUnprocessed => Volatile.Read(ref _unprocessed);

    public ProxyMode Mode
    {
        get { lock (_lock) return _mode; }
        set => SetMode(value);
    }

    private void SetMode(ProxyMode mode)
    {
        List<Connection> reset;
        lock (_lock)
        {
            if (_mode == mode) return;
            var before = _mode;
            _mode = mode;
            // A stopped or broken server takes its open connections with it; a stalled one leaves them hanging.
            reset = mode is ProxyMode.Refuse or ProxyMode.Reset ? [.. _open] : [];
            if (mode == ProxyMode.Refuse)
            {
                _listener?.Stop();
                _listener = null;
            }
            else if (before == ProxyMode.Refuse)
            {
                Listen();
            }
        }
        foreach (var connection in reset) connection.Reset();
    }

    private void Listen()
    {
        var listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        _listener = listener;
        _accepting = AcceptAsync(listener);
    }

    private async Task AcceptAsync(TcpListener listener)
    {
        while (!_disposed.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(_disposed.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
            {
                return; // stopped: refusing, or disposed
            }
            Interlocked.Increment(ref _connections);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        var connection = new Connection(client);
        ProxyMode mode;
        lock (_lock)
        {
            mode = _mode;
            if (mode != ProxyMode.Refuse) _open.Add(connection);
        }
        try
        {
            switch (mode)
            {
                case ProxyMode.Refuse or ProxyMode.Reset:
                    connection.Reset();
                    return;
                case ProxyMode.Stall:
                    await connection.DrainAsync(_disposed.Token).ConfigureAwait(false);
                    return;
            }
            using var server = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await server.ConnectAsync(_target, _disposed.Token).ConfigureAwait(false);
            connection.Server = server;
            var upstream = RelayRequestsAsync(connection);
            var downstream = RelayResponsesAsync(connection);
            await Task.WhenAny(upstream, downstream).ConfigureAwait(false);
            connection.Reset();
            await Task.WhenAll(upstream, downstream).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            connection.Reset();
        }
        finally
        {
            lock (_lock) _open.Remove(connection);
        }
    }

    private async Task RelayRequestsAsync(Connection connection)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            int read = await connection.Client.ReceiveAsync(buffer, SocketFlags.None, _disposed.Token).ConfigureAwait(false);
            if (read == 0) return;
            // Bytes from the client after a response mean a new request on this connection.
            if (Interlocked.Exchange(ref connection.AwaitingResponse, 1) == 0)
            {
                if (OnRequest is { } onRequest)
                {
                    onRequest(OperationOf(buffer.AsSpan(0, read)));
                    if (Mode != ProxyMode.Forward && Mode != ProxyMode.Stall) return;
                }
                string operation = OperationOf(buffer.AsSpan(0, read));
                if (AnswerWithError?.Invoke(operation) is { } error)
                {
                    await AnswerAsync(connection, buffer, read, _ => ErrorAnswer(error)).ConfigureAwait(false);
                    Volatile.Write(ref connection.AwaitingResponse, 0);
                    continue;
                }
                if (operation == "BatchWriteItem" && AnswerAllUnprocessed?.Invoke(operation) == true)
                {
                    await AnswerAsync(connection, buffer, read, UnprocessedAnswer).ConfigureAwait(false);
                    Volatile.Write(ref connection.AwaitingResponse, 0);
                    continue;
                }
            }
            await connection.Server!.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _disposed.Token).ConfigureAwait(false);
        }
    }

    private async Task RelayResponsesAsync(Connection connection)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            int read = await connection.Server!.ReceiveAsync(buffer, SocketFlags.None, _disposed.Token).ConfigureAwait(false);
            if (read == 0) return;
            if (Interlocked.Exchange(ref connection.AwaitingResponse, 0) == 1)
            {
                int number = Interlocked.Increment(ref _responses);
                OnResponse?.Invoke(number);
                if (Mode == ProxyMode.Stall)
                {
                    await Task.Delay(Timeout.Infinite, _disposed.Token).ConfigureAwait(false);
                }
                if (Mode != ProxyMode.Forward || DropResponse?.Invoke(number) == true)
                {
                    Interlocked.Increment(ref _dropped);
                    connection.Reset();
                    return;
                }
            }
            await connection.Client.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _disposed.Token).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the rest of the request that starts with <paramref name="read"/> bytes of <paramref name="buffer"/>, then answers it with what <paramref name="answer"/> makes of its body.</summary>
    private async Task AnswerAsync(Connection connection, byte[] buffer, int read, Func<byte[], (string Status, string Content)> answer)
    {
        var request = new List<byte>(buffer.AsSpan(0, read).ToArray());
        int headEnd;
        while ((headEnd = IndexOfHeadEnd(request)) < 0)
        {
            int more = await connection.Client.ReceiveAsync(buffer, SocketFlags.None, _disposed.Token).ConfigureAwait(false);
            if (more == 0) return;
            request.AddRange(buffer.AsSpan(0, more));
        }
        string head = System.Text.Encoding.ASCII.GetString([.. request.GetRange(0, headEnd)]);
        var length = System.Text.RegularExpressions.Regex.Match(head, @"(?im)^content-length:\s*(\d+)");
        int body = length.Success ? int.Parse(length.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        while (request.Count - headEnd - 4 < body)
        {
            int more = await connection.Client.ReceiveAsync(buffer, SocketFlags.None, _disposed.Token).ConfigureAwait(false);
            if (more == 0) return;
            request.AddRange(buffer.AsSpan(0, more));
        }
        var (status, text) = answer([.. request.GetRange(headEnd + 4, body)]);
        byte[] content = System.Text.Encoding.UTF8.GetBytes(text);
        byte[] response = System.Text.Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {status}\r\nx-amzn-RequestId: fault-proxy-{Guid.NewGuid():N}\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: {content.Length}\r\n\r\n");
        await connection.Client.SendAsync(response.Concat(content).ToArray(), SocketFlags.None, _disposed.Token).ConfigureAwait(false);
    }

    private (string Status, string Content) ErrorAnswer(string errorType)
    {
        int number = Interlocked.Increment(ref _answered);
        return ("400 Bad Request", $"{{\"__type\":\"com.amazonaws.dynamodb.v20120810#{errorType}\",\"message\":\"{errorType} from the fault proxy (request {number})\"}}");
    }

    /// <summary>The request's writes, every one, as the answer's <c>UnprocessedItems</c>.</summary>
    private (string Status, string Content) UnprocessedAnswer(byte[] body)
    {
        Interlocked.Increment(ref _unprocessed);
        var request = System.Text.Json.Nodes.JsonNode.Parse(body)!;
        var answer = new System.Text.Json.Nodes.JsonObject { ["UnprocessedItems"] = request["RequestItems"]!.DeepClone() };
        return ("200 OK", answer.ToJsonString());
    }

    private static int IndexOfHeadEnd(List<byte> request)
    {
        for (int i = 0; i + 3 < request.Count; i++)
        {
            if (request[i] == '\r' && request[i + 1] == '\n' && request[i + 2] == '\r' && request[i + 3] == '\n') return i;
        }
        return -1;
    }

    private static string OperationOf(ReadOnlySpan<byte> head)
    {
        string text = System.Text.Encoding.ASCII.GetString(head[..Math.Min(head.Length, 4096)]);
        int at = text.IndexOf("X-Amz-Target: DynamoDB_20120810.", StringComparison.OrdinalIgnoreCase);
        if (at < 0) return "";
        int start = at + "X-Amz-Target: DynamoDB_20120810.".Length;
        int end = text.IndexOf('\r', start);
        return end < 0 ? text[start..] : text[start..end];
    }

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync().ConfigureAwait(false);
        List<Connection> open;
        lock (_lock)
        {
            _listener?.Stop();
            _listener = null;
            open = [.. _open];
        }
        foreach (var connection in open) connection.Reset();
        await _accepting.ConfigureAwait(false);
        _disposed.Dispose();
    }

    private sealed class Connection(Socket client)
    {
        private int _reset;

        public Socket Client { get; } = client;

        public Socket? Server { get; set; }

        public int AwaitingResponse;

        /// <summary>Closes both sides with a TCP reset, as a crashed server or a broken network does.</summary>
        public void Reset()
        {
            if (Interlocked.Exchange(ref _reset, 1) == 1) return;
            try
            {
                Client.LingerState = new LingerOption(true, 0);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Already closed.
            }
            Client.Dispose();
            Server?.Dispose();
        }

        public async Task DrainAsync(CancellationToken cancellationToken)
        {
            var buffer = new byte[16 * 1024];
            try
            {
                while (Volatile.Read(ref _reset) == 0 && await Client.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false) > 0)
                {
                }
            }
            finally
            {
                Reset();
            }
        }
    }
}
