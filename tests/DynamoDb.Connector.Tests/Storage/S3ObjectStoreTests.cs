using System.Net;
using Amazon.S3.Model;
using DynamoDb.Connector.Storage;
using Microsoft.Extensions.Options;

namespace DynamoDb.Connector.Tests.Storage;

/// <summary>The S3 store's requests, against an in-memory S3 (the shared behaviour runs against s3rver in the integration tests).</summary>
public sealed class S3ObjectStoreTests
{
    private const int PartSize = S3ObjectStoreOptions.MinPartSize;

    private readonly (Amazon.S3.IAmazonS3 Client, FakeS3 Server) _s3 = FakeS3.Create();

    private FakeS3 Server => _s3.Server;

    private S3ObjectStore CreateStore(Action<S3ObjectStoreOptions>? configure = null)
    {
        var options = new S3ObjectStoreOptions { PartSize = PartSize };
        configure?.Invoke(options);
        return new S3ObjectStore(_s3.Client, Options.Create(options));
    }

    [Fact]
    public async Task CommitAsync_OfAnObjectThatFitsInOnePart_SendsOnePutObject()
    {
        var store = CreateStore();
        byte[] content = new byte[PartSize];
        content[^1] = 9;

        await using (var writer = await store.CreateAsync("s3a://bucket/dir/x.json"))
        {
            await writer.Stream.WriteAsync(content);
            Assert.Empty(Server.Requests);
            await writer.CommitAsync();
        }

        var put = Assert.Single(Server.Requests);
        var request = Assert.IsType<PutObjectRequest>(put.Request);
        Assert.Equal(("bucket", "dir/x.json", PartSize), (request.BucketName, request.Key, (int)put.BodyLength));
        Assert.False(request.UseChunkEncoding);
        Assert.Equal(content, Server.Objects["bucket/dir/x.json"]);
    }

    [Fact]
    public async Task Write_OfABigObject_UploadsEachPartAsItFills_HoldingAtMostOnePart()
    {
        var store = CreateStore();
        byte[] content = new byte[3 * PartSize + 12345];
        new Random(1).NextBytes(content);

        await using var writer = await store.CreateAsync("s3://bucket/big.bin");
        for (int offset = 0; offset < content.Length; offset += 1_000_000)
        {
            await writer.Stream.WriteAsync(content.AsMemory(offset, Math.Min(1_000_000, content.Length - offset)));
        }

        // Three full parts went out while writing; the last bytes wait for commit.
        Assert.Equal([PartSize, PartSize, PartSize], Server.RequestsOf<UploadPartRequest>().Select(p => (int)p.PartSize!.Value));
        Assert.Equal(content.Length, await writer.CommitAsync());

        var parts = Server.Requests.Where(r => r.Request is UploadPartRequest).ToList();
        Assert.Equal([1, 2, 3, 4], parts.Select(p => ((UploadPartRequest)p.Request).PartNumber!.Value));
        Assert.Equal([PartSize, PartSize, PartSize, 12345], parts.Select(p => p.BodyLength));
        Assert.All(parts, p => Assert.False(((UploadPartRequest)p.Request).UseChunkEncoding));
        Assert.Single(Server.RequestsOf<InitiateMultipartUploadRequest>());
        var complete = Assert.Single(Server.RequestsOf<CompleteMultipartUploadRequest>());
        Assert.Equal([1, 2, 3, 4], complete.PartETags.Select(p => p.PartNumber!.Value));
        Assert.Empty(Server.RequestsOf<PutObjectRequest>());
        Assert.Equal(content, Server.Objects["bucket/big.bin"]);
        Assert.Equal(0, Server.OpenUploads);
    }

    [Fact]
    public async Task DisposeAsync_WithoutCommit_AbortsTheMultipartUpload()
    {
        var store = CreateStore();
        await using (var writer = await store.CreateAsync("s3://bucket/x.bin"))
        {
            await writer.Stream.WriteAsync(new byte[PartSize + 1]);
            Assert.Equal(1, Server.OpenUploads);
        }

        var abort = Assert.Single(Server.RequestsOf<AbortMultipartUploadRequest>());
        Assert.Single(Server.RequestsOf<InitiateMultipartUploadRequest>());
        Assert.Equal(0, Server.OpenUploads);
        Assert.Equal(("bucket", "x.bin"), (abort.BucketName, abort.Key));
        Assert.Empty(Server.Objects);
    }

    [Fact]
    public async Task DisposeAsync_WithoutCommit_OfASmallObject_SendsNothing()
    {
        var store = CreateStore();
        await using (var writer = await store.CreateAsync("s3://bucket/x.bin"))
        {
            await writer.Stream.WriteAsync(new byte[100]);
        }
        Assert.Empty(Server.Requests);
    }

