using Amazon.DynamoDBv2.Model;

namespace DynamoDb.Connector.Formats.Items;

/// <summary>The ten DynamoDB attribute types, plus <see cref="Empty"/> for a value with no type set.</summary>
public enum AttributeKind
{
    /// <summary>No type is set: DynamoDB rejects such a value ("Supplied AttributeValue is empty").</summary>
    Empty,
    /// <summary>String.</summary>
    S,
    /// <summary>Number, kept as its exact decimal text.</summary>
    N,
    /// <summary>Binary.</summary>
    B,
    /// <summary>Boolean.</summary>
    Bool,
    /// <summary>Null.</summary>
    Null,
    /// <summary>String set.</summary>
    SS,
    /// <summary>Number set.</summary>
    NS,
    /// <summary>Binary set.</summary>
    BS,
    /// <summary>List.</summary>
    L,
    /// <summary>Map.</summary>
    M,
}

/// <summary>Helpers over the AWS SDK's <see cref="AttributeValue"/>, whose collections are null until set.</summary>
public static class AttributeValues
{
    /// <summary>The type a value holds. An explicitly set empty list or map is <see cref="AttributeKind.L"/> or <see cref="AttributeKind.M"/>.</summary>
    public static AttributeKind KindOf(AttributeValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.S is not null) return AttributeKind.S;
        if (value.N is not null) return AttributeKind.N;
        if (value.B is not null) return AttributeKind.B;
        if (value.BOOL.HasValue) return AttributeKind.Bool;
        if (value.NULL == true) return AttributeKind.Null;
        if (value.IsMSet) return AttributeKind.M;
        if (value.IsLSet) return AttributeKind.L;
        if (value.IsSSSet) return AttributeKind.SS;
        if (value.IsNSSet) return AttributeKind.NS;
        if (value.IsBSSet) return AttributeKind.BS;
        return AttributeKind.Empty;
    }

    /// <summary>The bytes of a binary value without copying when the stream exposes its buffer.</summary>
    public static ReadOnlySpan<byte> BytesOf(MemoryStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return stream.TryGetBuffer(out var segment) ? segment.AsSpan(0, (int)stream.Length) : stream.ToArray();
    }
}
