using DynamoDb.Connector.Formats.Csv;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.Tests.Infrastructure;
using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Tests.Import;

public sealed class CsvDeadLetterTests
{
    private const int Rows = 600;

    private static bool Bad(int row) => row % 10 == 0;

    private static ImportHarness Setup()
    {
        var h = new ImportHarness();
        h.WriteFile("a.csv", ["pk;n;pad", .. Enumerable.Range(1, Rows).Select(i => $"{ImportHarness.Key(0, i)};{(Bad(i) ? "x" : i)};{new string('p', 150)}")]);
        return h;
    }

    private static ImportJobOptions Options(ImportHarness h) =>
        h.PacedOptions(ItemFileFormat.Csv, o => o.Source.Csv = new CsvSchema { Delimiter = ';', Columns = [new("n", AttributeKind.N)] });

    /// <summary>The rows of the committed CSV dead-letter files, each file's header checked.</summary>
    private static List<string> CsvRows(ImportHarness h)
    {
        var rows = new List<string>();
        foreach (var file in h.DeadLetterFiles(DeadLetter.CsvFolder, "*.csv"))
        {
            var lines = File.ReadAllLines(file);
            Assert.Equal("pk;n;pad", lines[0]);
            rows.AddRange(lines.Skip(1));
        }
        return rows;
    }

    private static IEnumerable<string> Expected(long through = Rows) =>
        Enumerable.Range(1, (int)through).Where(Bad).Select(i => $"{ImportHarness.Key(0, i)};x;{new string('p', 150)}");

    [Fact]
    public async Task BadCsvRecords_GoToCsvFilesUnderTheirHeader_NotToTheJsonLines()
    {
        using var h = Setup();

        var result = await h.RunAsync(Options(h));

        Assert.Equal(Expected(), CsvRows(h).Order(StringComparer.Ordinal));
        Assert.Empty(h.DeadLetters());
        Assert.Equal(Expected().Count(), result.BadLines);
        Assert.Equal(Rows - Expected().Count(), h.Table.Items.Count);
    }

    [Fact]
    public async Task CsvDeadLetters_CommittedButNotRecordedByAFailedCheckpoint_AreDiscardedOnRerun()
    {
        using var h = Setup();
        var options = Options(h);

        var checkpoint = await h.FailTheThirdCheckpointAsync(options, DeadLetter.CsvFolder, "*.csv");
        // Fixed in place (same length) after the crash: the rows the rerun reads again are good, so the chunk the
        // checkpoint does not record must go, or it would set aside rows that are now imported.
        h.WriteFile("a.csv", ["pk;n;pad", .. Enumerable.Range(1, Rows).Select(i => $"{ImportHarness.Key(0, i)};{(Bad(i) && i <= checkpoint.Line - 1 ? "x" : Bad(i) ? "0" : i)};{new string('p', 150)}")]);

        await h.RunAsync(options);

        Assert.Equal(Expected(through: checkpoint.Line - 1), CsvRows(h).Order(StringComparer.Ordinal));
        Assert.Equal(Rows - Expected(through: checkpoint.Line - 1).Count(), h.Table.Items.Count);
    }
}
