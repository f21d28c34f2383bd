using System.Globalization;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.Tests.Infrastructure;
using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Tests.Import;

/// <summary>
/// Deletes that cannot be applied are set aside in their own files (<see cref="DeadLetter.DeletesFolder"/>), which import
/// again whole as ddb-json-incremental, exactly once across a crash and its rerun, like every other dead letter.
/// </summary>
public sealed class DeleteDeadLetterTests
{
    private const int Lines = 600;

    private static bool Bad(int line) => line % 10 == 0;

    private static string Pad { get; } = new('p', 150);

    /// <summary>
    /// A put of line <paramref name="line"/>'s key, or, where <paramref name="bad"/> says, a delete whose key is a number
    /// (the table's is a string), padded with blanks to the put's length: fixing a line keeps the file's size, and so the plan.
    /// </summary>
    private static string LineOf(int line, Func<int, bool> bad)
    {
        string put = $"{{\"NewImage\":{{\"pk\":{{\"S\":\"{ImportHarness.Key(0, line)}\"}},\"pad\":{{\"S\":\"{Pad}\"}}}}}}";
        return bad(line) ? string.Create(CultureInfo.InvariantCulture, $"{{\"Keys\":{{\"pk\":{{\"N\":\"{line}\"}}}}}}").PadRight(put.Length) : put;
    }

    private static ImportJobOptions Options(ImportHarness h) => h.PacedOptions(ItemFileFormat.DynamoDbJsonIncremental);

    /// <summary>The keys of the committed delete dead letters, every line a <c>{"Keys":...}</c> delete.</summary>
    private static async Task<List<string>> DeletedKeysAsync(ImportHarness h)
    {
        var keys = new List<string>();
        foreach (var file in h.DeadLetterFiles(DeadLetter.DeletesFolder, "*.jsonl"))
        {
            await using var reader = ItemFiles.OpenReader(File.OpenRead(file), ItemFileFormat.DynamoDbJsonIncremental, new ItemReaderOptions { SourceName = file });
            while (await reader.ReadAsync() is { } record)
            {
                Assert.Equal(RecordOperation.Delete, record.Operation);
                keys.Add(record.Item["pk"].N);
            }
        }
        return [.. keys.Order(StringComparer.Ordinal)];
    }

    private static List<string> Expected(long through = Lines) =>
        [.. Enumerable.Range(1, (int)through).Where(Bad).Select(i => i.ToString(CultureInfo.InvariantCulture)).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task DeletesThatCannotBeApplied_GoToTheirOwnFiles_WhichReadBackWholeAsDdbJsonIncremental()
    {
        using var h = new ImportHarness();
        h.WriteFile("changes.json", Enumerable.Range(1, Lines).Select(i => LineOf(i, Bad)));

        var result = await h.RunAsync(Options(h));

        Assert.Equal(Expected(), await DeletedKeysAsync(h));
        Assert.Empty(h.DeadLetters()); // none among the JSON lines a ddb-json import reads
        Assert.Equal(Expected().Count, result.ItemsDeadLettered);
        Assert.Equal(Lines - Expected().Count, h.Table.Items.Count);
    }

    [Fact]
    public async Task DeleteDeadLetters_CommittedButNotRecordedByAFailedCheckpoint_AreDiscardedOnRerun()
    {
        using var h = new ImportHarness();
        h.WriteFile("changes.json", Enumerable.Range(1, Lines).Select(i => LineOf(i, Bad)));
        var options = Options(h);

        var checkpoint = await h.FailTheThirdCheckpointAsync(options, DeadLetter.DeletesFolder, "*.jsonl");
        // Fixed after the crash: the lines the rerun reads again are good puts, so the chunk the checkpoint does not
        // record must go, or it would keep deletes of lines that are now imported.
        h.WriteFile("changes.json", Enumerable.Range(1, Lines).Select(i => LineOf(i, l => Bad(l) && l <= checkpoint.Line)));

        await h.RunAsync(options);

        Assert.Equal(Expected(through: checkpoint.Line), await DeletedKeysAsync(h));
        Assert.Equal(Lines - Expected(through: checkpoint.Line).Count, h.Table.Items.Count);
    }
}
