using DynamoDb.Connector.Formats.Uris;

namespace DynamoDb.Connector.Formats.Tests.Uris;

public sealed class ObjectUriTests
{
    [Theory]
    [InlineData("s3://bucket/key", "S3")]
    [InlineData("S3://bucket/key", "S3")]
    [InlineData("s3n://bucket/key", "S3")]
    [InlineData("s3a://bucket/key", "S3")]
    [InlineData("file:///tmp/x", "Local")]
    [InlineData("/tmp/x", "Local")]
    [InlineData("relative/x.json", "Local")]
    [InlineData("x.json", "Local")]
    [InlineData(@"C:\data\x.json", "Local")]
    [InlineData("C:/data/x.json", "Local")]
    [InlineData(@"\\server\share\x.json", "Local")]
    [InlineData("hdfs://namenode/x", "Unsupported")]
    [InlineData("https://example.com/x", "Unsupported")]
    public void KindOf_RecognisesSchemesDriveLettersAndPlainPaths(string uri, string expected) =>
        Assert.Equal(expected, ObjectUri.KindOf(uri).ToString());

    [Theory]
    [InlineData("s3://bucket/a/b.json", "bucket", "a/b.json")]
    [InlineData("s3n://bucket/a/b.json", "bucket", "a/b.json")]
    [InlineData("s3a://bucket/a/", "bucket", "a/")]
    [InlineData("s3://bucket", "bucket", "")]
    [InlineData("s3://bucket/", "bucket", "")]
    [InlineData("s3://bucket/dir/a b+c%20ü😀.json", "bucket", "dir/a b+c%20ü😀.json")]
    public void ParseS3_SplitsBucketAndKey_KeepingTheKeyExactly(string uri, string bucket, string key) =>
        Assert.Equal((bucket, key), ObjectUri.ParseS3(uri));

    [Theory]
    [InlineData("s3://")]
    [InlineData("s3:///key")]
    [InlineData("s3:bucket/key")]
    [InlineData("/local/path")]
    public void ParseS3_OfSomethingElse_ThrowsNamingTheUri(string uri)
    {
        var error = Assert.Throws<ArgumentException>(() => ObjectUri.ParseS3(uri));
        Assert.Contains(uri, error.Message);
    }

    [Theory]
    [InlineData("s3n://b/k", "s3://b/k")]
    [InlineData("S3A://b/k/", "s3://b/k/")]
    [InlineData("s3://b", "s3://b/")]
    [InlineData("/tmp/x", "/tmp/x")]
    [InlineData("file:///tmp/x", "file:///tmp/x")]
    public void Normalize_ReadsS3nAndS3aAsS3_AndLeavesLocalUrisAlone(string uri, string expected) =>
        Assert.Equal(expected, ObjectUri.Normalize(uri));

    [Theory]
    [InlineData("file:///tmp/a b/x.json", "/tmp/a b/x.json")]
    [InlineData("file:/tmp/x.json", "/tmp/x.json")]
    [InlineData("file://localhost/tmp/x.json", "/tmp/x.json")]
    [InlineData("FILE:///tmp/x.json", "/tmp/x.json")]
    [InlineData("file:///C:/data/x.json", "C:/data/x.json")]
    [InlineData("relative/x.json", "relative/x.json")]
    [InlineData(@"C:\data\x.json", @"C:\data\x.json")]
    [InlineData("/tmp/my%20data/x.json", "/tmp/my%20data/x.json")]
    public void ToLocalPath_StripsTheFileScheme_AndLeavesPlainPathsUndecoded(string uri, string expected) =>
        Assert.Equal(expected, ObjectUri.ToLocalPath(uri));

    [Theory]
    [InlineData("file:///tmp/my%20data/", "/tmp/my data/")]
    [InlineData("file:///tmp/100%25.json", "/tmp/100%.json")]
    [InlineData("file:///tmp/%C3%BC.json", "/tmp/\u00fc.json")]
    [InlineData("file:///tmp/50%.json", "/tmp/50%.json")]
    public void ToLocalPath_OfAFileUri_DecodesItsPercentEscapes(string uri, string expected) =>
        Assert.Equal(expected, ObjectUri.ToLocalPath(uri));

    [Fact]
    public void EscapeForFileUri_EscapesPercentInFileUrisOnly_SoTheNameDecodesBack()
    {
        Assert.Equal("/tmp/100%25.json", "/tmp/" + ObjectUri.EscapeForFileUri("/tmp/", "100%25.json"));
        string uri = "file:///tmp/" + ObjectUri.EscapeForFileUri("file:///tmp/", "100%25.json");
        Assert.Equal("/tmp/100%25.json", ObjectUri.ToLocalPath(uri));
    }

