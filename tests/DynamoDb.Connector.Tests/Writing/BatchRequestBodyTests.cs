using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using Amazon.DynamoDBv2.Model.Internal.MarshallTransformations;
using Amazon.Runtime.Internal;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Json;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Retry;
using DynamoDb.Connector.Tests.Infrastructure;
using DynamoDb.Connector.Tests.Retry;
using DynamoDb.Connector.Writing;

namespace DynamoDb.Connector.Tests.Writing;

/// <summary>The BatchWriteItem body the connector writes itself says what the SDK's marshaller would have sent.</summary>
[Collection(SdkPipelineRegistry.Name)]
public sealed class BatchRequestBodyTests
{
    private static readonly KeySchema Keys = new(new KeyAttribute("pk", KeyType.S), new KeyAttribute("sk", KeyType.N));

    [Fact]
    public void Body_ForEveryAttributeType_IsTheJsonTheSdkMarshallerWrites()
    {
        var entries = new List<WriteEntry>
        {
            Put(new()
            {
                ["pk"] = new() { S = "unicode é 中文 😀 \"quoted\" back\\slash \n\t\r\b\f \u0001 \u2028 </script> &amp;" },
                ["sk"] = new() { N = "1e10" },
                ["n1"] = new() { N = "-0.000" },
                ["n2"] = new() { N = "12345678901234567890123456789012345678" },
                ["n3"] = new() { N = "1E-130" },
                ["b"] = new() { B = new MemoryStream([0, 1, 2, 255, 254]) },
                ["bs"] = new() { BS = [new MemoryStream([1]), new MemoryStream([2, 3])] },
                ["ss"] = new() { SS = ["a", "é", "\"x\""] },
                ["ns"] = new() { NS = ["1", "-2.5", "3e3"] },
                ["t"] = new() { BOOL = true },
                ["f"] = new() { BOOL = false },
                ["nul"] = new() { NULL = true },
                ["l"] = new() { L = [new() { S = "x" }, new() { N = "7" }, new() { L = [new() { M = new() { ["deep"] = new() { BOOL = false } } }] }] },
                ["m"] = new() { M = new() { ["inner"] = new() { M = new() { ["s"] = new() { S = "" } } }, ["list"] = new() { L = [] }, ["map"] = new() { M = [] } } },
                ["key with \"quotes\" and é"] = new() { S = "v" },
            }),
            Put(new() { ["pk"] = new() { S = "second" }, ["sk"] = new() { N = "2" } }),
            new(Key("deleted", "3"), Key("deleted", "3"), RecordOperation.Delete, ItemKey.Of(Key("deleted", "3"), Keys), 1, 100, "file", 3),
        };

        var ours = JsonNode.Parse(Body(entries));
        var sdk = JsonNode.Parse(SdkBody(entries));

        Assert.True(JsonNode.DeepEquals(sdk, ours), $"ours: {ours}\nsdk:  {sdk}");
    }

