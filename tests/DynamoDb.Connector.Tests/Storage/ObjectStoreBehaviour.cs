using System.IO.Compression;
using System.Text;
using DynamoDb.Connector.Formats.Uris;
using DynamoDb.Connector.Storage;

namespace DynamoDb.Connector.Tests.Storage;

/// <summary>
/// What every <see cref="IObjectStore"/> does alike, run against each implementation (the local store here, S3 against
/// s3rver in the integration tests, which link this file).
/// </summary>
public abstract class ObjectStoreBehaviour
{
    /// <summary>The store under test.</summary>
    protected abstract IObjectStore Store { get; }

    /// <summary>A directory uri no other test uses, with nothing under it, without a trailing separator.</summary>
    protected abstract string Root { get; }

    /// <summary>The size of a write that takes more than one upload part in the store (or any big size).</summary>
    protected virtual int LargeObjectSize => 11 * 1024 * 1024 + 123;

    /// <summary>The uri of <paramref name="relativePath"/> (a name as stored) under the root; in a <c>file:</c> uri its <c>%</c> is escaped.</summary>
    protected string At(string relativePath) => ObjectUri.Combine(Root, ObjectUri.EscapeForFileUri(Root, relativePath));

    [Fact]
    public async Task GetInfoAsync_OfAMissingObject_IsNull() => Assert.Null(await Store.GetInfoAsync(At("missing.json")));

    [Fact]
    public async Task CommitAsync_MakesTheObjectVisible_WithItsBytesAndSize()
    {
        byte[] content = Encoding.UTF8.GetBytes("{\"Item\":{\"pk\":{\"S\":\"1\"}}}\n");
        string uri = At("one.json");

        await using var writer = await Store.CreateAsync(uri);
        await writer.Stream.WriteAsync(content);
        Assert.Null(await Store.GetInfoAsync(uri));
        long size = await writer.CommitAsync();

        Assert.Equal(content.Length, size);
        var info = await Store.GetInfoAsync(uri);
        Assert.NotNull(info);
        Assert.Equal(uri, info.Uri);
        Assert.Equal(content.Length, info.Size);
        Assert.Equal(content, await ReadAsync(uri));
    }

    [Fact]
    public async Task CommitAsync_OfNothing_MakesAnEmptyObject()
    {
        string uri = At("empty.json");
        await using (var writer = await Store.CreateAsync(uri))
        {
            Assert.Equal(0, await writer.CommitAsync());
        }
        Assert.Equal(0, (await Store.GetInfoAsync(uri))?.Size);
        Assert.Empty(await ReadAsync(uri));
    }

    [Fact]
    public async Task DisposeAsync_WithoutCommit_LeavesNothingBehind()
    {
        string uri = At("aborted/x.json");
        await using (var writer = await Store.CreateAsync(uri))
        {
            await writer.Stream.WriteAsync(Bytes(LargeObjectSize));
        }

        Assert.Null(await Store.GetInfoAsync(uri));
        Assert.Empty(await ListAsync(Root, recursive: true));
    }

    [Fact]
    public async Task CommitAsync_ReplacesAnExistingObject()
    {
        string uri = At("x.json");
        await WriteAsync(uri, Encoding.UTF8.GetBytes("old content, longer"));
        await WriteAsync(uri, Encoding.UTF8.GetBytes("new"));
        Assert.Equal("new", Encoding.UTF8.GetString(await ReadAsync(uri)));
    }

    [Fact]
    public async Task CommitAsync_AfterAWrappingCompressorDisposedTheStream_StillCommitsEverything()
    {
        string uri = At("x.json.gz");
        byte[] content = Bytes(100_000);
        await using (var writer = await Store.CreateAsync(uri))
        {
            // Compressors dispose the stream under them unless told otherwise: that must not abort or half-commit.
            await using (var gzip = new GZipStream(writer.Stream, CompressionLevel.Fastest))
            {
                await gzip.WriteAsync(content);
            }
            Assert.False(writer.Stream.CanWrite);
            await writer.CommitAsync();
        }

        await using var read = new GZipStream(await Store.OpenReadAsync(uri), CompressionMode.Decompress);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        Assert.Equal(content, copy.ToArray());
    }