    [Fact]
    public async Task DisposeAsync_WhenTheAbortFails_DoesNotThrow()
    {
        var store = CreateStore();
        Server.FailWhen = r => r is AbortMultipartUploadRequest ? FakeS3.Error("InternalError", HttpStatusCode.InternalServerError) : null;
        var writer = await store.CreateAsync("s3://bucket/x.bin");
        await writer.Stream.WriteAsync(new byte[PartSize + 1]);

        await writer.DisposeAsync();

        Assert.Single(Server.RequestsOf<AbortMultipartUploadRequest>());
    }

    [Fact]
    public async Task Write_WhenAPartFails_FailsTheWriter_NamingTheUri_AndDisposeAborts()
    {
        var store = CreateStore();
        Server.FailWhen = r => r is UploadPartRequest { PartNumber: 2 } ? FakeS3.Error("SlowDown", HttpStatusCode.ServiceUnavailable) : null;
        await using (var writer = await store.CreateAsync("s3://bucket/x.bin"))
        {
            var error = await Assert.ThrowsAsync<IOException>(() => writer.Stream.WriteAsync(new byte[3 * PartSize]).AsTask());
            Assert.Contains("s3://bucket/x.bin", error.Message);
            Assert.Contains("SlowDown", error.Message);
            await Assert.ThrowsAsync<InvalidOperationException>(() => writer.CommitAsync());
        }
        Assert.Single(Server.RequestsOf<AbortMultipartUploadRequest>());
        Assert.Empty(Server.RequestsOf<CompleteMultipartUploadRequest>());
        Assert.Empty(Server.Objects);
    }

    [Fact]
    public async Task CommitAsync_IntoAMissingBucket_ThrowsNamingTheBucket()
    {
        var store = CreateStore();
        Server.FailWhen = r => r is PutObjectRequest ? FakeS3.Error("NoSuchBucket", HttpStatusCode.NotFound) : null;
        await using var writer = await store.CreateAsync("s3://no-such-bucket/x.json");
        var error = await Assert.ThrowsAsync<DirectoryNotFoundException>(() => writer.CommitAsync());
        Assert.Contains("'no-such-bucket'", error.Message);
        Assert.Contains("s3://no-such-bucket/x.json", error.Message);
    }

    [Fact]
    public async Task RenameAsync_OfAnObjectOverTheCopyThreshold_CopiesInPartsPinnedToTheSourceETag_ThenDeletesTheSource()
    {
        var store = CreateStore(o => o.MultipartCopyThreshold = PartSize);
        byte[] content = new byte[2 * PartSize + 777];
        new Random(2).NextBytes(content);
        Server.Put("src", "big.bin", content);

        await store.RenameAsync("s3://src/big.bin", "s3://dst/moved/big.bin");

        var copies = Server.RequestsOf<CopyPartRequest>().OrderBy(c => c.PartNumber).ToList();
        Assert.Equal(
            [(1, 0L, PartSize - 1L), (2, PartSize, 2L * PartSize - 1), (3, 2L * PartSize, content.Length - 1L)],
            copies.Select(c => (c.PartNumber!.Value, c.FirstByte!.Value, c.LastByte!.Value)));
        Assert.All(copies, c => Assert.Equal([FakeS3.ETag(content)], c.ETagToMatch));
        Assert.Empty(Server.RequestsOf<CopyObjectRequest>());
        var initiate = Assert.Single(Server.RequestsOf<InitiateMultipartUploadRequest>());
        Assert.Equal("application/x-ndjson", initiate.ContentType);
        Assert.Equal("fake", initiate.Metadata["origin"]);
        Assert.Equal(content, Server.Objects["dst/moved/big.bin"]);
        Assert.False(Server.Objects.ContainsKey("src/big.bin"));
    }

    [Fact]
    public async Task RenameAsync_WhenAPartCopyFails_AbortsTheCopy_AndKeepsTheSource()
    {
        var store = CreateStore(o =>
        {
            o.MultipartCopyThreshold = PartSize;
            o.MultipartCopyConcurrency = 1;
        });
        Server.Put("b", "big.bin", new byte[3 * PartSize]);
        Server.FailWhen = r => r is CopyPartRequest { PartNumber: 2 } ? FakeS3.Error("InternalError", HttpStatusCode.InternalServerError) : null;

        var error = await Assert.ThrowsAsync<IOException>(() => store.RenameAsync("s3://b/big.bin", "s3://b/moved.bin"));

        Assert.Contains("s3://b/moved.bin", error.Message);
        Assert.Single(Server.RequestsOf<AbortMultipartUploadRequest>());
        Assert.Equal(0, Server.OpenUploads);
        Assert.True(Server.Objects.ContainsKey("b/big.bin"));
        Assert.False(Server.Objects.ContainsKey("b/moved.bin"));
        Assert.Empty(Server.RequestsOf<DeleteObjectRequest>());
    }

