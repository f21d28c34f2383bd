using System.Text;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Tests.Lines;

namespace DynamoDb.Connector.Formats.Tests.Json;

[Collection(HeapMeasuringCollection.Name)]
public class LargeArrayTests
{
    private const int Items = 200_000;

    /// <summary>One pretty-printed element of a plain JSON array; the first opens the array, the last closes it.</summary>
    private static byte[] Element(long number) => Encoding.UTF8.GetBytes(
        $"{(number == 1 ? "[\n" : "")}  {{\n    \"pk\": \"user#{number}\",\n    \"n\": {number},\n    \"pad\": \"{new string('p', 900)}\"\n  }}{(number == Items ? "\n]\n" : ",\n")}");

    [Fact]
    public async Task ReadAsync_200kItemArrayGeneratedOnTheFly_ReadsEveryItemInBoundedMemory()
    {
        var source = new GeneratedLinesStream(Items, Element);
        await using var reader = ItemFiles.OpenReader(source, ItemFileFormat.Json);
        long count = 0, heapMidway = 0;
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);

        while (await reader.ReadAsync() is { } record)
        {
            count++;
            Assert.Equal($"user#{count}", record.Item["pk"].S);
            Assert.Equal(count.ToString(System.Globalization.CultureInfo.InvariantCulture), record.Item["n"].N);
            Assert.Equal(2 + ((count - 1) * 5), record.Line);
            if (count == Items / 2)
            {
                GC.Collect();
                heapMidway = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
            }
        }

        Assert.Equal(Items, count);
        Assert.Equal(0, reader.BadRecords);
        Assert.Equal(source.BytesProduced, reader.BytesRead);
        Assert.True(source.BytesProduced > 180_000_000, "the input is large");
        // Half the input (about 95 MB) has gone through by then; the reader keeps one buffer of 64 KiB.
        Assert.True(heapMidway < 40_000_000, $"heap growth after half the input: {heapMidway:N0} bytes");
    }
}
