using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Parquet;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.Storage;

namespace DynamoDb.Connector.Tests.Import;

/// <summary>Parquet files planned by row groups and read from a position: splits are ranges of row groups, a position is a row.</summary>
public sealed class ParquetSplitTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("parquet-split-");
    private readonly ImportInputFormat _input = new([new LocalFileObjectStore()]);

    public void Dispose() => _directory.Delete(recursive: true);

    /// <summary>A Parquet file of <paramref name="rows"/> items in row groups of <paramref name="rowGroupRows"/>.</summary>
    private async Task<string> WriteAsync(int rows, int rowGroupRows)
    {
        string path = Path.Combine(_directory.FullName, "items.parquet");
        await using (var writer = ParquetFiles.OpenWriter(File.Create(path), new ParquetWriterOptions { RowGroupRows = rowGroupRows }))
        {
            for (int i = 1; i <= rows; i++)
            {
                await writer.WriteAsync(new ItemRecord(new Dictionary<string, AttributeValue> { ["pk"] = new() { S = $"k{i}" }, ["pad"] = new() { S = $"{Guid.NewGuid()}{Guid.NewGuid()}{Guid.NewGuid()}" } }, 0));
            }
            await writer.CompleteAsync();
        }
        return path;
    }

    private static async Task<List<ImportRecord>> ReadAllAsync(ImportSplitReader reader)
    {
        var records = new List<ImportRecord>();
        await using (reader)
        {
            await foreach (var record in reader.ReadAsync()) records.Add(record);
        }
        return records;
    }

    [Fact]
    public async Task Plan_ParquetFileLargerThanASplit_CutsItByRowGroups_AndTheSplitsReadEveryRowOnce()
    {
        string path = await WriteAsync(rows: 3500, rowGroupRows: 1000); // row groups of about 100 KiB

        var plan = await _input.PlanAsync(new ImportSourceOptions { Source = path, TargetSplitBytes = 64 * 1024 });
        var lines = new List<long>();
        foreach (var split in plan.Splits)
        {
            var records = await ReadAllAsync(await _input.OpenAsync(split, ImportReadOptions.For(plan)));
            lines.AddRange(records.Select(r => r.Line));
        }

        Assert.Equal(ItemFileFormat.Parquet, plan.Format);
        Assert.Equal(4, plan.Splits.Count);
        Assert.Equal(Enumerable.Range(1, 3500).Select(i => (long)i), lines);
    }

    [Fact]
    public async Task Plan_SmallParquetFile_IsOneSplit()
    {
        string path = await WriteAsync(rows: 10, rowGroupRows: 3);

        var plan = await _input.PlanAsync(new ImportSourceOptions { Source = path });

        Assert.Single(plan.Splits);
        Assert.True(plan.Splits[0].Files[0].IsWholeFile);
    }

    [Fact]
    public async Task Read_FromAPosition_ResumesAtItsRowGroup_WithoutReadingTheOnesBefore()
    {
        string path = await WriteAsync(rows: 3500, rowGroupRows: 1000);
        var plan = await _input.PlanAsync(new ImportSourceOptions { Source = path });
        var split = plan.Splits[0];

        var reader = await _input.OpenAsync(split, ImportReadOptions.For(plan), new ImportPosition(0, 3001));
        long fileBytes = split.Bytes;
        var records = await ReadAllAsync(reader);

        Assert.Equal(Enumerable.Range(3002, 499).Select(i => $"k{i}"), records.Select(r => r.Record!.Item["pk"].S));
        Assert.Equal(new ImportPosition(0, 3002), records[0].Next);
        Assert.True(reader.BytesRead < fileBytes / 2, $"read {reader.BytesRead} of {fileBytes} bytes"); // the last row group and footers only
    }

    [Fact]
    public async Task Plan_ParquetFileGivenAsAnotherFormat_IsRefused()
    {
        string path = await WriteAsync(rows: 2, rowGroupRows: 3);

        var error = await Assert.ThrowsAsync<FormatRefusedException>(() => _input.PlanAsync(new ImportSourceOptions { Source = path, Format = ItemFileFormat.Csv }));

        Assert.Contains("it is a Parquet file", error.Message, StringComparison.Ordinal);
        Assert.Contains("--format parquet", error.Message, StringComparison.Ordinal);
    }
}