    [Fact]
    public async Task RenameAsync_OfASourceThatChangedMidCopy_FailsWithoutDeleting()
    {
        var store = CreateStore();
        Server.Put("b", "x.json", [1]);
        Server.FailWhen = r =>
        {
            if (r is CopyObjectRequest) Server.Put("b", "x.json", [2]);
            return null;
        };

        var error = await Assert.ThrowsAsync<IOException>(() => store.RenameAsync("s3://b/x.json", "s3://b/y.json"));

        Assert.Contains("changed", error.Message);
        Assert.Equal([2], Server.Objects["b/x.json"]);
        Assert.Empty(Server.RequestsOf<DeleteObjectRequest>());
    }

    [Fact]
    public async Task RenameAsync_OfASmallObject_UsesOneCopyObject()
    {
        var store = CreateStore();
        Server.Put("b", "x.json", [1, 2]);

        await store.RenameAsync("s3://b/x.json", "s3://b/y.json");

        var copy = Assert.Single(Server.RequestsOf<CopyObjectRequest>());
        Assert.Equal(("b", "x.json", "b", "y.json"), (copy.SourceBucket, copy.SourceKey, copy.DestinationBucket, copy.DestinationKey));
        Assert.Equal([1, 2], Server.Objects["b/y.json"]);
        Assert.False(Server.Objects.ContainsKey("b/x.json"));
    }

    [Fact]
    public async Task Reads_WhenAccessIsDenied_ThrowUnauthorizedAccessNamingTheUri()
    {
        var store = CreateStore();
        Server.FailWhen = _ => FakeS3.Error("AccessDenied", HttpStatusCode.Forbidden);
        var error = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => store.GetInfoAsync("s3://b/secret.json"));
        Assert.Contains("s3://b/secret.json", error.Message);
    }

    [Fact]
    public async Task Client_IsResolvedOnFirstUse_SoHostsWithoutS3CanStillRegisterTheStore()
    {
        int resolved = 0;
        var store = new S3ObjectStore(() =>
        {
            resolved++;
            throw new InvalidOperationException("no IAmazonS3 registered");
        }, Options.Create(new S3ObjectStoreOptions()));

        Assert.True(store.CanHandle("s3://b/k"));
        Assert.Equal(0, resolved);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.GetInfoAsync("s3://b/k"));
        Assert.Equal("no IAmazonS3 registered", error.Message);
    }

    [Theory]
    [InlineData(4 * 1024 * 1024, 1000, 5L * 1024 * 1024 * 1024, 4, "PartSize")]
    [InlineData(8 * 1024 * 1024, 0, 5L * 1024 * 1024 * 1024, 4, "ListPageSize")]
    [InlineData(8 * 1024 * 1024, 1001, 5L * 1024 * 1024 * 1024, 4, "ListPageSize")]
    [InlineData(8 * 1024 * 1024, 1000, 6L * 1024 * 1024 * 1024, 4, "MultipartCopyThreshold")]
    [InlineData(8 * 1024 * 1024, 1000, 5L * 1024 * 1024 * 1024, 0, "MultipartCopyConcurrency")]
    public void Options_OutOfRange_AreRejectedAtStart_NamingTheOption(int partSize, int pageSize, long copyThreshold, int copyConcurrency, string option)
    {
        var options = new S3ObjectStoreOptions
        {
            PartSize = partSize,
            ListPageSize = pageSize,
            MultipartCopyThreshold = copyThreshold,
            MultipartCopyConcurrency = copyConcurrency,
        };
        var result = new S3ObjectStoreOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains(option, result.FailureMessage);
        var error = Assert.Throws<OptionsValidationException>(() => new S3ObjectStore(_s3.Client, Options.Create(options)));
        Assert.Contains(option, error.Message);
    }

    [Fact]
    public void Options_Defaults_AreValid()
    {
        var options = new S3ObjectStoreOptions();
        Assert.Equal((8 * 1024 * 1024, 1000, 5L * 1024 * 1024 * 1024, 4), (options.PartSize, options.ListPageSize, options.MultipartCopyThreshold, options.MultipartCopyConcurrency));
        Assert.True(new S3ObjectStoreOptionsValidator().Validate(null, options).Succeeded);
    }
}
