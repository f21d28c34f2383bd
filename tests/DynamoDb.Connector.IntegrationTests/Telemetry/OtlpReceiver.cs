using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DynamoDb.Connector.IntegrationTests.Telemetry;

/// <summary>
/// A minimal OTLP/HTTP receiver on a free loopback port: records the body of every POST by its path (/v1/traces,
/// /v1/metrics) and answers 200 with an empty body (an empty Export*ServiceResponse in protobuf).
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(string Path, byte[] Body)> _posts = [];
    private readonly Task _accepting;

    public OtlpReceiver()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The base endpoint, as OTEL_EXPORTER_OTLP_ENDPOINT takes it.</summary>
    public string Endpoint => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public IReadOnlyList<(string Path, byte[] Body)> Posts
    {
        get { lock (_posts) return [.. _posts]; }
    }

    /// <summary>Every body posted to <paramref name="path"/>, as text (protobuf keeps names as UTF-8 strings).</summary>
    public string BodiesOf(string path) => string.Join("\n", Posts.Where(p => p.Path == path).Select(p => Encoding.UTF8.GetString(p.Body)));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try { await _accepting; } catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { }
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                while (await ReadRequestAsync(stream) is { } request)
                {
                    lock (_posts) _posts.Add(request);
                    await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n"u8.ToArray(), _stop.Token);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException) { }
        }
    }

    // One request: the request line and headers, then a body of Content-Length bytes or in chunks; null at the end of the connection.
    private async Task<(string, byte[])?> ReadRequestAsync(NetworkStream stream)
    {
        string? requestLine = await ReadLineAsync(stream);
        if (string.IsNullOrEmpty(requestLine)) return null;
        long length = 0;
        bool chunked = false;
        for (string? header = await ReadLineAsync(stream); !string.IsNullOrEmpty(header); header = await ReadLineAsync(stream))
        {
            int colon = header.IndexOf(':');
            string name = header[..colon].Trim(), value = header[(colon + 1)..].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) length = long.Parse(value);
            if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && value.Contains("chunked", StringComparison.OrdinalIgnoreCase)) chunked = true;
        }
        var body = new MemoryStream();
        if (chunked)
        {
            while (Convert.ToInt64((await ReadLineAsync(stream))!.Split(';')[0], 16) is var size and > 0)
            {
                await CopyAsync(stream, body, size);
                await ReadLineAsync(stream);
            }
            while (!string.IsNullOrEmpty(await ReadLineAsync(stream))) { } // trailers
        }
        else
        {
            await CopyAsync(stream, body, length);
        }
        string path = requestLine.Split(' ')[1];
        return (path, body.ToArray());
    }

    private async Task CopyAsync(NetworkStream stream, MemoryStream body, long count)
    {
        var buffer = new byte[8192];
        while (count > 0)
        {
            int read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), _stop.Token);
            if (read == 0) throw new IOException("The connection closed inside a body.");
            body.Write(buffer, 0, read);
            count -= read;
        }
    }

    private async Task<string?> ReadLineAsync(NetworkStream stream)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one, _stop.Token) == 0) return line.Length == 0 ? null : line.ToString();
            if (one[0] == '\n') return line.ToString().TrimEnd('\r');
            line.Append((char)one[0]);
        }
    }
}