    [Fact]
    public async Task CommitAsync_Twice_Throws()
    {
        await using var writer = await Store.CreateAsync(At("x.json"));
        await writer.CommitAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.CommitAsync());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => writer.Stream.WriteAsync(new byte[1]).AsTask());
    }

    [Fact]
    public async Task Write_OfAnObjectLargerThanOnePart_RoundTrips_WhetherWrittenInSmallOrLargePieces()
    {
        byte[] content = Bytes(LargeObjectSize);
        string uri = At("large.bin");
        await using (var writer = await Store.CreateAsync(uri))
        {
            // Uneven pieces, one synchronous, so part boundaries fall inside writes.
            writer.Stream.Write(content, 0, 1000);
            for (int offset = 1000; offset < content.Length; offset += 777_777)
            {
                await writer.Stream.WriteAsync(content.AsMemory(offset, Math.Min(777_777, content.Length - offset)));
            }
            Assert.Equal(content.Length, await writer.CommitAsync());
        }

        Assert.Equal(content.Length, (await Store.GetInfoAsync(uri))?.Size);
        Assert.Equal(content, await ReadAsync(uri));
    }

    [Fact]
    public async Task CreateAsync_UnderDirectoriesThatDoNotExist_Writes()
    {
        string uri = At("a/b/c/x.json");
        await WriteAsync(uri, [1, 2, 3]);
        Assert.Equal([1, 2, 3], await ReadAsync(uri));
    }

    [Theory]
    [InlineData(0, null)]
    [InlineData(10, null)]
    [InlineData(10, 5L)]
    [InlineData(0, 1L)]
    [InlineData(95, 10L)]
    [InlineData(99, null)]
    [InlineData(100, null)]
    [InlineData(100, 5L)]
    [InlineData(40, 0L)]
    public async Task OpenReadAsync_WithARange_ReadsExactlyThoseBytes(long offset, long? length)
    {
        byte[] content = Bytes(100);
        string uri = At("range.bin");
        await WriteAsync(uri, content);

        byte[] read = await ReadAsync(uri, offset, length);

        long end = length is { } l ? Math.Min(content.Length, offset + l) : content.Length;
        Assert.Equal(content[(int)offset..(int)end], read);
    }

    [Fact]
    public async Task OpenReadAsync_PastTheEnd_ThrowsNamingTheUri()
    {
        string uri = At("range.bin");
        await WriteAsync(uri, Bytes(100));
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.OpenReadAsync(uri, offset: 101));
        Assert.Contains(uri, error.Message);
    }

    [Fact]
    public async Task OpenReadAsync_OfAMissingObject_ThrowsFileNotFoundNamingTheUri()
    {
        string uri = At("missing.json");
        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => Store.OpenReadAsync(uri));
        Assert.Equal(uri, error.FileName);
        Assert.Contains(uri, error.Message);
        await Assert.ThrowsAsync<FileNotFoundException>(() => Store.OpenReadAsync(uri, 0, 0));
    }

    [Fact]
    public async Task ListAsync_TopLevel_ListsObjectsInThatDirectoryOnly_InKeyOrder()
    {
        await WriteAllAsync("b.json", "a.json", "sub/c.json", "sub/deeper/d.json", "c.json");

        var listed = await ListAsync(Root, recursive: false);

        Assert.Equal([At("a.json"), At("b.json"), At("c.json")], listed.Select(o => o.Uri));
        Assert.All(listed, o => Assert.Equal(ObjectUri.RelativePath(Root, o.Uri).Length, o.Size));
    }

    [Fact]
    public async Task ListAsync_Recursive_ListsEveryObjectBelow_InKeyOrder()
    {
        await WriteAllAsync("b.json", "a.json", "sub/c.json", "sub/deeper/d.json", "z/e.json");

        var listed = await ListAsync(Root, recursive: true);

        Assert.Equal(
            [At("a.json"), At("b.json"), At("sub/c.json"), At("sub/deeper/d.json"), At("z/e.json")],
            listed.Select(o => o.Uri));
    }

    [Fact]
    public async Task ListAsync_OfAPrefixWithoutTrailingSeparator_ListsThatDirectory_NotSiblingsSharingTheName()
    {
        await WriteAllAsync("data/x.json", "database.json", "data.json");

        Assert.Equal([At("data/x.json")], (await ListAsync(At("data"), recursive: true)).Select(o => o.Uri));
        Assert.Equal([At("data/x.json")], (await ListAsync(At("data") + "/", recursive: false)).Select(o => o.Uri));
    }

    [Fact]
    public async Task ListAsync_OfAPrefixWithNothingUnderIt_IsEmpty()
    {
        Assert.Empty(await ListAsync(At("nothing-here"), recursive: true));
        Assert.Empty(await ListAsync(At("nothing-here"), recursive: false));
    }

    [Fact]
    public async Task Keys_WithSpacesUnicodeAndPlus_AreKeptExactly()
    {
        string name = "dir/a b+c%20ü 😀.json";
        string uri = At(name);
        await WriteAsync(uri, [42]);

        var listed = await ListAsync(Root, recursive: true);

        Assert.Equal([uri], listed.Select(o => o.Uri));
        Assert.Equal(name, ObjectUri.RelativePath(Root, listed[0].Uri));
        Assert.Equal([42], await ReadAsync(uri));
        Assert.NotNull(await Store.GetInfoAsync(uri));
        await Store.DeleteAsync(uri);
        Assert.Null(await Store.GetInfoAsync(uri));
    }

    [Fact]
    public async Task RenameAsync_MovesTheObject()
    {
        string from = At("tmp/part-0.json"), to = At("out/part-0.json");
        await WriteAsync(from, [1, 2, 3]);

        await Store.RenameAsync(from, to);

        Assert.Null(await Store.GetInfoAsync(from));
        Assert.Equal([1, 2, 3], await ReadAsync(to));
    }

    [Fact]
    public async Task RenameAsync_OverwritesTheTarget()
    {
        string from = At("a.json"), to = At("b.json");
        await WriteAsync(from, [1]);
        await WriteAsync(to, [2, 2]);

        await Store.RenameAsync(from, to);

        Assert.Equal([1], await ReadAsync(to));
        Assert.Equal([to], (await ListAsync(Root, recursive: true)).Select(o => o.Uri));
    }

    [Fact]
    public async Task RenameAsync_ToItself_KeepsTheObject()
    {
        string uri = At("a.json");
        await WriteAsync(uri, [1]);
        await Store.RenameAsync(uri, uri);
        Assert.Equal([1], await ReadAsync(uri));
    }

    [Fact]
    public async Task RenameAsync_OfAMissingObject_ThrowsFileNotFoundNamingIt()
    {
        string from = At("missing.json");
        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => Store.RenameAsync(from, At("b.json")));
        Assert.Contains(from, error.Message);
        Assert.Null(await Store.GetInfoAsync(At("b.json")));
    }

    [Fact]
    public async Task DeleteAsync_RemovesTheObject_AndAMissingOneIsNotAnError()
    {
        string uri = At("x.json");
        await WriteAsync(uri, [1]);

        await Store.DeleteAsync(uri);
        await Store.DeleteAsync(uri);
        await Store.DeleteAsync(At("never/existed.json"));

        Assert.Null(await Store.GetInfoAsync(uri));
    }

    [Fact]
    public async Task DirectoryUris_AreNotObjects_ToWriteRenameOrDelete()
    {
        string directory = At("dir") + "/";
        await WriteAsync(At("dir/x.json"), [1]);

        await Assert.ThrowsAsync<ArgumentException>(() => Store.CreateAsync(directory));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.DeleteAsync(directory));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.RenameAsync(At("dir/x.json"), directory));
        await Assert.ThrowsAsync<FileNotFoundException>(() => Store.OpenReadAsync(directory));
        Assert.Null(await Store.GetInfoAsync(directory));
        Assert.Equal([1], await ReadAsync(At("dir/x.json")));
    }

    protected static byte[] Bytes(int count)
    {
        var bytes = new byte[count];
        new Random(count).NextBytes(bytes);
        return bytes;
    }

    protected async Task WriteAsync(string uri, byte[] content)
    {
        await using var writer = await Store.CreateAsync(uri);
        await writer.Stream.WriteAsync(content);
        await writer.CommitAsync();
    }

    /// <summary>Writes each relative path with as many bytes as its name is long.</summary>
    protected async Task WriteAllAsync(params string[] relativePaths)
    {
        foreach (string path in relativePaths) await WriteAsync(At(path), Encoding.UTF8.GetBytes(path));
    }

    protected async Task<byte[]> ReadAsync(string uri, long offset = 0, long? length = null)
    {
        await using var stream = await Store.OpenReadAsync(uri, offset, length);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    protected async Task<List<ObjectInfo>> ListAsync(string prefix, bool recursive)
    {
        var listed = new List<ObjectInfo>();
        await foreach (var info in Store.ListAsync(prefix, recursive)) listed.Add(info);
        return listed;
    }
}
