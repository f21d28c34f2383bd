using System.Buffers;
using System.IO.Compression;
using System.Security.Cryptography;
using DynamoDb.Connector.Formats.Streams;

namespace DynamoDb.Connector.Formats.Manifests;

/// <summary>One way a data file differs from what its manifest says.</summary>
/// <param name="File">The data file's uri (or the summary manifest's name for the total).</param>
/// <param name="Check">What differs: <c>open</c>, <c>decompress</c>, <c>md5</c>, <c>sha256</c>, <c>bytes</c>, <c>itemCount</c> or <c>itemCount (total)</c>.</param>
/// <param name="Expected">What the manifest says.</param>
/// <param name="Actual">What the file holds (or the error met reading it).</param>
public sealed record ManifestMismatch(string File, string Check, string Expected, string Actual)
{
    /// <summary>Formats the mismatch as <c>file: check: expected X, found Y</c>.</summary>
    public override string ToString() => $"{File}: {Check}: expected {Expected}, found {Actual}";
}

/// <summary>What reading one data file found.</summary>
/// <param name="Uri">The file's uri.</param>
/// <param name="Bytes">Its size as stored.</param>
/// <param name="Items">Its items: non-blank lines of the decompressed data (null when it could not be read to the end).</param>
/// <param name="Md5">Base64 MD5 of the bytes as stored, when that was checked (native exports).</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the bytes as stored, when that was checked (EMR manifest entries with <c>sha256</c>).</param>
public sealed record VerifiedFile(string Uri, long Bytes, long? Items, string? Md5, string? Sha256);

/// <summary>The result of verifying an export against its manifest: every mismatch, not only the first.</summary>
public sealed class ManifestVerification
{
    internal ManifestVerification(IReadOnlyList<VerifiedFile> files, IReadOnlyList<ManifestMismatch> mismatches)
    {
        Files = files;
        Mismatches = mismatches;
        TotalItems = files.Sum(f => f.Items ?? 0);
        TotalBytes = files.Sum(f => f.Bytes);
    }

    /// <summary>Every file read, in manifest order.</summary>
    public IReadOnlyList<VerifiedFile> Files { get; }

    /// <summary>Every difference found, in manifest order (the total last). Empty when the export is intact.</summary>
    public IReadOnlyList<ManifestMismatch> Mismatches { get; }

    /// <summary>Items counted over all files.</summary>
    public long TotalItems { get; }

    /// <summary>Bytes read over all files (as stored).</summary>
    public long TotalBytes { get; }

    /// <summary>Whether every file and the total match the manifest.</summary>
    public bool IsValid => Mismatches.Count == 0;
}

