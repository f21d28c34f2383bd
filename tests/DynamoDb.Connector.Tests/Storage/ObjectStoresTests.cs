using Amazon.S3;
using DynamoDb.Connector.Storage;
using Microsoft.Extensions.Options;

namespace DynamoDb.Connector.Tests.Storage;

public sealed class ObjectStoresTests
{
    private static readonly IObjectStore Local = new LocalFileObjectStore();
    private static readonly IObjectStore S3 = new S3ObjectStore(FakeS3.Create().Client, Options.Create(new S3ObjectStoreOptions()));

    [Theory]
    [InlineData("s3://b/k", true)]
    [InlineData("s3a://b/k", true)]
    [InlineData("s3n://b/k", true)]
    [InlineData("/tmp/x", false)]
    [InlineData("file:///tmp/x", false)]
    [InlineData("relative.json", false)]
    public void For_PicksTheStoreForTheScheme(string uri, bool isS3) =>
        Assert.Same(isS3 ? S3 : Local, new ObjectStores([Local, S3]).For(uri));

    [Fact]
    public void For_AnUnsupportedScheme_ThrowsNamingTheUriAndWhatIsSupported()
    {
        var error = Assert.Throws<NotSupportedException>(() => new ObjectStores([Local, S3]).For("hdfs://namenode/data"));
        Assert.Contains("hdfs://namenode/data", error.Message);
        Assert.Contains("s3://", error.Message);
        Assert.Contains("file://", error.Message);
    }

    [Fact]
    public void For_S3WithoutAnS3Store_SaysAClientIsNeeded()
    {
        var error = Assert.Throws<NotSupportedException>(() => new ObjectStores([Local]).For("s3://b/k"));
        Assert.Contains(nameof(IAmazonS3), error.Message);
        Assert.Contains(nameof(LocalFileObjectStore), error.Message);
    }
}
