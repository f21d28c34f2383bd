using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Transform;
using DynamoDb.Connector.Retry;

namespace DynamoDb.Connector.Reading;

/// <summary>
/// Hands a reader the raw JSON body of its Scan or Query response, so that the items go to the part file as DynamoDB
/// sent them, without the SDK's <c>AttributeValue</c> graph. A handler just inside the SDK's unmarshaller (the SDK
/// keeps credentials, endpoint, signing and retries) reads the body of a successful response, checks it against its
/// <c>x-amz-crc32</c> header (the check the SDK's unmarshaller would make) and gives the SDK an empty body in its
/// place. Only a call made inside <see cref="Capture"/> is touched; every other call of the client is the SDK's.
/// </summary>
internal static class RawResponses
{
    private const string Crc32Header = "x-amz-crc32";
    private static readonly AsyncLocal<Slot?> Current = new();
    private static readonly ConditionalWeakTable<IAmazonDynamoDB, object> Checked = [];

    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "The SDK applies pipeline customizers to clients built after they are registered: registering when the assembly loads covers clients a host builds after AddDynamoDbConnector.")]
    internal static void Register() =>
        SdkPipeline.Register("DynamoDb.Connector.RawResponses", pipeline => pipeline.AddHandlerAfter<Unmarshaller>(new ResponseBodyHandler()));

    /// <summary>Whether <paramref name="client"/>'s responses can be captured (an SDK client; not a test double).</summary>
    public static bool Supports(IAmazonDynamoDB client)
    {
        if (Checked.TryGetValue(client, out var known)) return (bool)known;
        bool supported = SdkPipeline.AddHandler<ResponseBodyHandler, Unmarshaller>(client, () => new ResponseBodyHandler());
        Checked.AddOrUpdate(client, supported);
        return supported;
    }

    /// <summary>Captures the body of the next successful response of this flow's calls until disposed.</summary>
    public static Slot Capture() => Current.Value = new Slot();

    /// <summary>The body of one call's successful response (the last attempt's, when the SDK retried).</summary>
    internal sealed class Slot : IDisposable
    {
        /// <summary>The body's bytes; null while no successful response came.</summary>
        public byte[]? Body { get; set; }

        public void Dispose()
        {
            if (Current.Value == this) Current.Value = null;
        }
    }

    /// <summary>Checks the body's <c>x-amz-crc32</c>; throws an <see cref="IOException"/> (retried, as a damaged transfer) when it does not match.</summary>
    internal static void VerifyCrc32(ReadOnlySpan<byte> body, string? header, string operation)
    {
        if (header is null) return;
        if (!uint.TryParse(header, NumberStyles.None, CultureInfo.InvariantCulture, out uint expected))
        {
            throw new IOException($"The {operation} response's {Crc32Header} header '{header}' is not a CRC-32: the response cannot be checked, so it is not used.");
        }
        uint actual = System.IO.Hashing.Crc32.HashToUInt32(body);
        if (actual != expected)
        {
            throw new IOException($"The {operation} response's body was damaged on the way: its CRC-32 is {actual}, its {Crc32Header} header says {expected}. Nothing of it is used; it is read again.");
        }
    }

    private sealed class ResponseBodyHandler : PipelineHandler
    {
        public override async Task<T> InvokeAsync<T>(IExecutionContext executionContext)
        {
            var result = await base.InvokeAsync<T>(executionContext).ConfigureAwait(false);
            if (Current.Value is not { } slot) return result;
            var response = executionContext.ResponseContext.HttpResponse;
            if (response is null || !response.IsSuccessStatusCode) return result;
            byte[] body;
            try
            {
                var stream = await response.ResponseBody.OpenResponseAsync().ConfigureAwait(false);
                body = await ReadAllAsync(stream, response.ContentLength, executionContext.RequestContext.CancellationToken).ConfigureAwait(false);
            }
            finally
            {
                response.ResponseBody.Dispose();
            }
            string operation = executionContext.RequestContext.RequestName ?? "DynamoDB";
            VerifyCrc32(body, response.IsHeaderPresent(Crc32Header) ? response.GetHeaderValue(Crc32Header) : null, operation.Replace("Request", "", StringComparison.Ordinal));
            slot.Body = body;
            executionContext.ResponseContext.HttpResponse = new EmptyResponse(response);
            return result;
        }

        private static async Task<byte[]> ReadAllAsync(Stream stream, long length, CancellationToken cancellationToken)
        {
            if (length >= 0)
            {
                var exact = GC.AllocateUninitializedArray<byte>(checked((int)length));
                await stream.ReadExactlyAsync(exact, cancellationToken).ConfigureAwait(false);
                return exact;
            }
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
            return copy.ToArray();
        }
    }

    /// <summary>The response as the SDK sees it after the body was taken: the same status and headers (less the CRC, checked already), an empty JSON object.</summary>
    private sealed class EmptyResponse(IWebResponseData original) : IWebResponseData, IHttpResponseBody
    {
        private static readonly byte[] Empty = "{}"u8.ToArray();

        public long ContentLength => Empty.Length;

        public string ContentType => original.ContentType;

        public HttpStatusCode StatusCode => original.StatusCode;

        public bool IsSuccessStatusCode => original.IsSuccessStatusCode;

        public IHttpResponseBody ResponseBody => this;

        public string[] GetHeaderNames() => [.. original.GetHeaderNames().Where(h => !h.Equals(Crc32Header, StringComparison.OrdinalIgnoreCase))];

        public bool IsHeaderPresent(string headerName) => !headerName.Equals(Crc32Header, StringComparison.OrdinalIgnoreCase) && original.IsHeaderPresent(headerName);

        public string GetHeaderValue(string headerName) => headerName.Equals(Crc32Header, StringComparison.OrdinalIgnoreCase) ? string.Empty : original.GetHeaderValue(headerName);

        public Amazon.Runtime.EventStreams.IEventStreamHeader GetEventStreamHeader(string headerName) => original.GetEventStreamHeader(headerName);

        public bool IsEventHeaderPresent(string headerName) => original.IsEventHeaderPresent(headerName);

        public Stream OpenResponse() => new MemoryStream(Empty, writable: false);

        public Task<Stream> OpenResponseAsync() => Task.FromResult(OpenResponse());

        public void Dispose()
        {
        }
    }
}
