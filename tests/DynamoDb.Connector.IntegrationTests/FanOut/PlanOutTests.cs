using System.Text.Json;
using Amazon.S3.Model;
using DynamoDb.Connector.FanOut;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.IntegrationTests.Cli;
using DynamoDb.Connector.IntegrationTests.Infrastructure;

namespace DynamoDb.Connector.IntegrationTests.FanOut;

/// <summary><c>plan --out</c> lays a plan out for the Distributed Map: split documents and items.json listing them.</summary>
[Collection(LocalServersCollection.Name)]
public sealed class PlanOutTests(LocalServers servers) : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task PlanOutToS3_WritesEverySplit_AndItemsJsonWhoseUrisResolveToThem()
    {
        using var s3 = servers.CreateS3Client();
        string bucket = LocalServers.UniqueName("plan");
        await s3.PutBucketAsync(bucket);
        string source = _temp.Combine("source");
        Assert.Equal(0, (await CliRunner.RunAsync("generate", "--destination", source, "--items", "3000", "--files", "3")).ExitCode);

        var plan = await CliProcess.RunAsync(servers, ["plan", "--source", source, "--split-size-mb", "0.0625", "--out", $"s3://{bucket}/plans/one/", "--json"]);

        Assert.True(plan.ExitCode == 0, plan.ToString());
        int splits = JsonDocument.Parse(plan.Stdout).RootElement.GetProperty("splits").GetArrayLength();
        Assert.True(splits >= 2, plan.ToString());
        var items = JsonDocument.Parse(await ReadAsync(s3, bucket, "plans/one/items.json")).RootElement;
        Assert.Equal(splits, items.GetArrayLength());
        for (int i = 0; i < splits; i++)
        {
            var item = items[i];
            Assert.Equal(i, item.GetProperty("index").GetInt32());
            string uri = item.GetProperty("splitUri").GetString()!;
            Assert.Equal($"s3://{bucket}/plans/one/{DistributedMapItems.SplitFileName(i)}", uri);
            var (itemBucket, key) = Formats.Uris.ObjectUri.ParseS3(uri);
            var document = SplitDocument.Parse(await ReadAsync(s3, itemBucket, key));
            Assert.Equal(i, document.Split.Index);
            Assert.Equal(splits, document.SplitCount);
        }
        // What to start the state machine with, for this plan.
        Assert.Contains(FanOutStateMachine.ImportExecutionInput($"s3://{bucket}/plans/one/", "TABLE"), plan.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanOutToARelativeFolder_ListsAbsolutePaths_ThatResolveFromAnywhere()
    {
        string source = _temp.Combine("source");
        Assert.Equal(0, (await CliRunner.RunAsync("generate", "--destination", source, "--items", "100", "--files", "2")).ExitCode);

        var plan = await CliProcess.RunAsync(servers, ["plan", "--source", source, "--out", Path.GetRelativePath(Environment.CurrentDirectory, _temp.Combine("plan"))]);

        Assert.True(plan.ExitCode == 0, plan.ToString());
        var items = JsonDocument.Parse(await File.ReadAllTextAsync(_temp.Combine("plan", DistributedMapItems.FileName))).RootElement;
        Assert.NotEqual(0, items.GetArrayLength());
        foreach (var item in items.EnumerateArray())
        {
            string path = item.GetProperty("splitUri").GetString()!;
            Assert.True(Path.IsPathFullyQualified(path), path);
            Assert.Equal(item.GetProperty("index").GetInt32(), SplitDocument.Parse(await File.ReadAllTextAsync(path)).Split.Index);
        }
    }

    private static async Task<string> ReadAsync(Amazon.S3.IAmazonS3 s3, string bucket, string key)
    {
        using var response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key });
        using var reader = new StreamReader(response.ResponseStream);
        return await reader.ReadToEndAsync();
    }
}
