using DynamoDb.Connector.Import;

namespace DynamoDb.Connector.Tests.Import;

public sealed class ShuffleBufferTests
{
    private static List<int> Run(int window, int count, int seed, out int releasedBeforeDrain)
    {
        var buffer = new ShuffleBuffer<int>(window, new Random(seed));
        var output = new List<int>();
        for (int i = 0; i < count; i++)
        {
            if (buffer.Add(i, out var released)) output.Add(released);
        }
        releasedBeforeDrain = output.Count;
        output.AddRange(buffer.Drain());
        return output;
    }

    [Theory]
    [InlineData(1, 100)]
    [InlineData(10, 100)]
    [InlineData(100, 100)]
    [InlineData(1000, 100)]
    public void EveryItem_ComesOutExactlyOnce(int window, int count)
    {
        var output = Run(window, count, seed: 3, out int released);

        Assert.Equal(Enumerable.Range(0, count), output.Order());
        Assert.Equal(Math.Max(0, count - window), released);
    }

    [Fact]
    public void Add_HoldsUntilTheWindowIsFull_ThenReleasesOneForEach()
    {
        var buffer = new ShuffleBuffer<int>(3, new Random(1));

        Assert.False(buffer.Add(0, out _));
        Assert.False(buffer.Add(1, out _));
        Assert.False(buffer.Add(2, out _));
        Assert.True(buffer.Add(3, out int released));
        Assert.InRange(released, 0, 2);
        Assert.Equal(3, buffer.Drain().Count);
        Assert.Empty(buffer.Drain());
    }

    [Fact]
    public void SortedInput_ComesOutOfOrder_TheSameForTheSameSeed()
    {
        var first = Run(50, 1000, seed: 11, out _);
        var again = Run(50, 1000, seed: 11, out _);
        var other = Run(50, 1000, seed: 12, out _);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.NotEqual(Enumerable.Range(0, 1000), first);
        // Interleaved, not shifted: most neighbours in the output were not neighbours in the input.
        int adjacent = first.Zip(first.Skip(1)).Count(p => Math.Abs(p.First - p.Second) == 1);
        Assert.True(adjacent < 100, $"{adjacent} neighbours kept");
    }

    [Fact]
    public void Drain_ReleasesInRandomOrder()
    {
        var buffer = new ShuffleBuffer<int>(100, new Random(5));
        for (int i = 0; i < 100; i++) buffer.Add(i, out _);

        var drained = buffer.Drain();

        Assert.Equal(Enumerable.Range(0, 100), drained.Order());
        Assert.NotEqual(Enumerable.Range(0, 100), drained);
    }

    [Fact]
    public void RecordsOfOneKey_KeepTheirInputOrder_WhileOthersAreShuffled()
    {
        var keys = new Formats.Items.KeySchema(new Formats.Items.KeyAttribute("pk", Formats.Items.KeyType.S));
        // 2,000 writes of 40 keys, each key written 50 times: record i is version i / 40 of key i % 40.
        var buffer = new ShuffleBuffer<(string Key, int Version)>(64, new Random(7), r => DynamoDb.Connector.Writing.ItemKey.Of(new Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue> { ["pk"] = new() { S = r.Key } }, keys));
        var output = new List<(string Key, int Version)>();
        for (int i = 0; i < 2000; i++)
        {
            if (buffer.Add(($"k{i % 40}", i / 40), out var released)) output.Add(released);
        }
        output.AddRange(buffer.Drain());

        Assert.Equal(2000, output.Count);
        foreach (var versions in output.GroupBy(r => r.Key, r => r.Version))
        {
            Assert.Equal(Enumerable.Range(0, 50), versions); // in order, each once
        }
        Assert.NotEqual(Enumerable.Range(0, 2000).Select(i => $"k{i % 40}"), output.Select(r => r.Key)); // and still shuffled
    }
}
