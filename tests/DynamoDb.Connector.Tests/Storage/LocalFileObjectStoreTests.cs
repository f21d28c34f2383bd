using System.Text;
using DynamoDb.Connector.Formats.Uris;
using DynamoDb.Connector.Storage;

namespace DynamoDb.Connector.Tests.Storage;

/// <summary>The shared behaviour on plain paths.</summary>
public sealed class LocalFileObjectStoreBehaviourTests : ObjectStoreBehaviour, IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("store-");

    protected override IObjectStore Store { get; } = new LocalFileObjectStore();

    protected override string Root => _directory.FullName;

    public void Dispose() => _directory.Delete(recursive: true);
}

/// <summary>The shared behaviour on <c>file:///</c> uris.</summary>
public sealed class FileUriObjectStoreBehaviourTests : ObjectStoreBehaviour, IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("store-");

    protected override IObjectStore Store { get; } = new LocalFileObjectStore();

    protected override string Root => "file://" + _directory.FullName.Replace('\\', '/');

    public void Dispose() => _directory.Delete(recursive: true);
}

public sealed class LocalFileObjectStoreTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("store-");
    private readonly LocalFileObjectStore _store = new();

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void CanHandle_LocalPathsAndFileUris_NotOtherSchemes()
    {
        Assert.True(_store.CanHandle("/tmp/x"));
        Assert.True(_store.CanHandle("relative/x"));
        Assert.True(_store.CanHandle("file:///tmp/x"));
        Assert.True(_store.CanHandle(@"C:\data\x.json"));
        Assert.False(_store.CanHandle("s3://b/k"));
        Assert.False(_store.CanHandle("hdfs://nn/x"));
        Assert.False(_store.CanHandle(""));
    }

    [Fact]
    public async Task CreateAsync_WritesToADotPrefixedTemporaryFileNextToTheTarget_UntilCommit()
    {
        string target = Path.Combine(_directory.FullName, "out", "part-00000.json");
        await using var writer = await _store.CreateAsync(target);
        await writer.Stream.WriteAsync(new byte[] { 1, 2, 3 });
        await writer.Stream.FlushAsync();

        string temp = Assert.Single(Directory.GetFiles(Path.GetDirectoryName(target)!));
        Assert.Matches(@"^\.part-00000\.json\.tmp-[0-9a-f]{32}$", Path.GetFileName(temp));
        Assert.False(File.Exists(target));

        await writer.CommitAsync();

        Assert.Equal([target], Directory.GetFiles(Path.GetDirectoryName(target)!));
        Assert.Equal([1, 2, 3], await File.ReadAllBytesAsync(target));
    }

    [Fact]
    public async Task DisposeAsync_WithoutCommit_DeletesTheTemporaryFile_AndKeepsAnExistingTarget()
    {
        string target = Path.Combine(_directory.FullName, "x.json");
        await File.WriteAllTextAsync(target, "committed earlier");

        await using (var writer = await _store.CreateAsync(target))
        {
            await writer.Stream.WriteAsync(Encoding.UTF8.GetBytes("half written"));
        }

        Assert.Equal([target], Directory.GetFiles(_directory.FullName));
        Assert.Equal("committed earlier", await File.ReadAllTextAsync(target));
    }

    [Fact]
    public async Task CreateAsync_WithAVeryLongName_KeepsTheTemporaryNameWithinFileSystemLimits()
    {
        string target = Path.Combine(_directory.FullName, new string('n', 240) + ".json");
        await using var writer = await _store.CreateAsync(target);
        await writer.Stream.WriteAsync(new byte[] { 1 });
        Assert.True(Path.GetFileName(Assert.Single(Directory.GetFiles(_directory.FullName))).Length <= 255);
        await writer.CommitAsync();
        Assert.True(File.Exists(target));
    }

    [Fact]
    public async Task ListAsync_IncludesDotFiles_AndOrdersLikeS3_DotBeforeSlash()
    {
        foreach (string name in new[] { "a0.json", "a/b.json", "a.json", ".hidden", "_SUCCESS" })
        {
            string path = Path.Combine(_directory.FullName, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, name);
        }

        var listed = new List<string>();
        await foreach (var info in _store.ListAsync(_directory.FullName, recursive: true)) listed.Add(ObjectUri.RelativePath(_directory.FullName, info.Uri));

        // '.' (2E) sorts before '/' (2F), which sorts before '0' (30): a directory's files sit where S3 lists their keys.
        Assert.Equal([".hidden", "_SUCCESS", "a.json", "a/b.json", "a0.json"], listed);
    }

    [Fact]
    public async Task ListAsync_ReportsSizeAndUtcModificationTime()
    {
        string path = Path.Combine(_directory.FullName, "x.json");
        await File.WriteAllTextAsync(path, "12345");
        var when = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, when);

        var info = await _store.ListAsync(_directory.FullName, recursive: false).SingleAsync();

        Assert.Equal(5, info.Size);
        Assert.Equal(new DateTimeOffset(when), info.LastModified);
        Assert.Null(info.ETag);
    }

    [Fact]
    public async Task ListAsync_OfAFile_IsEmpty_AndGetInfoOfADirectory_IsNull()
    {
        string path = Path.Combine(_directory.FullName, "x.json");
        await File.WriteAllTextAsync(path, "1");
        Assert.Empty(await _store.ListAsync(path, recursive: true).ToListAsync());
        Assert.Null(await _store.GetInfoAsync(_directory.FullName));
    }

    [Fact]
    public async Task OpenReadAsync_OfADirectory_ThrowsFileNotFound()
    {
        await Assert.ThrowsAsync<FileNotFoundException>(() => _store.OpenReadAsync(_directory.FullName));
    }

    [Fact]
    public async Task DeleteAsync_OfADirectory_ThrowsNamingIt_AndKeepsIt()
    {
        var error = await Assert.ThrowsAsync<IOException>(() => _store.DeleteAsync(_directory.FullName));
        Assert.Contains(_directory.FullName, error.Message);
        Assert.True(_directory.Exists);
    }

    [Fact]
    public async Task OpenReadAsync_StreamsFromDisk_WithoutReadingTheWholeFile()
    {
        string path = Path.Combine(_directory.FullName, "x.bin");
        await File.WriteAllBytesAsync(path, new byte[1 << 20]);

        await using var stream = await _store.OpenReadAsync(path, offset: 1000);

        var file = Assert.IsType<FileStream>(stream);
        Assert.True(file.IsAsync);
        Assert.Equal(1000, file.Position);
    }

    [Fact]
    public async Task Operations_HonourCancellation()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        string path = Path.Combine(_directory.FullName, "x.json");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.CreateAsync(path, cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.GetInfoAsync(path, cancelled.Token));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task RelativePaths_ResolveAgainstTheWorkingDirectory()
    {
        string name = $"store-relative-{Guid.NewGuid():N}.json";
        try
        {
            await using (var writer = await _store.CreateAsync(name))
            {
                await writer.Stream.WriteAsync(new byte[] { 7 });
                await writer.CommitAsync();
            }
            Assert.Equal(1, (await _store.GetInfoAsync(name))?.Size);
            Assert.True(File.Exists(Path.Combine(Environment.CurrentDirectory, name)));
        }
        finally
        {
            await _store.DeleteAsync(name);
        }
    }
}