    [Theory]
    [InlineData("file://server/share/x")]
    [InlineData("file:relative/x")]
    public void ToLocalPath_OfARemoteOrRelativeFileUri_ThrowsNamingIt(string uri)
    {
        var error = Assert.Throws<ArgumentException>(() => ObjectUri.ToLocalPath(uri));
        Assert.Contains(uri, error.Message);
    }

    [Theory]
    [InlineData("s3://b/dir", "x.json", "s3://b/dir/x.json")]
    [InlineData("s3://b/dir/", "x.json", "s3://b/dir/x.json")]
    [InlineData("s3a://b/dir", "sub/x.json", "s3://b/dir/sub/x.json")]
    [InlineData("s3://b", "x.json", "s3://b/x.json")]
    [InlineData("s3://b/", "a b+c.json", "s3://b/a b+c.json")]
    [InlineData("/data", "x.json", "/data/x.json")]
    [InlineData("/data/", "x.json", "/data/x.json")]
    [InlineData("/", "x.json", "/x.json")]
    [InlineData("data", "x.json", "data/x.json")]
    [InlineData("file:///data", "x.json", "file:///data/x.json")]
    [InlineData(@"C:\data", "x.json", @"C:\data\x.json")]
    [InlineData(@"C:\data\", "x.json", @"C:\data\x.json")]
    [InlineData("C:/data", "x.json", "C:/data/x.json")]
    public void Combine_JoinsWithOneSeparator(string directory, string name, string expected) =>
        Assert.Equal(expected, ObjectUri.Combine(directory, name));

    [Theory]
    [InlineData("/x.json")]
    [InlineData("")]
    public void Combine_WithAnAbsoluteOrEmptyName_Throws(string name) =>
        Assert.ThrowsAny<ArgumentException>(() => ObjectUri.Combine("s3://b/dir", name));

    [Theory]
    [InlineData("s3://b/backup/manifest", "s3://b/backup/")]
    [InlineData("s3://b/backup/", "s3://b/")]
    [InlineData("s3n://b/x.json", "s3://b/")]
    [InlineData("/data/x.json", "/data/")]
    [InlineData("/x.json", "/")]
    [InlineData("data/x.json", "data/")]
    [InlineData("x.json", "./")]
    [InlineData("file:///data/x.json", "file:///data/")]
    [InlineData("file:///x.json", "file:///")]
    [InlineData(@"C:\data\x.json", @"C:\data\")]
    [InlineData(@"C:\x.json", @"C:\")]
    public void Parent_IsTheHoldingDirectory_WithATrailingSeparator(string uri, string expected) =>
        Assert.Equal(expected, ObjectUri.Parent(uri));

    [Theory]
    [InlineData("s3://b")]
    [InlineData("s3://b/")]
    [InlineData("/")]
    [InlineData("file:///")]
    [InlineData(@"C:\")]
    public void Parent_OfARoot_Throws(string uri) => Assert.Throws<ArgumentException>(() => ObjectUri.Parent(uri));

    [Theory]
    [InlineData("s3://b/backup/a b+ü.json", "a b+ü.json")]
    [InlineData("s3://b/backup/", "backup")]
    [InlineData("s3://b", "")]
    [InlineData("/data/x.json", "x.json")]
    [InlineData("x.json", "x.json")]
    [InlineData("file:///data/x.json", "x.json")]
    [InlineData(@"C:\data\x.json", "x.json")]
    public void FileName_IsTheLastSegment(string uri, string expected) => Assert.Equal(expected, ObjectUri.FileName(uri));

    [Theory]
    [InlineData("s3://b/p", "s3://b/p/sub/x.json", "sub/x.json")]
    [InlineData("s3://b/p/", "s3://b/p/x.json", "x.json")]
    [InlineData("s3a://b/p", "s3://b/p/x.json", "x.json")]
    [InlineData("s3://b", "s3n://b/p/x.json", "p/x.json")]
    [InlineData("/data", "/data/sub/x.json", "sub/x.json")]
    [InlineData("file:///data", "/data/x.json", "x.json")]
    [InlineData("/data/", "file:///data/x.json", "x.json")]
    public void RelativePath_IsThePathBelowThePrefix_ComparingCanonicalForms(string prefix, string uri, string expected) =>
        Assert.Equal(expected, ObjectUri.RelativePath(prefix, uri));

    [Theory]
    [InlineData("s3://b/p", "s3://b/pq/x.json")]
    [InlineData("s3://b/p", "s3://other/p/x.json")]
    [InlineData("s3://b/p", "/p/x.json")]
    [InlineData("/data", "/database.json")]
    [InlineData("/data", "/data/")]
    public void RelativePath_OfAnObjectOutsideThePrefix_Throws(string prefix, string uri) =>
        Assert.Throws<ArgumentException>(() => ObjectUri.RelativePath(prefix, uri));

    [Theory]
    [InlineData("s3://b", true)]
    [InlineData("s3://b/", true)]
    [InlineData("s3://b/dir/", true)]
    [InlineData("s3://b/dir", false)]
    [InlineData("/data/", true)]
    [InlineData("/data", false)]
    [InlineData(".", true)]
    [InlineData("file:///", true)]
    [InlineData(@"C:\data\", true)]
    [InlineData(@"C:\data\x.json", false)]
    public void IsDirectoryLike_IsATrailingSeparatorOrARoot(string uri, bool expected) =>
        Assert.Equal(expected, ObjectUri.IsDirectoryLike(uri));

    [Fact]
    public void Order_IsCodePointOrder_AsS3ListsKeys()
    {
        // UTF-16 ordinal order puts U+1F600 (a surrogate pair) before U+FF21; UTF-8 byte order, which S3 uses, does not.
        string[] keys = ["a/b", "a.txt", "😀", "Ａ", "a0", "B", "a"];
        Array.Sort(keys, ObjectUri.Order);
        Assert.Equal(["B", "a", "a.txt", "a/b", "a0", "Ａ", "😀"], keys);
        var utf8Sorted = keys.OrderBy(k => Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(k)), StringComparer.Ordinal);
        Assert.Equal(utf8Sorted, keys);
    }
    [Theory]
    [InlineData("file:///a%20b", "a%20b")]
    [InlineData("file:///tmp/my%20data/x.json", "x.json")]
    [InlineData("file:///C:/data/x.json", "x.json")]
    public void FileName_OfAnEscapedFileUri_IsItsLastSegmentAsWritten(string uri, string expected) =>
        Assert.Equal(expected, ObjectUri.FileName(uri));

    [Theory]
    [InlineData("file:///a%20b/c", "file:///a%20b/")]
    [InlineData("file:///C:/data/x.json", "file:///C:/data/")]
    public void Parent_OfAnEscapedFileUri_KeepsItsEscapes(string uri, string expected) =>
        Assert.Equal(expected, ObjectUri.Parent(uri));

    [Theory]
    [InlineData("s3://b/a/x.json", "s3://b/a/")]
    [InlineData("s3://b/a/", "s3://b/a/")]
    [InlineData("s3://b", "s3://b")]
    [InlineData("hdfs://host/dir/x", "hdfs://host/dir/")]
    [InlineData("file:///mnt/x", "file:///mnt/")]
    [InlineData("/x", "/")]
    [InlineData("dir/x.json", "dir/")]
    [InlineData("x.json", "")]
    [InlineData("", "")]
    public void DirectoryOf_IsEverythingUpToTheLastSeparator(string uri, string expected) =>
        Assert.Equal(expected, ObjectUri.DirectoryOf(uri));

    [Theory]
    [InlineData("s3://b/p/x|s3://b/p/y", "s3://b/p/")]
    [InlineData("s3://b/p/x|s3://b/p/sub/y", "s3://b/p/")]
    [InlineData("s3://b/pa/x|s3://b/pb/y", "s3://b/")]
    [InlineData("x|y", "")]
    [InlineData("s3://b1/x|s3://b2/x", null)]
    [InlineData("s3://one/x|s3://two/x", null)]
    [InlineData("s3://b/x|/b/x", null)]
    public void CommonDirectory_IsTheLongestSharedDirectory_OrNoneAcrossRoots(string joined, string? expected) =>
        Assert.Equal(expected, ObjectUri.CommonDirectory(joined.Split('|')));

    [Fact]
    public void CommonDirectory_OfNothing_IsNull() => Assert.Null(ObjectUri.CommonDirectory([]));

    [Theory]
    [InlineData("exp/AWSDynamoDB/01/data/a.gz", "exp/AWSDynamoDB/01/", "s3://copy/x/", "s3://copy/x/data/a.gz")]
    [InlineData("exp/AWSDynamoDB/data/a.gz", "exp/AWSDynamoDB/01/", "s3://copy/x/AWSDynamoDB/01/", "s3://copy/x/AWSDynamoDB/data/a.gz")]
    [InlineData("s3://old/p/sub/a.json", "s3://old/p/", "/restore", "/restore/sub/a.json")]
    [InlineData("a.json", "", "file:///mnt/r/", "file:///mnt/r/a.json")]
    public void Rebase_KeepsThePathRelativeToTheOldDirectory(string uri, string from, string to, string expected) =>
        Assert.Equal(expected, ObjectUri.Rebase(uri, from, to));

    [Theory]
    [InlineData("a/data/x", "a/b/c/", "s3://bucket/only/")]
    [InlineData("s3://other/x", "s3://old/p/", "/restore/")]
    public void Rebase_AboveTheRootOrAcrossRoots_IsAFormatError(string uri, string from, string to) =>
        Assert.Throws<FormatException>(() => ObjectUri.Rebase(uri, from, to));
}
