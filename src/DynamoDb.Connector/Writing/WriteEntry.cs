using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Writing;

/// <summary>One accepted write: what to send, what it costs, where it came from, and how its attempts went.</summary>
internal sealed class WriteEntry(
    Dictionary<string, AttributeValue> original,
    Dictionary<string, AttributeValue> payload,
    RecordOperation operation,
    ItemKey key,
    int writeUnits,
    int wireBytes,
    string? source,
    long line)
{
    /// <summary>The item as given (kept for the dead-letter sink).</summary>
    public Dictionary<string, AttributeValue> Original { get; } = original;

    /// <summary>The item to put, or the key to delete.</summary>
    public Dictionary<string, AttributeValue> Payload { get; } = payload;

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
