using System.Runtime.CompilerServices;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.DynamoDBv2.Model.Internal.MarshallTransformations;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using DynamoDb.Connector.Formats.Json;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Retry;

namespace DynamoDb.Connector.Writing;

/// <summary>
/// Writes the BatchWriteItem request body of a batch itself, straight from the batch's entries (DynamoDB JSON into a
/// pooled buffer), instead of the SDK's marshalling of a request graph: the SDK marshals a placeholder request (the
/// table's name with no writes) and a handler placed just after its <c>Marshaller</c> (before endpoint resolution,
/// retries and signing) puts this body in its place, so credentials, endpoint resolution, signing, retries and every
/// other call stay the SDK's. A client that is not an SDK client (a test double) is sent the SDK-typed request.
/// </summary>
internal static class BatchRequestBody
{
    // The clients whose pipeline was checked for the handler (weakly: a client the host drops is not kept alive).
    private static readonly ConditionalWeakTable<IAmazonDynamoDB, object> Checked = [];

    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "The SDK applies pipeline customizers to clients built after they are registered: registering when the assembly loads covers clients a host builds after AddDynamoDbConnector.")]
    internal static void Register() =>
        SdkPipeline.Register("DynamoDb.Connector.BatchRequestBody", pipeline => pipeline.AddHandlerAfter<Marshaller>(new BodyHandler()));

    /// <summary>The request that writes <paramref name="entries"/> to <paramref name="table"/> with <paramref name="client"/>.</summary>
    public static BatchWriteItemRequest For(IAmazonDynamoDB client, string table, List<WriteEntry> entries)
    {
        if (!Checked.TryGetValue(client, out var state)) state = Watch(client);
        return (bool)state ? new EncodedRequest(table, entries) : Typed(table, entries);
    }

    /// <summary>The SDK-typed request for <paramref name="entries"/>.</summary>
    public static BatchWriteItemRequest Typed(string table, List<WriteEntry> entries)
    {
        var requests = new List<WriteRequest>(entries.Count);
        foreach (var entry in entries) requests.Add(entry.ToRequest());
        return new BatchWriteItemRequest
        {
            RequestItems = new Dictionary<string, List<WriteRequest>>(1) { [table] = requests },
            ReturnConsumedCapacity = ReturnConsumedCapacity.INDEXES,
        };
    }

    /// <summary>Gives <paramref name="client"/> the body handler if it was built without it (before <see cref="Register"/>).</summary>
    internal static object Watch(IAmazonDynamoDB client)
    {
        object watched = SdkPipeline.AddHandler<BodyHandler, Marshaller>(client, () => new BodyHandler());
        Checked.AddOrUpdate(client, watched);
        return watched;
    }

    /// <summary>
    /// Writes the request body for <paramref name="entries"/> (as the SDK would marshal them, with consumed capacity by
    /// index); an encoded put's bytes are copied as they are.
    /// </summary>
    public static void Write(JsonItemFormatter json, string table, List<WriteEntry> entries)
    {
        json.WriteRaw("{\"RequestItems\":{"u8);
        json.WriteString(table);
        json.WriteRaw(":["u8);
        for (int i = 0; i < entries.Count; i++)
        {
            if (i > 0) json.WriteByte((byte)',');
            var entry = entries[i];
            json.WriteRaw(entry.Operation == RecordOperation.Put ? "{\"PutRequest\":{\"Item\":"u8 : "{\"DeleteRequest\":{\"Key\":"u8);
            if (entry.Encoded is { } encoded) json.WriteRaw(encoded.Json.Span);
            else json.WriteMap(entry.Payload);
            json.WriteRaw("}}"u8);
        }
        json.WriteRaw("]},\"ReturnConsumedCapacity\":\"INDEXES\"}"u8);
    }

    /// <summary>
    /// A batch whose body this class writes. The SDK marshals it as the table's name with no writes: endpoint
    /// resolution reads the table names of a BatchWriteItem (its <c>ResourceArnList</c>), so the name stays.
    /// </summary>
    internal sealed class EncodedRequest : BatchWriteItemRequest
    {
        public EncodedRequest(string table, List<WriteEntry> entries)
        {
            Table = table;
            Entries = entries;
            RequestItems = new Dictionary<string, List<WriteRequest>>(1) { [table] = [] };
            ReturnConsumedCapacity = ReturnConsumedCapacity.INDEXES;
        }

        public string Table { get; }

        public List<WriteEntry> Entries { get; }
    }

    /// <summary>Just after the SDK's marshaller: replaces the placeholder's body with the batch's.</summary>
    internal sealed class BodyHandler : PipelineHandler
    {
        public override Task<T> InvokeAsync<T>(IExecutionContext executionContext)
        {
            Replace(executionContext.RequestContext);
            return base.InvokeAsync<T>(executionContext);
        }

        internal static void Replace(IRequestContext context)
        {
            if (context.OriginalRequest is not EncodedRequest encoded) return;
            var body = new PooledContentStream();
            try
            {
                using var json = new JsonItemFormatter(dynamoDbKeys: true);
                Write(json, encoded.Table, encoded.Entries);
                var written = json.Written.Span;
                written.CopyTo(body.BufferWriter.GetSpan(written.Length));
                body.BufferWriter.Advance(written.Length);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Not a valid item after all (the writer validates every item first): send what the SDK makes of it.
                body.Dispose();
                var marshalled = new BatchWriteItemRequestMarshaller().Marshall(Typed(encoded.Table, encoded.Entries));
                context.Request.ContentStream?.Dispose();
                context.Request.ContentStream = marshalled.ContentStream;
                context.Request.Content = marshalled.Content;
                return;
            }
            context.Request.ContentStream?.Dispose();
            context.Request.Content = null;
            context.Request.ContentStream = body;
        }
    }
}
