using DynamoDb.Connector.Storage;

namespace DynamoDb.Connector.Import;

/// <summary>
/// Keeps what a manifest lists inside the source it came with: on a local disk, inside the folder holding the
/// manifest (after <c>..</c> steps and a symbolic link to the file are resolved); in S3, inside the manifest's bucket;
/// never in another store. A manifest is data from wherever the source came from, and an entry such as
/// <c>../../../../etc/passwd</c> would otherwise make the import read any file the process can read and copy its
/// lines into dead letters. <see cref="ImportSourceOptions.AllowEntriesOutsideSource"/> lifts the rule.
/// </summary>
internal static class SourceScope
{
    private static StringComparison PathComparison =>
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>Throws unless <paramref name="resolved"/> is inside <paramref name="rootDirectory"/> (see the class).</summary>
    /// <param name="manifestUri">The manifest that lists the entry, named in the error.</param>
    /// <param name="rootDirectory">The folder the entries must stay in: the manifest's own.</param>
    /// <param name="entry">How the manifest names the entry ("entry 3 (../x.json)", "line 3 (data/x.json.gz)").</param>
    /// <param name="resolved">The entry's uri as the import would read it.</param>
    /// <exception cref="InvalidDataException">The entry is outside; the message names the manifest, the entry and the rule.</exception>
    public static void EnsureInside(string manifestUri, string rootDirectory, string entry, string resolved)
    {
        if (OutsideBecause(rootDirectory, resolved) is not { } why) return;
        throw new InvalidDataException(
            $"{manifestUri}: {entry} resolves to {resolved}, {why}. Entries must stay inside the source " +
            $"({(ObjectUri.KindOf(rootDirectory) == ObjectUriKind.S3 ? "the manifest's bucket" : "the folder holding the manifest")}, {rootDirectory}), " +
            "so a manifest cannot make the import read other files; nothing was read. If the entries are meant, allow them " +
            "(--allow-outside-source at the CLI, ImportSourceOptions.AllowEntriesOutsideSource in code).");
    }

    /// <summary>Why <paramref name="resolved"/> is outside <paramref name="rootDirectory"/>, or null when it is inside.</summary>
    private static string? OutsideBecause(string rootDirectory, string resolved)
    {
        var rootKind = ObjectUri.KindOf(rootDirectory);
        var kind = ObjectUri.KindOf(resolved);
        if (kind != rootKind)
        {
            return kind == ObjectUriKind.Local ? "a local file, while the manifest is in S3" : $"in another store than the manifest ({ObjectUri.SchemeOf(resolved) ?? "a local path"})";
        }
        if (kind == ObjectUriKind.S3)
        {
            string bucket = ObjectUri.ParseS3(rootDirectory).Bucket, entryBucket = ObjectUri.ParseS3(resolved).Bucket;
            return bucket == entryBucket ? null : $"in bucket {entryBucket}, not the manifest's bucket {bucket}";
        }
        string root = Path.GetFullPath(ObjectUri.ToLocalPath(ObjectUri.AsDirectory(rootDirectory)));
        if (!Path.EndsInDirectorySeparator(root)) root += Path.DirectorySeparatorChar;
        string path = Path.GetFullPath(ObjectUri.ToLocalPath(resolved));
        if (!path.StartsWith(root, PathComparison)) return $"which is {path}, outside {root}";
        // A link inside the folder may still point anywhere: its target decides.
        if (new FileInfo(path) is { LinkTarget: not null } link && link.ResolveLinkTarget(returnFinalTarget: true) is { } target
            && !target.FullName.StartsWith(root, PathComparison))
        {
            return $"a symbolic link to {target.FullName}, outside {root}";
        }
        return null;
    }
}