    [Fact]
    public void Body_OfEncodedPuts_HoldsTheirBytesAsTheyAre_AndSaysWhatTheSdkMarshallerWrites()
    {
        var items = new List<Dictionary<string, AttributeValue>>
        {
            new() { ["pk"] = new() { S = "é \"q\" \n" }, ["sk"] = new() { N = "1.50" }, ["b"] = new() { B = new MemoryStream([0, 255]) }, ["l"] = new() { L = [new() { NS = ["1", "2"] }] } },
            new() { ["pk"] = new() { S = "second" }, ["sk"] = new() { N = "2" }, ["m"] = new() { M = new() { ["t"] = new() { BOOL = true } } } },
        };
        var encoded = items.ConvertAll(item => EncodedItem.From(item));
        var entries = encoded.ConvertAll(item => new WriteEntry(item, ItemKey.Of(ItemRules.Check(item, Keys)), 1, 1000, "file", 1));

        string body = Body(entries);

        Assert.All(encoded, item => Assert.Contains(System.Text.Encoding.UTF8.GetString(item.Json.Span), body, StringComparison.Ordinal));
        Assert.All(entries, entry => Assert.False(entry.HasDictionary));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(SdkBody(items.ConvertAll(Put))), JsonNode.Parse(body)), body);
        // A client that is not an SDK client is sent the typed request: built from the bytes, it says the same.
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(SdkBody(entries)), JsonNode.Parse(body)), body);
    }

    [Fact]
    public void SdkClient_GetsTheBodyHandlerJustAfterTheMarshaller_BeforeEndpointResolutionAndSigning()
    {
        using var h = new WriterHarness();

        var request = BatchRequestBody.For(h.Client, "items", [Put(new() { ["pk"] = new() { S = "a" }, ["sk"] = new() { N = "1" } })]);

        Assert.IsType<BatchRequestBody.EncodedRequest>(request);
        var names = SdkPipeline.Of(h.Client)!.EnumerateHandlers().Select(handler => handler.GetType().Name).ToList();
        int body = names.IndexOf(nameof(BatchRequestBody.BodyHandler));
        Assert.Equal(names.IndexOf(nameof(Marshaller)) + 1, body);
        Assert.True(body < names.IndexOf("AmazonDynamoDBEndpointResolver") && body < names.IndexOf(nameof(Signer)), string.Join(", ", names));
        Assert.Single(names, name => name == nameof(BatchRequestBody.BodyHandler));
    }

    [Fact]
    public async Task ClientBuiltBeforeTheConnectorRegisteredItsCustomizer_IsGivenTheHandler_AndItsWritesLand()
    {
        RuntimeHelpers.RunModuleConstructor(typeof(BatchRequestBody).Module.ModuleHandle);
        WriterHarness h;
        RuntimePipelineCustomizerRegistry.Instance.Deregister("DynamoDb.Connector.BatchRequestBody");
        try
        {
            h = new WriterHarness();
        }
        finally
        {
            BatchRequestBody.Register();
        }
        using var _ = h;
        Assert.DoesNotContain(SdkPipeline.Of(h.Client)!.EnumerateHandlers(), handler => handler is BatchRequestBody.BodyHandler);
        var table = h.Table();
        await using var writer = await h.Factory.CreateAsync("items");

        var summary = await h.WriteAllAsync(writer, Enumerable.Range(0, 30).Select(i => Items.Of($"k{i}")));

        Assert.Equal(30, summary.ItemsWritten);
        Assert.Equal(30, table.Items.Count);
        Assert.Single(SdkPipeline.Of(h.Client)!.EnumerateHandlers(), handler => handler is BatchRequestBody.BodyHandler);
    }

    [Fact]
    public async Task AValueWithTwoTypesSet_IsDeadLettered_NotWrittenWithOneOfThem()
    {
        // The SDK would send both types and DynamoDB refuse the item; the connector's body holds one type per value.
        using var h = new WriterHarness();
        var table = h.Table();
        await using var writer = await h.Factory.CreateAsync("items");
        var bad = Items.Of("bad");
        bad["v"] = new AttributeValue { S = "text", N = "1" };

        var summary = await h.WriteAllAsync(writer, [Items.Of("good"), bad]);

        Assert.Equal(1, summary.ItemsWritten);
        var letter = Assert.Single(summary.DeadLetters);
        Assert.Contains("attribute 'v' has more than one type set", letter.Reason, StringComparison.Ordinal);
        Assert.Equal(["good"], table.Items.Keys);
    }

    private static WriteEntry Put(Dictionary<string, AttributeValue> item) =>
        new(item, item, RecordOperation.Put, ItemKey.Of(item, Keys), CapacityUnits.ForWrite(ItemSize.Of(item)), 1000, "file", 1);

    private static Dictionary<string, AttributeValue> Key(string pk, string sk) => new() { ["pk"] = new() { S = pk }, ["sk"] = new() { N = sk } };

    private static string Body(List<WriteEntry> entries)
    {
        using var json = new JsonItemFormatter(dynamoDbKeys: true);
        BatchRequestBody.Write(json, "items", entries);
        return System.Text.Encoding.UTF8.GetString(json.Written.Span);
    }

    private static string SdkBody(List<WriteEntry> entries)
    {
        var marshalled = new BatchWriteItemRequestMarshaller().Marshall(BatchRequestBody.Typed("items", entries));
        using var copy = new MemoryStream();
        marshalled.ContentStream.CopyTo(copy);
        return System.Text.Encoding.UTF8.GetString(copy.ToArray());
    }
}
