using Amazon.S3;
using Amazon.S3.Model;
using DynamoDb.Connector.IntegrationTests.Infrastructure;

namespace DynamoDb.Connector.IntegrationTests.Cli;

/// <summary>
/// Credentials never leak: with the secret key and the session token set to markers and the most verbose log level,
/// no output, log line, checkpoint, dead letter or exported file of import, export or estimate holds them, on local
/// disk or S3, in success and in failure.
/// </summary>
[Collection(LocalServersCollection.Name)]
public sealed class SecretsTests(LocalServers servers) : IDisposable
{
    private const string SecretMarker = "SECRETMARKERa1b2c3d4e5f6";
    private const string TokenMarker = "TOKENMARKERz9y8x7w6v5u4";

    private readonly CliTestContext _c = new(servers);

    public void Dispose() => _c.Dispose();

    [Fact]
    public async Task ImportExportEstimate_OnLocalDisk_AtTraceLevel_WriteNoSecretAnywhere()
    {
        // dynalite accepts any credentials, so the secret key itself can be the marker.
        var environment = Environment(secret: SecretMarker);
        string table = await _c.CreateTableAsync("cli-secrets");
        string source = _c.Temp.Combine("source");
        Assert.Equal(0, (await CliRunner.RunAsync("generate", "--destination", source, "--items", "200", "--files", "2")).ExitCode);
        await File.AppendAllLinesAsync(Directory.GetFiles(source)[0], ["not a record", """{"pk":{"s":"no sort key"}}"""]);

        var runs = new List<CliRunner.Run>
        {
            await RunAsync(environment, "import", "--source", source, "--table", table, "--checkpoint", _c.Temp.Combine("checkpoint"), "--checkpoint-interval", "1", "--json"),
            await RunAsync(environment, "export", "--table", table, "--destination", _c.Temp.Combine("export"), "--json"),
            await RunAsync(environment, "estimate", "--source", source, "--json"),
            await RunAsync(environment, "compare", "--source", source, "--table", table),
            // A failure's message too.
            await RunAsync(new Dictionary<string, string>(environment) { ["AWS_ENDPOINT_URL_DYNAMODB"] = "http://127.0.0.1:9" }, "import", "--source", source, "--table", table),
        };

        Assert.True(runs[0].ExitCode == 3, runs[0].ToString()); // the two bad lines were dead-lettered
        Assert.True(Directory.EnumerateFiles(_c.Temp.Combine("checkpoint"), "*", SearchOption.AllDirectories).Any(f => f.Contains("dead-letter", StringComparison.Ordinal)), "no dead letters were written: the test checks nothing");
        Assert.True(runs[1].ExitCode == 0, runs[1].ToString());
        Assert.True(runs[4].ExitCode == 1, runs[4].ToString());
        AssertVerboseLogging(runs);
        AssertNoSecret(runs);
        foreach (var file in Directory.EnumerateFiles(_c.Temp.Path, "*", SearchOption.AllDirectories))
        {
            AssertNoSecret(file, await File.ReadAllTextAsync(file));
        }
    }

    [Fact]
    public async Task ImportExportEstimate_OnS3_AtTraceLevel_WriteNoSessionTokenAnywhere()
    {
        // s3rver checks signatures against its own key pair: the session token is the marker here.
        var environment = Environment(secret: "S3RVER");
        string bucket = LocalServers.UniqueName("secrets");
        using var s3 = servers.CreateS3Client();
        await s3.PutBucketAsync(bucket);
        string table = await _c.CreateTableAsync("cli-secrets");
        string source = $"s3://{bucket}/source/";
        Assert.Equal(0, (await CliProcess.RunAsync(servers, ["generate", "--destination", source, "--items", "200", "--files", "2", "--manifest"])).ExitCode);

        var runs = new List<CliRunner.Run>
        {
            await RunAsync(environment, "import", "--source", source, "--table", table, "--checkpoint", $"s3://{bucket}/checkpoint/", "--checkpoint-interval", "1", "--json"),
            await RunAsync(environment, "export", "--table", table, "--destination", $"s3://{bucket}/export/", "--json"),
            await RunAsync(environment, "estimate", "--source", source, "--json"),
            await RunAsync(new Dictionary<string, string>(environment) { ["AWS_ENDPOINT_URL_S3"] = "http://127.0.0.1:9" }, "estimate", "--source", source),
        };

        Assert.True(runs[0].ExitCode == 0, runs[0].ToString());
        Assert.True(runs[1].ExitCode == 0, runs[1].ToString());
        AssertVerboseLogging(runs);
        AssertNoSecret(runs);
        var objects = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
        Assert.NotEmpty(objects.S3Objects);
        foreach (var entry in objects.S3Objects)
        {
            using var get = await s3.GetObjectAsync(bucket, entry.Key);
            using var reader = new StreamReader(get.ResponseStream);
            AssertNoSecret($"s3://{bucket}/{entry.Key}", await reader.ReadToEndAsync());
        }
    }

    private static Dictionary<string, string> Environment(string secret) => new()
    {
        ["AWS_SECRET_ACCESS_KEY"] = secret,
        ["AWS_SESSION_TOKEN"] = TokenMarker,
        ["DYNAMODB_CONNECTOR_LOG_LEVEL"] = "trace",
        ["DYNAMODB_CONNECTOR_DEBUG"] = "1",
    };

    private async Task<CliRunner.Run> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        await CliProcess.RunAsync(servers, args, TimeSpan.FromMinutes(2), environment);

    /// <summary>The runs logged below warning level: otherwise the test would not check what verbose logging writes.</summary>
    private static void AssertVerboseLogging(List<CliRunner.Run> runs) =>
        Assert.Contains(runs, r => r.Stderr.Contains(" dbug: ", StringComparison.Ordinal) || r.Stderr.Contains(" info: ", StringComparison.Ordinal) || r.Stderr.Contains(" trce: ", StringComparison.Ordinal));

    private static void AssertNoSecret(List<CliRunner.Run> runs)
    {
        foreach (var run in runs) AssertNoSecret("the tool's output", run.ToString());
    }

    private static void AssertNoSecret(string where, string text)
    {
        Assert.False(text.Contains(SecretMarker, StringComparison.Ordinal), $"{where} holds the secret key");
        Assert.False(text.Contains(TokenMarker, StringComparison.Ordinal), $"{where} holds the session token");
    }
}
