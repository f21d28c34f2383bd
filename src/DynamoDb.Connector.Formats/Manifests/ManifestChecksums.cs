using DynamoDb.Connector.Formats.Uris;
using System.Security.Cryptography;

namespace DynamoDb.Connector.Formats.Manifests;

/// <summary>
/// The checksum files a native export writes beside its manifests (<c>manifest-summary.md5</c>,
/// <c>manifest-files.md5</c>, and <c>.checksum</c>, which the documentation names): each holds the hash of the
/// manifest beside it. A file that is there is checked; one that is not is no problem (older exports, copies). The
/// hash is read as what its length says: 16 bytes MD5, 32 bytes SHA-256, written as hex or base64; anything else is
/// a mismatch, never a guess.
/// </summary>
internal static class ManifestChecksums
{
    private static readonly string[] Manifests = [NativeExport.SummaryFileName, NativeExport.FilesFileName];
    private static readonly string[] Extensions = [".md5", ".checksum"];

    /// <summary>The mismatches between each manifest of the export in <paramref name="exportDirectoryUri"/> and the checksum files that are there.</summary>
    public static async Task<List<ManifestMismatch>> VerifyAsync(string exportDirectoryUri, Func<string, CancellationToken, Task<Stream>> openRead, CancellationToken cancellationToken)
    {
        var problems = new List<ManifestMismatch>();
        foreach (string manifest in Manifests)
        {
            string manifestUri = ObjectUri.Combine(exportDirectoryUri, manifest);
            byte[]? content = null;
            foreach (string extension in Extensions)
            {
                string checksumUri = ObjectUri.Combine(exportDirectoryUri, Path.GetFileNameWithoutExtension(manifest) + extension);
                if (await TryReadAllAsync(checksumUri, openRead, cancellationToken).ConfigureAwait(false) is not { } written)
                {
                    continue;
                }
                content ??= await TryReadAllAsync(manifestUri, openRead, cancellationToken).ConfigureAwait(false);
                if (content is null)
                {
                    problems.Add(new ManifestMismatch(manifestUri, "open", "the file its checksum is for", "no such file"));
                    break;
                }
                if (Check(System.Text.Encoding.ASCII.GetString(written).Trim(), content) is { } problem)
                {
                    problems.Add(new ManifestMismatch(manifestUri, Path.GetFileName(checksumUri), problem.Expected, problem.Actual));
                }
            }
        }
        return problems;
    }

    /// <summary>Null when <paramref name="written"/> is the hash of <paramref name="content"/>; else what was expected and found.</summary>
    internal static (string Expected, string Actual)? Check(string written, byte[] content)
    {
        byte[]? hash = Decode(written);
        if (hash is null || hash.Length is not (16 or 32))
        {
            return ("an MD5 or SHA-256 hash (hex or base64)", $"'{(written.Length > 60 ? written[..57] + "..." : written)}'");
        }
        byte[] actual = hash.Length == 16 ? MD5.HashData(content) : SHA256.HashData(content);
        return actual.AsSpan().SequenceEqual(hash) ? null : (written, $"{Convert.ToHexStringLower(actual)} ({(hash.Length == 16 ? "MD5" : "SHA-256")} of the file)");
    }

    private static byte[]? Decode(string text)
    {
        // A hash file may name the file after the hash ("<hex>  manifest-summary.json"), as md5sum writes it.
        int blank = text.IndexOfAny([' ', '\t']);
        if (blank > 0) text = text[..blank];
        if (text.Length is 32 or 64 && text.All(Uri.IsHexDigit))
        {
            return Convert.FromHexString(text);
        }
        var bytes = new byte[48];
        return Convert.TryFromBase64String(text, bytes, out int written) ? bytes[..written] : null;
    }

    private static async Task<byte[]?> TryReadAllAsync(string uri, Func<string, CancellationToken, Task<Stream>> openRead, CancellationToken cancellationToken)
    {
        Stream stream;
        try
        {
            stream = await openRead(uri, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        await using (stream.ConfigureAwait(false))
        {
            var copy = new MemoryStream();
            await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            return copy.ToArray();
        }
    }
}