/// <summary>
/// Checks an export's data files against its manifest: each file is read once, its stored bytes hashed while they are
/// decompressed (gzip or zstd, detected by magic bytes; anything else is read as is) and its lines counted, in
/// bounded memory. Problems are collected, not thrown: a missing or corrupt file is a mismatch like any other.
/// </summary>
public static class ManifestVerifier
{
    /// <summary>
    /// Verifies a native export: each file's MD5 against <see cref="NativeExportDataFile.Md5Checksum"/>, its item
    /// count against <see cref="NativeExportDataFile.ItemCount"/>, and the total against
    /// <see cref="NativeExportSummary.ItemCount"/> (when present); and, when <paramref name="exportDirectoryUri"/> is
    /// given, <c>manifest-summary.json</c> and <c>manifest-files.json</c> against the <c>.md5</c> and <c>.checksum</c>
    /// files beside them, where those exist.
    /// </summary>
    /// <param name="summary">The export's <c>manifest-summary.json</c>.</param>
    /// <param name="files">The lines of <c>manifest-files.json</c>.</param>
    /// <param name="exportDirectoryUri">The export folder's actual location, or null to read files where the export wrote them (see <see cref="NativeExportSummary.ResolveDataFileUri"/>).</param>
    /// <param name="openRead">Opens a data file's stored bytes by uri (the caller's object store).</param>
    /// <param name="maxParallelism">Files read at once; default 1, valid 1 to 256.</param>
    /// <param name="cancellationToken">Cancels the verification (then it throws; a partial result is never returned).</param>
    public static async Task<ManifestVerification> VerifyAsync(
        NativeExportSummary summary,
        IReadOnlyList<NativeExportDataFile> files,
        string? exportDirectoryUri,
        Func<string, CancellationToken, Task<Stream>> openRead,
        int maxParallelism = 1,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(files);
        var targets = files.Select(f => new Target(summary.ResolveDataFileUri(f.DataFileS3Key, exportDirectoryUri), f.ItemCount, null, f.Md5Checksum, null)).ToList();
        var (verified, mismatches) = await VerifyFilesAsync(targets, openRead, maxParallelism, cancellationToken).ConfigureAwait(false);
        if (exportDirectoryUri is not null)
        {
            mismatches.InsertRange(0, await ManifestChecksums.VerifyAsync(exportDirectoryUri, openRead, cancellationToken).ConfigureAwait(false));
        }
        var result = new ManifestVerification(verified, mismatches);
        if (summary.ItemCount is { } total && total != result.TotalItems)
        {
            mismatches.Add(new ManifestMismatch(NativeExport.SummaryFileName, "itemCount (total)", Count(total), Count(result.TotalItems)));
        }
        return result;
    }

    /// <summary>
    /// Verifies an EMR export manifest's entries: each file is read (a missing or unreadable file is a mismatch) and
    /// checked against the optional <see cref="ExportManifestEntry.ItemCount"/>, <see cref="ExportManifestEntry.Bytes"/>
    /// and <see cref="ExportManifestEntry.Sha256"/> it carries. Use <see cref="ExportManifest.RelativeTo"/> first for a
    /// copied export.
    /// </summary>
    /// <param name="manifest">The manifest.</param>
    /// <param name="openRead">Opens a data file's stored bytes by uri.</param>
    /// <param name="maxParallelism">Files read at once; default 1, valid 1 to 256.</param>
    /// <param name="cancellationToken">Cancels the verification.</param>
    public static async Task<ManifestVerification> VerifyAsync(
        ExportManifest manifest,
        Func<string, CancellationToken, Task<Stream>> openRead,
        int maxParallelism = 1,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var targets = manifest.Entries.Select(e => new Target(e.Url, e.ItemCount, e.Bytes, null, e.Sha256)).ToList();
        var (verified, mismatches) = await VerifyFilesAsync(targets, openRead, maxParallelism, cancellationToken).ConfigureAwait(false);
        return new ManifestVerification(verified, mismatches);
    }

    private sealed record Target(string Uri, long? Items, long? Bytes, string? Md5, string? Sha256);

