using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Writing;

/// <summary>
/// One accepted write: what to send, what it costs, where it came from, and how its attempts went. A put read as wire
/// bytes (<see cref="Encoded"/>) is sent as those bytes; its dictionary is built only if something asks for it.
/// </summary>
internal sealed class WriteEntry(
    Dictionary<string, AttributeValue>? original,
    Dictionary<string, AttributeValue>? payload,
    EncodedItem? encoded,
    RecordOperation operation,
    ItemKey key,
    int writeUnits,
    int wireBytes,
    string? source,
    long line)
{
    private Dictionary<string, AttributeValue>? _original = original;

    /// <summary>A write of a dictionary: the item as given and the item to put (or the key to delete).</summary>
    public WriteEntry(Dictionary<string, AttributeValue> original, Dictionary<string, AttributeValue> payload, RecordOperation operation, ItemKey key, int writeUnits, int wireBytes, string? source, long line)
        : this(original, payload, null, operation, key, writeUnits, wireBytes, source, line)
    {
    }

    /// <summary>A put of an encoded item.</summary>
    public WriteEntry(EncodedItem encoded, ItemKey key, int writeUnits, int wireBytes, string? source, long line)
        : this(null, null, encoded, RecordOperation.Put, key, writeUnits, wireBytes, source, line)
    {
    }

    /// <summary>The put's wire bytes, when it was given as such: the request body holds them as they are.</summary>
    public EncodedItem? Encoded { get; } = encoded;

    /// <summary>
    /// The item as given (kept for the dead-letter sink); for an encoded put, built from its bytes at the first call
    /// (a dead letter, a conditional write, the typed request of a client that is not an SDK client).
    /// </summary>
    public Dictionary<string, AttributeValue> Original =>
        _original ?? Interlocked.CompareExchange(ref _original, Encoded!.ToItem(), null) ?? _original!;

    /// <summary>The item to put, or the key to delete.</summary>
    public Dictionary<string, AttributeValue> Payload => payload ?? Original;

    /// <summary>Whether the item's dictionary exists (given, or built from its bytes since).</summary>
    public bool HasDictionary => Volatile.Read(ref _original) is not null;

    public RecordOperation Operation { get; } = operation;

    public ItemKey Key { get; } = key;

    /// <summary>The estimated table write units: the item's size rounded up per KB (1 for a delete; reconciled after).</summary>
    public int WriteUnits { get; } = writeUnits;

    /// <summary>A generous estimate of the item's bytes on the wire, against the 16 MB request limit.</summary>
    public int WireBytes { get; } = wireBytes;

    public string? Source { get; } = source;

    public long Line { get; } = line;

    /// <summary>Times sent (requests DynamoDB rejected for their content do not count).</summary>
    public int Attempts { get; set; }

    /// <summary>When it was first sent (a <see cref="TimeProvider"/> timestamp).</summary>
    public long FirstAttemptAt { get; set; }

    /// <summary>Why the last attempt failed.</summary>
    public string? LastError { get; set; }

    /// <summary>
    /// An attempt failed in a way that leaves it unknown whether DynamoDB applied it (a timeout, a dropped connection,
    /// a server error): a later conditional attempt may find this very item.
    /// </summary>
    public bool MayHaveApplied { get; set; }

    public WriteRequest ToRequest() => Operation == RecordOperation.Put
        ? new WriteRequest { PutRequest = new PutRequest { Item = Payload } }
        : new WriteRequest { DeleteRequest = new DeleteRequest { Key = Payload } };
}

/// <summary>A batch sent as one unit: its entries, the batches it must wait for, and how many of its entries are settled.</summary>
internal sealed class BatchFlow(List<WriteEntry> entries)
{
    public List<WriteEntry> Entries { get; } = entries;

    /// <summary>The span the batch was formed in (the split's), the parent of its own: it is sent off that flow.</summary>
    public System.Diagnostics.ActivityContext Parent { get; } = System.Diagnostics.Activity.Current?.Context ?? default;

    /// <summary>Earlier batches in flight holding one of this batch's keys: this one waits for them.</summary>
    public List<BatchFlow>? Dependencies { get; set; }

    /// <summary>Completed when the batch is done. Continuations run synchronously (see <c>WorkTracker</c>).</summary>
    public TaskCompletionSource Done { get; } = new();

    /// <summary>Entries written, skipped or dead-lettered; the rest are abandoned if the batch ends early.</summary>
    public int Settled;
}
