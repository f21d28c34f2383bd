namespace DynamoDb.Connector.Import;

/// <summary>
/// Holds up to <c>window</c> records and releases a random one for each new record once full, so records sorted by
/// partition key come out interleaved: a sorted load then spreads over partitions instead of rolling from one hot
/// partition to the next.
/// </summary>
internal sealed class ShuffleBuffer<T>(int window, Random random)
{
    private readonly List<T> _held = new(Math.Min(window, 4096));

    /// <summary>Takes <paramref name="item"/>; returns true with a record to send once the window is full.</summary>
    public bool Add(T item, out T released)
    {
        if (_held.Count < window)
        {
            _held.Add(item);
            released = default!;
            return false;
        }
        int index = random.Next(_held.Count);
        released = _held[index];
        _held[index] = item;
        return true;
    }

    /// <summary>Releases everything held, in random order.</summary>
    public List<T> Drain()
    {
        var all = new List<T>(_held);
        _held.Clear();
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(all));
        return all;
    }
}