    private static async Task<(VerifiedFile[] Files, List<ManifestMismatch> Mismatches)> VerifyFilesAsync(
        List<Target> targets, Func<string, CancellationToken, Task<Stream>> openRead, int maxParallelism, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(openRead);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxParallelism, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxParallelism, 256);
        var files = new VerifiedFile[targets.Count];
        var problems = new List<ManifestMismatch>[targets.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, targets.Count),
            new ParallelOptions { MaxDegreeOfParallelism = maxParallelism, CancellationToken = cancellationToken },
            async (i, token) => (files[i], problems[i]) = await VerifyFileAsync(targets[i], openRead, token).ConfigureAwait(false)).ConfigureAwait(false);
        return (files, problems.SelectMany(p => p).ToList());
    }

    /// <summary>Why a listed file could not be opened, in plain words (not the exception's type name).</summary>
    internal static string CannotOpen(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "the file does not exist",
        UnauthorizedAccessException => $"access to the file is denied ({e.Message.TrimEnd('.')})",
        _ => e.Message,
    };

    private static async Task<(VerifiedFile, List<ManifestMismatch>)> VerifyFileAsync(Target target, Func<string, CancellationToken, Task<Stream>> openRead, CancellationToken cancellationToken)
    {
        var problems = new List<ManifestMismatch>();
        Stream stored;
        try
        {
            stored = await openRead(target.Uri, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            problems.Add(new ManifestMismatch(target.Uri, "open", "a readable file", CannotOpen(e)));
            return (new VerifiedFile(target.Uri, 0, null, null, null), problems);
        }
        long? items = null;
        string? md5 = null, sha256 = null;
        long bytes;
        await using (stored.ConfigureAwait(false))
        {
            using var tee = new HashingReadStream(stored, target.Md5 is not null, target.Sha256 is not null);
            try
            {
                items = await CountLinesAsync(tee, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidDataException or ZstdSharp.ZstdException)
            {
                problems.Add(new ManifestMismatch(target.Uri, "decompress", "readable compressed data", e.Message));
            }
            catch (IOException e)
            {
                problems.Add(new ManifestMismatch(target.Uri, "read", "a readable file", e.Message));
                return (new VerifiedFile(target.Uri, tee.BytesRead, null, null, null), problems);
            }
            // The hash covers every stored byte, also those after the end of the compressed data.
            await tee.DrainAsync(cancellationToken).ConfigureAwait(false);
            bytes = tee.BytesRead;
            if (tee.Md5 is { } md5Bytes) md5 = Convert.ToBase64String(md5Bytes);
            if (tee.Sha256 is { } shaBytes) sha256 = Convert.ToHexStringLower(shaBytes);
        }
        if (target.Bytes is { } expectedBytes && expectedBytes != bytes)
        {
            problems.Add(new ManifestMismatch(target.Uri, "bytes", Count(expectedBytes), Count(bytes)));
        }
        if (target.Md5 is { } expectedMd5 && !string.Equals(expectedMd5, md5, StringComparison.Ordinal))
        {
            problems.Add(new ManifestMismatch(target.Uri, "md5", expectedMd5, md5!));
        }
        if (target.Sha256 is { } expectedSha && !string.Equals(expectedSha, sha256, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(new ManifestMismatch(target.Uri, "sha256", expectedSha, sha256!));
        }
        if (target.Items is { } expectedItems && items is { } actualItems && expectedItems != actualItems)
        {
            problems.Add(new ManifestMismatch(target.Uri, "itemCount", Count(expectedItems), Count(actualItems)));
        }
        return (new VerifiedFile(target.Uri, bytes, items, md5, sha256), problems);
    }

    /// <summary>Counts the non-blank lines of the decompressed data.</summary>
    private static async Task<long> CountLinesAsync(HashingReadStream stored, CancellationToken cancellationToken)
    {
        var head = await stored.PeekAsync(4, cancellationToken).ConfigureAwait(false);
        await using Stream data = head.Span switch
        {
            [0x1F, 0x8B, ..] => new GZipStream(stored, CompressionMode.Decompress, leaveOpen: true),
            [0x28, 0xB5, 0x2F, 0xFD] => new ZstdSharp.DecompressionStream(stored, leaveOpen: true),
            _ => new NonClosingStream(stored),
        };
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            long lines = 0;
            bool content = false;
            int read;
            while ((read = await data.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                var span = buffer.AsSpan(0, read);
                while (!span.IsEmpty)
                {
                    int newline = span.IndexOf((byte)'\n');
                    var segment = newline < 0 ? span : span[..newline];
                    content |= segment.IndexOfAnyExcept(" \t\r"u8) >= 0;
                    if (newline < 0)
                    {
                        break;
                    }
                    if (content) lines++;
                    content = false;
                    span = span[(newline + 1)..];
                }
            }
            return content ? lines + 1 : lines;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string Count(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A read-only view that leaves the stream under it open when disposed.</summary>
    private sealed class NonClosingStream(Stream inner) : ReadOnlyStream
    {
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
    }
}
