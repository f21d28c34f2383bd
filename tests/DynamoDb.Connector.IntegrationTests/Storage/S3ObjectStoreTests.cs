using Amazon.S3;
using Amazon.S3.Model;
using DynamoDb.Connector.Formats.Uris;
using DynamoDb.Connector.IntegrationTests.Infrastructure;
using DynamoDb.Connector.Storage;
using DynamoDb.Connector.Tests.Storage;
using Microsoft.Extensions.Options;

namespace DynamoDb.Connector.IntegrationTests.Storage;

/// <summary>The shared object-store behaviour against s3rver, with small parts and pages so multipart and pagination run.</summary>
[Collection(LocalServersCollection.Name)]
public sealed class S3ObjectStoreBehaviourTests : ObjectStoreBehaviour, IAsyncLifetime
{
    private readonly AmazonS3Client _client;
    private readonly string _bucket = LocalServers.UniqueName("store");

    public S3ObjectStoreBehaviourTests(LocalServers servers)
    {
        _client = servers.CreateS3Client();
        Store = new S3ObjectStore(_client, Options.Create(new S3ObjectStoreOptions
        {
            PartSize = S3ObjectStoreOptions.MinPartSize,
            ListPageSize = 2,
        }));
    }

    protected override IObjectStore Store { get; }

    protected override string Root => $"s3://{_bucket}/root";

    public Task InitializeAsync() => _client.PutBucketAsync(_bucket);

    public Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }
}

[Collection(LocalServersCollection.Name)]
public sealed class S3ObjectStoreTests(LocalServers servers) : IAsyncLifetime
{
    private readonly AmazonS3Client _client = servers.CreateS3Client();
    private readonly string _bucket = LocalServers.UniqueName("store");

    public Task InitializeAsync() => _client.PutBucketAsync(_bucket);

