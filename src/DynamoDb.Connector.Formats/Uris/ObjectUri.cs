namespace DynamoDb.Connector.Formats.Uris;

/// <summary>Which store a uri belongs to.</summary>
public enum ObjectUriKind
{
    /// <summary>A scheme no store here handles (<c>hdfs://</c>, <c>https://</c>, ...).</summary>
    Unsupported,
    /// <summary><c>s3://</c>, or <c>s3n://</c> / <c>s3a://</c> read as <c>s3://</c>.</summary>
    S3,
    /// <summary>A plain absolute or relative path, or a <c>file:</c> uri.</summary>
    Local,
}

/// <summary>
/// The one place that parses and builds object uris: <c>s3://bucket/key</c> (<c>s3n://</c> and <c>s3a://</c> read as
/// <c>s3://</c>), <c>file:///abs/path</c> (also <c>file:/abs/path</c> and <c>file://localhost/abs/path</c>), and plain
/// absolute or relative paths, Windows-style ones included. Pure string logic, no I/O: the manifests resolve their
/// entries with it, the connector's object stores and jobs everything else, and a host may use it for the same uris.
/// </summary>
/// <remarks>
/// S3 uris and plain paths are paths with a scheme, as Hadoop and the EMR connector write them, not RFC 3986 uris:
/// nothing is percent-decoded, so keys with spaces, unicode, <c>+</c> or <c>%</c> are kept exactly as written.
/// <c>file:</c> uris are uris (RFC 8089): their percent-escapes are decoded (<c>file:///tmp/my%20data/</c> is
/// <c>/tmp/my data/</c>), and a name appended to one has its <c>%</c> escaped (<see cref="EscapeForFileUri"/>).
/// Directory-like uris end with a separator; the helpers accept a directory with or without it.
/// </remarks>
public static partial class ObjectUri
{
    /// <summary>The canonical S3 scheme prefix.</summary>
    public const string S3Prefix = "s3://";

    private const string FilePrefix = "file:";

    /// <summary>Orders uris as S3 orders keys: by Unicode code point (the order of their UTF-8 bytes).</summary>
    public static IComparer<string> Order { get; } = new CodePointComparer();

    /// <summary>Which store handles <paramref name="uri"/>.</summary>
    public static ObjectUriKind KindOf(string uri)
    {
        ArgumentException.ThrowIfNullOrEmpty(uri);
        if (SchemeLength(uri) is not (> 0 and var length)) return ObjectUriKind.Local;
        var scheme = uri.AsSpan(0, length);
        if (IsS3Scheme(scheme)) return ObjectUriKind.S3;
        return scheme.Equals("file", StringComparison.OrdinalIgnoreCase) ? ObjectUriKind.Local : ObjectUriKind.Unsupported;
    }

    /// <summary>The scheme of <paramref name="uri"/> (lower case), or null for a plain path.</summary>
    public static string? SchemeOf(string uri) =>
        SchemeLength(uri) is > 0 and var length ? uri[..length].ToLowerInvariant() : null;

    /// <summary>The bucket and key of an <c>s3://</c> (or <c>s3n://</c>, <c>s3a://</c>) uri; the key may be empty.</summary>
    /// <exception cref="ArgumentException">Not an S3 uri, or no bucket.</exception>
    public static (string Bucket, string Key) ParseS3(string uri)
    {
        if (KindOf(uri) != ObjectUriKind.S3)
        {
            throw new ArgumentException($"'{uri}' is not an s3:// uri.", nameof(uri));
        }
        int schemeLength = SchemeLength(uri);
        if (!uri.AsSpan(schemeLength).StartsWith("://"))
        {
            throw new ArgumentException($"'{uri}' is not a valid S3 uri: expected s3://bucket/key.", nameof(uri));
        }
        var rest = uri.AsSpan(schemeLength + 3);
        int slash = rest.IndexOf('/');
        var bucket = slash < 0 ? rest : rest[..slash];
        if (bucket.IsEmpty)
        {
            throw new ArgumentException($"'{uri}' names no bucket: expected s3://bucket/key.", nameof(uri));
        }
        return (bucket.ToString(), slash < 0 ? "" : rest[(slash + 1)..].ToString());
    }

    /// <summary>The uri <c>s3://bucket/key</c>.</summary>
    public static string FormatS3(string bucket, string key) => string.Concat(S3Prefix, bucket, "/", key);

