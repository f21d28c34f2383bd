using System.Runtime.CompilerServices;

namespace DynamoDb.Connector.Storage;

/// <summary>
/// The local file system as an object store, for plain absolute or relative paths and <c>file:</c> uris.
/// Writes go to a dot-prefixed temporary file next to the target (<c>.&lt;name&gt;.tmp-&lt;guid&gt;</c>), which commit
/// flushes to disk and renames into place atomically; parent directories are created as needed.
/// </summary>
/// <remarks>
/// Listings name each file as the prefix (as written, with a trailing separator) followed by its relative path with
/// <c>/</c> separators, in code point order of that path (the order S3 lists keys in). Directories are not listed,
/// hidden and dot-prefixed files are (skipping <c>.*</c> and <c>_*</c> names is the caller's choice), and symbolic
/// links to directories are not followed.
/// </remarks>
internal sealed class LocalFileObjectStore : IObjectStore
{
    /// <summary>What a temporary file's name has between the target's name and a guid.</summary>
    internal const string TempMarker = ".tmp-";

    // Long names are cut in the temporary name so that it stays within the usual 255-character limit.
    private const int MaxNameInTempName = 150;

    private static readonly EnumerationOptions OneLevel = new()
    {
        AttributesToSkip = 0,
        IgnoreInaccessible = false,
        RecurseSubdirectories = false,
        MatchType = MatchType.Simple,
    };

    /// <inheritdoc />
    public bool CanHandle(string uri) => !string.IsNullOrEmpty(uri) && ObjectUri.KindOf(uri) == ObjectUriKind.Local;

