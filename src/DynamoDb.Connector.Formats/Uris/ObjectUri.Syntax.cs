namespace DynamoDb.Connector.Formats.Uris;

/// <summary>The syntax under the operations: roots, names, separators, schemes, and the code-point order.</summary>
public static partial class ObjectUri
{
    /// <summary>
    /// The length of the part of <paramref name="uri"/> that <c>..</c> never climbs above and <see cref="DirectoryOf"/>
    /// never cuts: <c>s3://bucket/</c>, <c>scheme://host/</c>, <c>file:///</c>, <c>/</c>, <c>C:\</c>, or nothing.
    /// </summary>
    private static int RootLength(string uri)
    {
        if (uri.Length == 0) return 0;
        int scheme = SchemeLength(uri);
        if (KindOf(uri) == ObjectUriKind.Local) return LocalRootLength(uri);
        if (uri.AsSpan(scheme).StartsWith("://"))
        {
            int slash = uri.IndexOf('/', scheme + 3);
            return slash < 0 ? uri.Length : slash + 1;
        }
        return scheme + 1;
    }

    /// <summary>Where the last segment of <paramref name="uri"/> starts and ends (a single trailing separator excluded).</summary>
    private static int NameStart(string uri, out int end)
    {
        int rootLength;
        switch (KindOf(uri))
        {
            case ObjectUriKind.S3:
                var (bucket, _) = ParseS3(uri);
                rootLength = Math.Min(uri.Length, S3Prefix.Length + bucket.Length + 1);
                break;
            case ObjectUriKind.Local:
                rootLength = LocalRootLength(uri);
                break;
            default:
                throw Unsupported(uri);
        }
        bool backslashSeparates = BackslashSeparates(uri);
        end = uri.Length;
        if (end > rootLength && IsSeparator(uri[end - 1], backslashSeparates)) end--;
        int start = end;
        while (start > rootLength && !IsSeparator(uri[start - 1], backslashSeparates)) start--;
        return start;
    }

    /// <summary>Length of the part of a local uri that is its root: <c>file:///</c>, <c>/</c>, <c>C:\</c>, or nothing for a relative path.</summary>
    private static int LocalRootLength(string uri)
    {
        int schemeEnd = FileSchemeLength(uri);
        var path = uri.AsSpan(schemeEnd);
        // file:///C:/data: the drive is part of the root.
        if (schemeEnd > 0 && path.Length >= 3 && path[0] == '/' && IsDriveLetter(path[1..])) path = path[1..];
        int skipped = uri.Length - schemeEnd - path.Length;
        if (IsDriveLetterPath(path)) return schemeEnd + skipped + 3;
        if (path.Length == 2 && IsDriveLetter(path)) return schemeEnd + skipped + 2;
        if (path.StartsWith(@"\\")) return schemeEnd + 2;
        return path.Length > 0 && path[0] == '/' ? schemeEnd + 1 : schemeEnd;
    }

    /// <summary>
    /// The length of a <c>file:</c> uri's prefix before its path (<c>file://</c>, <c>file://localhost</c>, <c>file:</c>),
    /// counted on the uri as written (its escapes are decoded only in <see cref="ToLocalPath"/>); 0 for a plain path.
    /// </summary>
    private static int FileSchemeLength(string uri)
    {
        if (!uri.StartsWith(FilePrefix, StringComparison.OrdinalIgnoreCase)) return 0;
        var rest = uri.AsSpan(FilePrefix.Length);
        if (rest.StartsWith("///")) return FilePrefix.Length + 2;
        if (rest.StartsWith("//localhost/", StringComparison.OrdinalIgnoreCase)) return FilePrefix.Length + "//localhost".Length;
        return FilePrefix.Length;
    }

    /// <summary>
    /// Whether <paramref name="c"/> separates segments in <paramref name="uri"/>: <c>/</c> always; <c>\</c> in local
    /// paths on Windows or in Windows-style paths (<c>C:\...</c>, <c>\\server\share</c>) anywhere, since on Linux and
    /// macOS it is an ordinary file-name character.
    /// </summary>
    private static bool IsSeparator(string uri, char c) => IsSeparator(c, BackslashSeparates(uri));

    private static bool IsSeparator(char c, bool backslashSeparates) => c == '/' || (c == '\\' && backslashSeparates);

    private static bool BackslashSeparates(string uri) => KindOf(uri) == ObjectUriKind.Local && IsWindowsStyle(uri);

    private static bool IsWindowsStyle(string path) =>
        OperatingSystem.IsWindows() || IsDriveLetterPath(path) || path.StartsWith(@"\\", StringComparison.Ordinal);

    private static char SeparatorFor(string uri)
    {
        if (KindOf(uri) != ObjectUriKind.Local || !IsWindowsStyle(uri)) return '/';
        int last = uri.AsSpan().LastIndexOfAny('/', '\\');
        return last >= 0 ? uri[last] : Path.DirectorySeparatorChar;
    }

    /// <summary>The length of the scheme (before <c>:</c>), or 0 for a plain path. One letter is a drive, not a scheme.</summary>
    private static int SchemeLength(string uri)
    {
        int colon = uri.IndexOf(':');
        if (colon < 2 || !char.IsAsciiLetter(uri[0])) return 0;
        for (int i = 1; i < colon; i++)
        {
            char c = uri[i];
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('+' or '-' or '.')) return 0;
        }
        return colon;
    }

    private static bool IsS3Scheme(ReadOnlySpan<char> scheme) =>
        scheme.Equals("s3", StringComparison.OrdinalIgnoreCase) || scheme.Equals("s3n", StringComparison.OrdinalIgnoreCase)
        || scheme.Equals("s3a", StringComparison.OrdinalIgnoreCase);

    private static bool IsDriveLetter(ReadOnlySpan<char> path) => path.Length >= 2 && char.IsAsciiLetter(path[0]) && path[1] == ':';

    private static bool IsDriveLetterPath(ReadOnlySpan<char> path) => IsDriveLetter(path) && path.Length >= 3 && path[2] is '/' or '\\';

    private static bool IsDriveLetterPath(string path) => IsDriveLetterPath(path.AsSpan());

    private static NotSupportedException Unsupported(string uri) =>
        new($"'{uri}' has a scheme no object store handles: use s3:// (s3n://, s3a://), file:// or a local path.");

    /// <summary>UTF-16 in code point order: surrogates (D800-DFFF, code points above FFFF) sort after E000-FFFF.</summary>
    private sealed class CodePointComparer : IComparer<string>
    {
        public int Compare(string? x, string? y)
        {
            if (ReferenceEquals(x, y)) return 0;
            if (x is null) return -1;
            if (y is null) return 1;
            int length = Math.Min(x.Length, y.Length);
            for (int i = 0; i < length; i++)
            {
                char a = x[i], b = y[i];
                if (a != b) return Fix(a) - Fix(b);
            }
            return x.Length - y.Length;
        }

        private static int Fix(char c) => c >= 0xD800 ? (c >= 0xE000 ? c - 0x800 : c + 0x2000) : c;
    }
}