    /// <summary>The file-system path of a local uri: a <c>file:</c> uri without its scheme, a plain path unchanged.</summary>
    /// <exception cref="ArgumentException">Not a local uri, or a <c>file:</c> uri naming a remote host.</exception>
    public static string ToLocalPath(string uri)
    {
        if (KindOf(uri) != ObjectUriKind.Local)
        {
            throw new ArgumentException($"'{uri}' is not a local path or file: uri.", nameof(uri));
        }
        if (!uri.StartsWith(FilePrefix, StringComparison.OrdinalIgnoreCase)) return uri;

        string rest = uri[FilePrefix.Length..];
        string path;
        if (rest.StartsWith("///", StringComparison.Ordinal)) path = rest[2..];
        else if (rest.StartsWith("//localhost/", StringComparison.OrdinalIgnoreCase)) path = rest["//localhost".Length..];
        else if (rest.StartsWith("//", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{uri}' names a remote host; only local file: uris (file:///path) are supported.", nameof(uri));
        }
        else if (rest.StartsWith('/')) path = rest;
        else throw new ArgumentException($"'{uri}' is not an absolute file: uri (expected file:///path).", nameof(uri));

        // A file: uri is a uri (RFC 8089): file:///tmp/my%20data/ names "/tmp/my data/". Invalid escapes stay as written.
        path = Uri.UnescapeDataString(path);
        // file:///C:/data -> C:/data
        return path.Length >= 3 && path[0] == '/' && IsDriveLetterPath(path.AsSpan(1)) ? path[1..] : path;
    }

    /// <summary>
    /// <paramref name="relative"/> (a name or relative path on disk) as it is appended to <paramref name="directoryUri"/>:
    /// for a <c>file:</c> uri with <c>%</c> escaped as <c>%25</c>, so that decoding the result gives the name back;
    /// unchanged for a plain path.
    /// </summary>
    public static string EscapeForFileUri(string directoryUri, string relative) =>
        directoryUri.StartsWith(FilePrefix, StringComparison.OrdinalIgnoreCase) ? relative.Replace("%", "%25", StringComparison.Ordinal) : relative;

    /// <summary>The uri in canonical form: <c>s3n://</c> and <c>s3a://</c> become <c>s3://</c>; anything else is unchanged.</summary>
    public static string Normalize(string uri)
    {
        if (KindOf(uri) != ObjectUriKind.S3) return uri;
        var (bucket, key) = ParseS3(uri);
        return FormatS3(bucket, key);
    }

    /// <summary>Whether <paramref name="uri"/> names a directory rather than an object: it ends with a separator, or is a bucket root.</summary>
    public static bool IsDirectoryLike(string uri)
    {
        switch (KindOf(uri))
        {
            case ObjectUriKind.S3:
                var (_, key) = ParseS3(uri);
                return key.Length == 0 || key.EndsWith('/');
            case ObjectUriKind.Local:
                string path = ToLocalPath(uri);
                return IsSeparator(path, path[^1]) || path is "." or ".." || (path.Length == 2 && IsDriveLetter(path));
            default:
                throw Unsupported(uri);
        }
    }

    /// <summary><paramref name="directoryUri"/> with a trailing separator (in canonical form for S3).</summary>
    public static string AsDirectory(string directoryUri)
    {
        switch (KindOf(directoryUri))
        {
            case ObjectUriKind.S3:
                var (bucket, key) = ParseS3(directoryUri);
                return FormatS3(bucket, key.Length == 0 || key.EndsWith('/') ? key : key + "/");
            case ObjectUriKind.Local:
                return IsSeparator(directoryUri, directoryUri[^1]) ? directoryUri : directoryUri + SeparatorFor(directoryUri);
            default:
                throw Unsupported(directoryUri);
        }
    }

    /// <summary>
    /// <paramref name="name"/> (a file name or a relative path with <c>/</c> separators) inside the directory
    /// <paramref name="directoryUri"/>, which may or may not end with a separator.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or starts with a separator.</exception>
    public static string Combine(string directoryUri, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name[0] == '/' || name[0] == '\\')
        {
            throw new ArgumentException($"'{name}' must be relative to '{directoryUri}', without a leading separator.", nameof(name));
        }
        return AsDirectory(directoryUri) + name;
    }

    /// <summary>
    /// The directory that holds <paramref name="uri"/>, with a trailing separator: <c>s3://b/a/x.json</c> gives
    /// <c>s3://b/a/</c>, <c>s3://b/a/</c> gives <c>s3://b/</c>, a bare relative name gives <c>./</c>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="uri"/> is a root (a bucket, <c>/</c>, <c>C:\</c>).</exception>
    public static string Parent(string uri)
    {
        string normalized = Normalize(uri);
        int nameStart = NameStart(normalized, out int nameEnd);
        if (nameStart == nameEnd)
        {
            throw new ArgumentException($"'{uri}' is a root and has no parent.", nameof(uri));
        }
        return nameStart == 0 ? "./" : normalized[..nameStart];
    }

    /// <summary>The last segment of <paramref name="uri"/> (a trailing separator ignored); empty for a root.</summary>
    public static string FileName(string uri)
    {
        string normalized = Normalize(uri);
        int start = NameStart(normalized, out int end);
        return normalized[start..end];
    }

