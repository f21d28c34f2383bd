using System.Text;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Formats.Tests.Lines;

/// <summary>
/// Measures the heap, which is the whole process's: in a collection that runs alone, so the other tests' data (some
/// build files of many megabytes) is not counted as the reader's.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeapMeasuringCollection
{
    public const string Name = "heap measuring (not parallel)";
}

[Collection(HeapMeasuringCollection.Name)]
public class LargeFileTests
{
    private const int Lines = 200_000;

    private static byte[] Line(long number) => Encoding.UTF8.GetBytes(
        $"{{\"pk\":{{\"s\":\"user#{number}\"}},\"n\":{{\"n\":\"{number}\"}},\"pad\":{{\"s\":\"{new string('p', 900)}\"}}}}\n");

    [Fact]
    public async Task ReadAsync_200kLinesGeneratedOnTheFly_ReadsEveryLineInBoundedMemory()
    {
        var source = new GeneratedLinesStream(Lines, Line);
        await using var reader = ItemFiles.OpenReader(source, ItemFileFormat.DataPipeline);
        long count = 0, heapMidway = 0;
        // What earlier tests left on the heap is not the reader's: count the growth from here.
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);

        while (await reader.ReadAsync() is { } record)
        {
            count++;
            Assert.Equal(count, record.Line);
            Assert.Equal($"user#{count}", record.Item["pk"].S);
            if (count == Lines / 2)
            {
                GC.Collect();
                heapMidway = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
            }
        }

        Assert.Equal(Lines, count);
        Assert.Equal(source.BytesProduced, reader.BytesRead);
        Assert.True(source.BytesProduced > 180_000_000, "the input is large");
        // Half the input (about 95 MB) has gone through by then; the reader keeps one line buffer of 64 KiB.
        Assert.True(heapMidway < 40_000_000, $"heap growth after half the input: {heapMidway:N0} bytes");
    }
}