    public Task DisposeAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }

    private S3ObjectStore CreateStore(int listPageSize = 1000) =>
        new(_client, Options.Create(new S3ObjectStoreOptions { PartSize = S3ObjectStoreOptions.MinPartSize, ListPageSize = listPageSize }));

    [Fact]
    public async Task ListAsync_PagesThroughEveryKey_TopLevelAndRecursive()
    {
        var store = CreateStore(listPageSize: 7);
        var expectedTop = new List<string>();
        var expectedAll = new List<string>();
        for (int i = 0; i < 30; i++)
        {
            string file = $"s3://{_bucket}/p/f{i:D2}.json";
            string nested = $"s3://{_bucket}/p/sub/g{i:D2}.json";
            await PutAsync(file, "x");
            if (i < 12) await PutAsync(nested, "y");
            expectedTop.Add(file);
            if (i < 12) expectedAll.Add(nested);
        }
        expectedAll.AddRange(expectedTop);

        var top = await ToListAsync(store.ListAsync($"s3://{_bucket}/p", recursive: false));
        var all = await ToListAsync(store.ListAsync($"s3://{_bucket}/p/", recursive: true));

        Assert.Equal(expectedTop, top.Select(o => o.Uri));
        Assert.Equal(expectedAll.Order(StringComparer.Ordinal), all.Select(o => o.Uri).Order(StringComparer.Ordinal));
        Assert.Equal(42, all.Count);
        Assert.All(all, o => Assert.NotNull(o.ETag));
        Assert.All(all, o => Assert.NotNull(o.LastModified));
    }

    [Fact]
    public async Task ListAsync_SkipsFolderMarkers_AndAnswersS3nAndS3aWithS3Uris()
    {
        var store = CreateStore();
        await _client.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = "p/folder/", ContentBody = "", UseChunkEncoding = false });
        await PutAsync($"s3://{_bucket}/p/folder/x.json", "x");

        var listed = await ToListAsync(store.ListAsync($"s3a://{_bucket}/p", recursive: true));

        Assert.Equal([$"s3://{_bucket}/p/folder/x.json"], listed.Select(o => o.Uri));
        Assert.Null(await store.GetInfoAsync($"s3n://{_bucket}/p/folder/"));
        Assert.Equal($"s3://{_bucket}/p/folder/x.json", (await store.GetInfoAsync($"s3n://{_bucket}/p/folder/x.json"))?.Uri);
    }

    [Fact]
    public async Task Write_OfAnObjectLargerThanOnePart_IsOneObjectWithEveryByte()
    {
        var store = CreateStore();
        byte[] content = new byte[2 * S3ObjectStoreOptions.MinPartSize + 4321];
        new Random(3).NextBytes(content);
        string uri = $"s3://{_bucket}/big/part-00000.bin";

        await using (var writer = await store.CreateAsync(uri))
        {
            await writer.Stream.WriteAsync(content);
            Assert.Equal(2, ((S3ObjectWriter)writer).PartsUploaded);
            Assert.Null(await store.GetInfoAsync(uri));
            await writer.CommitAsync();
        }

        using var response = await _client.GetObjectAsync(_bucket, "big/part-00000.bin");
        using var copy = new MemoryStream();
        await response.ResponseStream.CopyToAsync(copy);
        Assert.Equal(content, copy.ToArray());
    }

    [Fact]
    public async Task OpenReadAsync_OfABigObject_StreamsTheRequestedRange()
    {
        var store = CreateStore();
        byte[] content = new byte[3 * 1024 * 1024];
        new Random(4).NextBytes(content);
        string uri = $"s3://{_bucket}/x.bin";
        await using (var writer = await store.CreateAsync(uri))
        {
            await writer.Stream.WriteAsync(content);
            await writer.CommitAsync();
        }

        await using var stream = await store.OpenReadAsync(uri, offset: 1_000_000, length: 1_500_000);
        Assert.False(stream.CanSeek);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);

        Assert.Equal(content.AsSpan(1_000_000, 1_500_000).ToArray(), copy.ToArray());
    }

    [Fact]
    public async Task MissingBucket_IsNamedInTheError_ForEveryOperation()
    {
        var store = CreateStore();
        string bucket = LocalServers.UniqueName("absent");
        string uri = $"s3://{bucket}/x.json";

        var list = await Assert.ThrowsAsync<DirectoryNotFoundException>(() => ToListAsync(store.ListAsync($"s3://{bucket}/p", recursive: true)));
        var read = await Assert.ThrowsAsync<FileNotFoundException>(() => store.OpenReadAsync(uri));
        var delete = await Assert.ThrowsAsync<DirectoryNotFoundException>(() => store.DeleteAsync(uri));
        await using var writer = await store.CreateAsync(uri);
        await writer.Stream.WriteAsync(new byte[] { 1 });
        var commit = await Assert.ThrowsAsync<DirectoryNotFoundException>(() => writer.CommitAsync());

        foreach (var error in new Exception[] { list, read, delete, commit })
        {
            Assert.Contains($"bucket '{bucket}' does not exist", error.Message);
        }
        Assert.Equal(uri, read.FileName);
        Assert.Null(await store.GetInfoAsync(uri));
    }

    [Fact]
    public async Task RenameAsync_AcrossBuckets_MovesTheObject()
    {
        var store = CreateStore();
        string other = LocalServers.UniqueName("store");
        await _client.PutBucketAsync(other);
        await PutAsync($"s3://{_bucket}/tmp/x.json", "moved");

        await store.RenameAsync($"s3://{_bucket}/tmp/x.json", $"s3://{other}/final/x.json");

        Assert.Null(await store.GetInfoAsync($"s3://{_bucket}/tmp/x.json"));
        Assert.Equal(5, (await store.GetInfoAsync($"s3://{other}/final/x.json"))?.Size);
    }

    private async Task PutAsync(string uri, string body)
    {
        var (bucket, key) = ObjectUri.ParseS3(uri);
        await _client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = body, UseChunkEncoding = false });
    }

    private static async Task<List<ObjectInfo>> ToListAsync(IAsyncEnumerable<ObjectInfo> items)
    {
        var list = new List<ObjectInfo>();
        await foreach (var item in items) list.Add(item);
        return list;
    }
}