    /// <summary>
    /// The path of <paramref name="objectUri"/> relative to the directory <paramref name="prefixUri"/>
    /// (<c>s3://b/p</c> and <c>s3://b/p/sub/x.json</c> give <c>sub/x.json</c>). Forms are compared canonically:
    /// <c>s3a://</c> against <c>s3://</c>, <c>file:///x</c> against <c>/x</c>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="objectUri"/> is not inside <paramref name="prefixUri"/>.</exception>
    public static string RelativePath(string prefixUri, string objectUri)
    {
        var kind = KindOf(prefixUri);
        if (kind == ObjectUriKind.Unsupported) throw Unsupported(prefixUri);
        string prefix, target;
        if (kind == ObjectUriKind.Local && KindOf(objectUri) == ObjectUriKind.Local)
        {
            prefix = AsDirectory(ToLocalPath(prefixUri));
            target = ToLocalPath(objectUri);
        }
        else
        {
            prefix = AsDirectory(prefixUri);
            target = Normalize(objectUri);
        }
        if (target.Length <= prefix.Length || !target.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{objectUri}' is not inside '{prefixUri}'.", nameof(objectUri));
        }
        return target[prefix.Length..];
    }

    /// <summary>
    /// The directory part of <paramref name="uri"/> as written: everything up to and including its last separator, so a
    /// uri ending with a separator is its own directory (<c>s3://b/a/x.json</c> and <c>s3://b/a/</c> give <c>s3://b/a/</c>).
    /// A root gives itself, a bare name "". Unlike <see cref="Parent"/> it never throws and takes any scheme
    /// (<c>hdfs://host/dir/x</c> gives <c>hdfs://host/dir/</c>) and keys without one (<c>dir/x.json</c> gives <c>dir/</c>).
    /// </summary>
    public static string DirectoryOf(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (uri.Length == 0) return "";
        int root = RootLength(uri);
        bool backslashSeparates = BackslashSeparates(uri);
        int end = uri.Length;
        while (end > root && !IsSeparator(uri[end - 1], backslashSeparates)) end--;
        return uri[..end];
    }

    /// <summary>
    /// The longest directory (ending with a separator) that holds every one of <paramref name="uris"/>, compared as
    /// written; "" when all are bare names; null when they share none (two buckets, two schemes) or there are none.
    /// </summary>
    public static string? CommonDirectory(IEnumerable<string> uris)
    {
        ArgumentNullException.ThrowIfNull(uris);
        string? common = null;
        foreach (var uri in uris)
        {
            string directory = DirectoryOf(uri);
            if (common is null)
            {
                common = directory;
                continue;
            }
            int length = 0, max = Math.Min(common.Length, directory.Length);
            while (length < max && common[length] == directory[length]) length++;
            // Cut back to the last separator both share; above a root (s3://one/ and s3://two/) they share nothing.
            string shared = DirectoryOf(common[..length] + "x");
            if (shared.Length < RootLength(common) || (shared.Length > 0 && !IsSeparator(shared, shared[^1]))) return null;
            common = shared;
        }
        return common;
    }

    /// <summary>
    /// Where <paramref name="uri"/> is once the tree under <paramref name="fromDirectory"/> has been copied to
    /// <paramref name="toDirectory"/>: its path relative to <paramref name="fromDirectory"/>, with <c>../</c> steps
    /// where it lies beside rather than under it, joined to <paramref name="toDirectory"/>. Both sides may be uris or
    /// bare keys (<c>exports/AWSDynamoDB/01/</c>); '/' separates. How a copied export's manifest finds its files.
    /// </summary>
    /// <exception cref="FormatException">
    /// <paramref name="uri"/> and <paramref name="fromDirectory"/> share no root (another bucket or scheme), or the
    /// <c>../</c> steps climb above the root of <paramref name="toDirectory"/>.
    /// </exception>
    public static string Rebase(string uri, string fromDirectory, string toDirectory)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(fromDirectory);
        ArgumentNullException.ThrowIfNull(toDirectory);
        string from = fromDirectory.Length == 0 || fromDirectory[^1] == '/' ? fromDirectory : fromDirectory + "/";
        int common = 0;
        for (int i = 0; i < Math.Min(from.Length, uri.Length) && from[i] == uri[i]; i++)
        {
            if (from[i] == '/') common = i + 1;
        }
        if (common < RootLength(from))
        {
            throw new FormatException($"'{uri}' and '{fromDirectory}' share no root, so '{uri}' has no path relative to it.");
        }
        int steps = from.AsSpan(common).Count('/');
        string directory = toDirectory.Length == 0 ? "" : AsDirectory(toDirectory);
        int root = RootLength(directory);
        for (int i = 0; i < steps; i++)
        {
            if (directory.Length <= root)
            {
                throw new FormatException($"'{uri}' lies {steps} folder(s) above '{fromDirectory}', which climbs above the root of '{toDirectory}'.");
            }
            directory = DirectoryOf(directory[..^1]);
        }
        return directory + uri[common..];
    }
}
