namespace DynamoDb.Connector.Formats.Manifests;

/// <summary>
/// Pure string logic over object uris (<c>s3://bucket/key</c>, <c>file:///path</c>, plain paths): directories,
/// joining and relative paths. No I/O. Separators are '/' (a plain path may also use '\').
/// </summary>
internal static class ObjectUris
{
    /// <summary>The length of the part that ".." never climbs above: <c>s3://bucket/</c>, <c>file:///</c>, <c>/</c>, <c>C:\</c>, or nothing.</summary>
    public static int RootLength(string uri)
    {
        int scheme = uri.IndexOf("://", StringComparison.Ordinal);
        if (scheme > 0)
        {
            int slash = uri.IndexOf('/', scheme + 3);
            return slash < 0 ? uri.Length : slash + 1;
        }
        if (uri.Length >= 3 && char.IsAsciiLetter(uri[0]) && uri[1] == ':' && uri[2] is '/' or '\\')
        {
            return 3;
        }
        return uri.Length > 0 && uri[0] is '/' or '\\' ? 1 : 0;
    }

    /// <summary>The directory holding <paramref name="uri"/>, ending with its separator ("" for a bare name).</summary>
    public static string DirectoryOf(string uri)
    {
        int root = RootLength(uri);
        int last = LastSeparator(uri, uri.Length - 1);
        return last < root - 1 ? uri[..root] : uri[..(last + 1)];
    }

    /// <summary><paramref name="directory"/> as a directory: with a trailing separator unless empty.</summary>
    public static string AsDirectory(string directory) =>
        directory.Length == 0 || directory[^1] is '/' or '\\' ? directory : directory + "/";

    /// <summary>Joins a '/'-separated relative path (leading "../" steps allowed) to a directory.</summary>
    /// <exception cref="FormatException">The path climbs above the directory's root.</exception>
    public static string Join(string directory, string relative)
    {
        string dir = AsDirectory(directory);
        int root = RootLength(dir);
        while (relative.StartsWith("../", StringComparison.Ordinal))
        {
            if (dir.Length <= root)
            {
                throw new FormatException($"'{relative}' climbs above the root of '{directory}'.");
            }
            int parent = LastSeparator(dir, dir.Length - 2);
            dir = parent < root - 1 ? dir[..root] : dir[..(parent + 1)];
            relative = relative[3..];
        }
        return dir + relative;
    }

    /// <summary>The path of <paramref name="key"/> relative to <paramref name="directory"/> ('/'-separated, with "../" steps where needed).</summary>
    public static string Relative(string directory, string key)
    {
        var dirParts = AsDirectory(directory).Split('/', StringSplitOptions.RemoveEmptyEntries);
        var keyParts = key.Split('/');
        int common = 0;
        while (common < dirParts.Length && common < keyParts.Length - 1 && dirParts[common] == keyParts[common])
        {
            common++;
        }
        var steps = Enumerable.Repeat("..", dirParts.Length - common).Concat(keyParts.Skip(common));
        return string.Join('/', steps);
    }

    /// <summary>The longest directory (ending with '/') that holds every uri; "" when all are bare names; null when they share none (or there are none).</summary>
    public static string? CommonDirectory(IEnumerable<string> uris)
    {
        string? common = null;
        foreach (var uri in uris)
        {
            string dir = DirectoryOf(uri);
            if (common is null)
            {
                common = dir;
                continue;
            }
            int length = 0, max = Math.Min(common.Length, dir.Length);
            while (length < max && common[length] == dir[length]) length++;
            common = DirectoryOf(common[..length] + "x"); // cut back to the last separator both share
        }
        // "s3://" alone (two buckets) is no directory; "" (bare names only) is the current one.
        return common is null || (common.Length > 0 && common[^1] is not ('/' or '\\')) ? null : common;
    }

    private static int LastSeparator(string uri, int from) =>
        from < 0 ? -1 : uri.AsSpan(0, from + 1).LastIndexOfAny('/', '\\');
}
