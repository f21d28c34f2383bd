using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Import;

/// <summary>
/// Holds up to <c>window</c> records and releases a random one for each new record once full, so records sorted by
/// partition key come out interleaved: a sorted load then spreads over partitions instead of rolling from one hot
/// partition to the next. Two records of one key never swap: a record whose key is held releases the held one (the
/// earlier) and takes its place, so the writes of one key keep their input order.
/// </summary>
/// <param name="window">The records held at most.</param>
/// <param name="random">The order of release.</param>
/// <param name="keyOf">The key of a record, null for a record without a valid key (which the writer sets aside); none: no two records share a key.</param>
internal sealed class ShuffleBuffer<T>(int window, Random random, Func<T, ItemKey?>? keyOf = null)
{
    private readonly List<T> _held = new(Math.Min(window, 4096));
    private readonly List<ItemKey?> _keys = new(Math.Min(window, 4096));
    private readonly Dictionary<ItemKey, int> _slotOf = [];

    /// <summary>Takes <paramref name="item"/>; returns true with a record to send once the window is full, or at once when the key is held.</summary>
    public bool Add(T item, out T released)
    {
        var key = keyOf?.Invoke(item);
        if (key is { } held && _slotOf.TryGetValue(held, out int slot))
        {
            released = _held[slot];
            _held[slot] = item;
            return true;
        }
        if (_held.Count < window)
        {
            if (key is { } added) _slotOf[added] = _held.Count;
            _held.Add(item);
            _keys.Add(key);
            released = default!;
            return false;
        }
        int index = random.Next(_held.Count);
        released = _held[index];
        if (_keys[index] is { } gone) _slotOf.Remove(gone);
        _held[index] = item;
        _keys[index] = key;
        if (key is { } kept) _slotOf[kept] = index;
        return true;
    }

    /// <summary>Releases everything held, in random order (what is held has no key twice).</summary>
    public List<T> Drain()
    {
        var all = new List<T>(_held);
        _held.Clear();
        _keys.Clear();
        _slotOf.Clear();
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(all));
        return all;
    }
}
