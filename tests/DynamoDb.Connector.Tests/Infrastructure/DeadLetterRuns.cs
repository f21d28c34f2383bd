using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.Tests.Import;

namespace DynamoDb.Connector.Tests.Infrastructure;

/// <summary>
/// The runs that the tests of an import's dead-letter files share (on <see cref="ImportHarness"/>): paced so that
/// split checkpoints come every few hundred lines, and a first run that stops where its third checkpoint fails to
/// commit, after the dead letters that checkpoint would record are committed, so the rerun must discard them.
/// </summary>
internal static class DeadLetterRuns
{
    /// <summary>Options for the harness's input in <paramref name="format"/>, at 100 WCU/s with 2 batches in flight.</summary>
    public static ImportJobOptions PacedOptions(this ImportHarness h, ItemFileFormat format, Action<ImportJobOptions>? configure = null) => h.Options(h.Input, o =>
    {
        o.Source.Format = format;
        o.Writer.Throughput.WriteUnitsPerSecond = 100;
        o.Writer.MaxBatchesInFlight = 2;
        configure?.Invoke(o);
    });

    /// <summary>
    /// Runs <paramref name="options"/> until the third checkpoint of split 0 fails to commit (an <see cref="IOException"/>),
    /// and returns the checkpoint that stands: it records 2 dead-letter chunks, while 3 files matching
    /// <paramref name="pattern"/> are committed in <paramref name="folder"/> (the third, committed before its checkpoint failed).
    /// </summary>
    public static async Task<Checkpoint> FailTheThirdCheckpointAsync(this ImportHarness h, ImportJobOptions options, string folder, string pattern)
    {
        int checkpoints = 0;
        h.Store.FailCommit = uri => uri.Contains("/splits/", StringComparison.Ordinal) && ++checkpoints == 3;

        await Assert.ThrowsAsync<IOException>(() => h.RunAsync(options));
        var checkpoint = h.CheckpointOf(0)!;
        Assert.Equal(2, checkpoint.DeadLetterChunks);
        Assert.Equal(3, h.DeadLetterFiles(folder, pattern).Length);
        h.Store.FailCommit = null;
        return checkpoint;
    }

    /// <summary>
    /// The committed dead-letter files matching <paramref name="pattern"/> in <paramref name="folder"/> (a folder of the
    /// dead letters, such as <see cref="Writing.DeadLetter.CsvFolder"/>), in name order; none when there is no such folder.
    /// </summary>
    public static string[] DeadLetterFiles(this ImportHarness h, string folder, string pattern)
    {
        string path = Path.Combine(h.DeadLetterFolder, folder);
        return Directory.Exists(path) ? [.. Directory.GetFiles(path, pattern).Order(StringComparer.Ordinal)] : [];
    }
}
