using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;

namespace DynamoDb.Connector.IntegrationTests.Infrastructure;

/// <summary>
/// Real servers that speak the AWS wire protocols, on loopback ports of their own: dynalite (DynamoDB) and s3rver (S3),
/// installed from package-lock.json by eng/install-local-servers.sh. Started once per test run, stopped at the end.
/// </summary>
public sealed class LocalServers : IAsyncLifetime
{
    public const string Region = "us-east-1";

    private readonly List<Process> _processes = [];
    private volatile bool _disposing;
    private string? _s3Directory;

    public Uri DynamoDbEndpoint { get; private set; } = null!;

    public Uri S3Endpoint { get; private set; } = null!;

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>s3rver accepts only its own fixed key pair; dynalite accepts any.</summary>
    public static AWSCredentials Credentials { get; } = new BasicAWSCredentials("S3RVER", "S3RVER");

    public async Task InitializeAsync()
    {
        string modules = Path.Combine(RepositoryRoot, "node_modules");
        if (!File.Exists(Path.Combine(modules, "dynalite", "cli.js")) || !Directory.Exists(Path.Combine(modules, "s3rver")))
        {
            throw new InvalidOperationException($"dynalite and s3rver are not installed under {modules}: run eng/install-local-servers.sh (eng/test.sh does).");
        }
        int dynamoPort = FreePort();
        DynamoDbEndpoint = new Uri($"http://127.0.0.1:{dynamoPort}");
        Start(Path.Combine(modules, "dynalite", "cli.js"), "--host", "127.0.0.1", "--port", dynamoPort.ToString(),
            "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0");

        _s3Directory = Directory.CreateTempSubdirectory("s3rver-").FullName;
        int s3Port = FreePort();
        S3Endpoint = new Uri($"http://127.0.0.1:{s3Port}");
        Start(Path.Combine(modules, "s3rver", "bin", "s3rver.js"), "--address", "127.0.0.1", "--port", s3Port.ToString(),
            "--directory", _s3Directory, "--silent");

        await Task.WhenAll(WaitForPortAsync(dynamoPort), WaitForPortAsync(s3Port)).ConfigureAwait(false);
    }

    public Task DisposeAsync()
    {
        _disposing = true;
        foreach (var process in _processes)
        {
            try
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                process.WaitForExit(5_000);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
            process.Dispose();
        }
        if (_s3Directory is not null)
        {
            try { Directory.Delete(_s3Directory, recursive: true); } catch (IOException) { }
        }
        return Task.CompletedTask;
    }

    public AmazonDynamoDBClient CreateDynamoDbClient() => new(Credentials, new AmazonDynamoDBConfig
    {
        ServiceURL = DynamoDbEndpoint.ToString(),
        AuthenticationRegion = Region,
        MaxErrorRetry = 0,
    });

    public AmazonS3Client CreateS3Client()
    {
        var client = new AmazonS3Client(Credentials, new AmazonS3Config
        {
            ServiceURL = S3Endpoint.ToString(),
            AuthenticationRegion = Region,
            ForcePathStyle = true,
            // s3rver understands neither the SDK's default flexible checksums nor aws-chunked uploads: requests must also set UseChunkEncoding = false.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });
        // Before signing, so the signature covers the rewritten header.
        client.BeforeRequestEvent += (_, e) =>
        {
            if (e is WebServiceRequestEventArgs request && request.Headers.TryGetValue(CopySourceHeader, out string? source))
            {
                request.Headers[CopySourceHeader] = CopySourceForS3rver(source);
            }
        };
        return client;
    }

    private const string CopySourceHeader = "x-amz-copy-source";

    /// <summary>
    /// The SDK sends CopyObject's source as one escaped string (<c>bucket%2Fkey</c>), which S3 accepts; s3rver reads it
    /// with JavaScript's decodeURI, which leaves %2F and %2B encoded, so it finds no bucket. This rewrites it to
    /// <c>/bucket/key</c> with reserved characters (<c>/</c>, <c>+</c>, ...) raw and everything else escaped.
    /// </summary>
    private static string CopySourceForS3rver(string source)
    {
        string decoded = Uri.UnescapeDataString(source).TrimStart('/');
        var rewritten = new System.Text.StringBuilder("/");
        foreach (var rune in decoded.EnumerateRunes())
        {
            string text = rune.ToString();
            rewritten.Append(text.Length == 1 && ";/?:@&=+$,#".Contains(text[0]) ? text : Uri.EscapeDataString(text));
        }
        return rewritten.ToString();
    }

    /// <summary>The standard AWS variables that point a process (the CLI) at these servers.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["AWS_ENDPOINT_URL_DYNAMODB"] = DynamoDbEndpoint.ToString(),
        ["AWS_ENDPOINT_URL_S3"] = S3Endpoint.ToString(),
        ["AWS_REGION"] = Region,
        ["AWS_ACCESS_KEY_ID"] = "S3RVER",
        ["AWS_SECRET_ACCESS_KEY"] = "S3RVER",
        // s3rver understands neither the SDK's default flexible checksums nor their validation (as eng/local-servers.sh exports).
        ["AWS_REQUEST_CHECKSUM_CALCULATION"] = "when_required",
        ["AWS_RESPONSE_CHECKSUM_VALIDATION"] = "when_required",
        ["AWS_EC2_METADATA_DISABLED"] = "true",
    };

    /// <summary>A name no other test uses, for tables and buckets.</summary>
    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 63)].ToLowerInvariant();

    private void Start(string script, params string[] args)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // s3rver's ListObjectsV2 continuation tokens use DES, which Node 17+ (OpenSSL 3) offers only with the legacy provider:
        // without it every request for a second page answers 500.
        // dynalite keeps every table of the whole suite in memory: room for it, so it never dies of a full heap mid-run.
        start.Environment["NODE_OPTIONS"] = "--openssl-legacy-provider --max-old-space-size=8192";
        start.ArgumentList.Add(script);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start node {script}");
        // Drain output so a chatty server never blocks on a full pipe; keep its last lines, and say when it dies, in a
        // log beside the test assembly: a server gone mid-suite fails many tests with nothing but "connection refused".
        string log = Path.Combine(AppContext.BaseDirectory, $"local-server-{Path.GetFileNameWithoutExtension(script)}-{System.Environment.ProcessId}.log");
        var tail = new Queue<string>();
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (tail)
            {
                tail.Enqueue(e.Data);
                if (tail.Count > 200) tail.Dequeue();
            }
        };
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) =>
        {
            if (_disposing) return;
            lock (tail) File.WriteAllLines(log, [$"{DateTime.UtcNow:O} {script} exited with code {process.ExitCode}; its last stderr lines:", .. tail]);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
    }

    private async Task WaitForPortAsync(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (_processes.Find(p => p.HasExited) is { } exited)
            {
                throw new InvalidOperationException($"a local server exited at start with code {exited.ExitCode}");
            }
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                // Readiness poll of a child process we just started: wall-clock waiting is the point here.
                await Task.Delay(50).ConfigureAwait(false);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Connector.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("Connector.sln not found above " + AppContext.BaseDirectory);
    }
}

[CollectionDefinition(Name)]
public sealed class LocalServersCollection : ICollectionFixture<LocalServers>
{
    public const string Name = "local servers";
}