    /// <inheritdoc />
    public async IAsyncEnumerable<ObjectInfo> ListAsync(string prefixUri, bool recursive, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string directoryUri = ObjectUri.AsDirectory(prefixUri);
        var root = new DirectoryInfo(ObjectUri.ToLocalPath(directoryUri));
        if (!root.Exists) yield break;
        foreach (var (relative, file) in Walk(root, "", recursive))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return Info(directoryUri + ObjectUri.EscapeForFileUri(directoryUri, relative), file);
        }
    }

    /// <inheritdoc />
    public Task<ObjectInfo?> GetInfoAsync(string uri, CancellationToken cancellationToken = default) => SyncTasks.Run(() =>
    {
        var file = new FileInfo(ObjectUri.ToLocalPath(uri));
        return file.Exists ? Info(uri, file) : null;
    }, cancellationToken);

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(string uri, long offset = 0, long? length = null, CancellationToken cancellationToken = default) => SyncTasks.Run(() =>
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (length is < 0) throw new ArgumentOutOfRangeException(nameof(length), length, "The length to read must not be negative.");
        string path = ObjectUri.ToLocalPath(uri);
        FileStream file;
        try
        {
            file = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.ReadWrite | FileShare.Delete,
                Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            });
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException
            || (ex is UnauthorizedAccessException && Directory.Exists(path)))
        {
            throw NotFound(uri, ex);
        }
        try
        {
            long size = file.Length;
            if (offset > size)
            {
                throw new ArgumentOutOfRangeException(nameof(offset), offset, $"{uri} has {size} bytes; offset {offset} is past its end.");
            }
            file.Seek(offset, SeekOrigin.Begin);
            return length is { } limit ? new ReadWindowStream(file, limit) : (Stream)file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }, cancellationToken);

    /// <inheritdoc />
    public Task<IObjectWriter> CreateAsync(string uri, CancellationToken cancellationToken = default) => SyncTasks.Run<IObjectWriter>(() =>
    {
        if (ObjectUri.IsDirectoryLike(uri)) throw new ArgumentException($"'{uri}' names a directory, not a file.", nameof(uri));
        string target = Path.GetFullPath(ObjectUri.ToLocalPath(uri));
        string directory = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(directory);
        string name = Path.GetFileName(target);
        string temp = Path.Combine(directory, $".{name[..Math.Min(name.Length, MaxNameInTempName)]}{TempMarker}{Guid.NewGuid():N}");
        var file = new FileStream(temp, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            Options = FileOptions.Asynchronous,
        });
        return new LocalObjectWriter(uri, target, temp, file);
    }, cancellationToken);

    /// <inheritdoc />
    public Task RenameAsync(string fromUri, string toUri, CancellationToken cancellationToken = default) => SyncTasks.Run(() =>
    {
        if (ObjectUri.IsDirectoryLike(toUri)) throw new ArgumentException($"'{toUri}' names a directory, not a file.", nameof(toUri));
        string from = Path.GetFullPath(ObjectUri.ToLocalPath(fromUri));
        string to = Path.GetFullPath(ObjectUri.ToLocalPath(toUri));
        if (!File.Exists(from)) throw NotFound(fromUri, inner: null);
        if (from == to) return true;
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        try
        {
            File.Move(from, to, overwrite: true);
        }
        catch (FileNotFoundException ex)
        {
            throw NotFound(fromUri, ex);
        }
        return true;
    }, cancellationToken);

    /// <inheritdoc />
    public Task DeleteAsync(string uri, CancellationToken cancellationToken = default) => SyncTasks.Run(() =>
    {
        if (ObjectUri.IsDirectoryLike(uri)) throw new ArgumentException($"'{uri}' names a directory, not a file.", nameof(uri));
        string path = ObjectUri.ToLocalPath(uri);
        if (Directory.Exists(path)) throw new IOException($"{uri} is a directory, not an object; only objects are deleted.");
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            // Nothing there: deleting what does not exist is not an error.
        }
        return true;
    }, cancellationToken);

    internal static FileNotFoundException NotFound(string uri, Exception? inner) => new($"No object at {uri}.", uri, inner);

    private static ObjectInfo Info(string uri, FileInfo file) =>
        new(uri, file.Length, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero));

    /// <summary>Files under <paramref name="directory"/> in code point order of their relative paths, depth first.</summary>
    private static IEnumerable<(string Relative, FileInfo File)> Walk(DirectoryInfo directory, string relative, bool recursive)
    {
        // A directory sorts as "name/", which places its whole subtree where S3 would list those keys.
        var entries = directory.EnumerateFileSystemInfos("*", OneLevel)
            .Select(entry => (Key: entry is DirectoryInfo ? entry.Name + "/" : entry.Name, Entry: entry))
            .ToList();
        entries.Sort((a, b) => ObjectUri.Order.Compare(a.Key, b.Key));
        foreach (var (key, entry) in entries)
        {
            if (entry is FileInfo file)
            {
                yield return (relative + key, file);
            }
            else if (recursive && entry.LinkTarget is null)
            {
                foreach (var nested in Walk((DirectoryInfo)entry, relative + key, recursive: true)) yield return nested;
            }
        }
    }

    /// <summary>Writes a temporary file; commit flushes it to disk and renames it over the target.</summary>
    private sealed class LocalObjectWriter : IObjectWriter, IObjectWriteSink
    {
        private readonly string _target;
        private readonly string _temp;
        private readonly FileStream _file;
        private readonly ObjectWriteStream _stream;
        private bool _committed;
        private bool _disposed;

        public LocalObjectWriter(string uri, string target, string temp, FileStream file)
        {
            Uri = uri;
            _target = target;
            _temp = temp;
            _file = file;
            _stream = new ObjectWriteStream(this);
        }

        public string Uri { get; }

        public Stream Stream => _stream;

        public void Write(ReadOnlySpan<byte> buffer) => _file.Write(buffer);

        public ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken) => _file.WriteAsync(buffer, cancellationToken);

        public async Task<long> CommitAsync(CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_committed) throw new InvalidOperationException($"{Uri} is already committed.");
            await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
            // Durable before visible: a crash after the rename must not leave an empty or partial file at the target.
            _file.Flush(flushToDisk: true);
            long size = _file.Length;
            await _file.DisposeAsync().ConfigureAwait(false);
            File.Move(_temp, _target, overwrite: true);
            _committed = true;
            _stream.Dispose();
            return size;
        }

        public async ValueTask DisposeAsync()
        {
            if (_disposed) return;
            _disposed = true;
            _stream.Dispose();
            if (_committed) return;
            await _file.DisposeAsync().ConfigureAwait(false);
            try
            {
                File.Delete(_temp);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A leftover dot-prefixed temporary file is skipped by listings of importable files; failing the
                // dispose (often during an exception) would hide the error that caused the abort.
            }
        }
    }
}
