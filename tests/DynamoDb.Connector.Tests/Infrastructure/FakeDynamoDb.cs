using System.Net;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using DynamoDb.Connector.Formats.Items;

namespace DynamoDb.Connector.Tests.Infrastructure;

/// <summary>
/// DynamoDB in memory, spoken to by the real AWS SDK client through its HTTP handler: DescribeTable, BatchWriteItem,
/// PutItem and DeleteItem over the JSON protocol, with DynamoDB's rules where the writer depends on them (a batch with
/// a duplicate key or a bad item is rejected whole; consumed capacity per table and index; a put replacing a larger
/// item costs the larger size), an admission rate on the fake clock that throttles like a provisioned table, and
/// scripted faults.
/// </summary>
internal sealed class FakeDynamoDb : HttpMessageHandler
{
    private readonly TimeProvider _time;
    private readonly object _lock = new();
    private readonly Dictionary<string, FakeTable> _tables = [];
    private readonly Queue<Fault> _faults = new();

    public FakeDynamoDb(TimeProvider time) => _time = time;

    /// <summary>Every write request answered, in order.</summary>
    public List<RequestRecord> Requests { get; } = [];

    /// <summary>DescribeTable calls answered.</summary>
    public int Describes { get; private set; }

    /// <summary>An item this returns a message for makes any request holding it fail with a ValidationException (whole batch).</summary>
    public Func<Dictionary<string, AttributeValue>, string?>? RejectItem { get; set; }

    /// <summary>Chooses a fault for each write request (after the scripted queue is empty); null for none.</summary>
    public Func<RequestInfo, Fault?>? FaultFor { get; set; }

    /// <summary>While true, every request fails as a stopped server's do: the connection is refused.</summary>
    public bool Unreachable { get; set; }

    public FakeTable AddTable(string name, KeySchema keys) => AddTable(new FakeTable(name, keys, _time));

    public FakeTable AddTable(FakeTable table)
    {
        lock (_lock) _tables[table.Name] = table;
        return table;
    }

    public void RemoveTable(string name)
    {
        lock (_lock) _tables.Remove(name);
    }

    /// <summary>Scripts the next write requests' faults, in order.</summary>
    public void Enqueue(params Fault[] faults)
    {
        lock (_lock)
        {
            foreach (var fault in faults) _faults.Enqueue(fault);
        }
    }

    /// <summary>A client of this fake; with <paramref name="sdkRetries"/>, one that keeps the SDK's default retries, as a host's may.</summary>
    public AmazonDynamoDBClient CreateClient(bool sdkRetries = false)
    {
        var config = new AmazonDynamoDBConfig
        {
            ServiceURL = "http://dynamodb.fake.local",
            AuthenticationRegion = "us-east-1",
            HttpClientFactory = new HandlerFactory(this),
        };
        if (!sdkRetries) config.MaxErrorRetry = 0;
        return new(new BasicAWSCredentials("test", "test"), config);
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (Unreachable)
        {
            throw new HttpRequestException("Connection refused (dynamodb.fake.local:80)", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused));
        }
        string target = request.Headers.TryGetValues("X-Amz-Target", out var values) ? values.First() : "";
        string operation = target[(target.IndexOf('.') + 1)..];
        byte[] body = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
        using var json = JsonDocument.Parse(body);
        try
        {
            lock (_lock)
            {
                return operation switch
                {
                    "DescribeTable" => DescribeTable(json.RootElement),
                    "BatchWriteItem" => BatchWriteItem(json.RootElement),
                    "PutItem" => PutItem(json.RootElement),
                    "DeleteItem" => DeleteItem(json.RootElement),
                    "Scan" => Read(json.RootElement, "Scan"),
                    "Query" => Read(json.RootElement, "Query"),
                    _ => Error(HttpStatusCode.BadRequest, "UnknownOperationException", $"the fake does not do {operation}"),
                };
            }
        }
        catch (DroppedConnection)
        {
            throw new HttpRequestException("The connection was reset by the fake.", new IOException("Connection reset by peer"));
        }
    }

    private FakeTable? Find(JsonElement root, string property = "TableName") =>
        _tables.GetValueOrDefault(root.GetProperty(property).GetString()!);

    private HttpResponseMessage DescribeTable(JsonElement root)
    {
        Describes++;
        var table = Find(root);
        if (table is null) return Error(HttpStatusCode.BadRequest, "ResourceNotFoundException", "Requested resource not found");
        return Ok(table.WriteDescription);
    }

    private Fault? NextFault(string operation, int count, FakeTable table)
    {
        if (_faults.TryDequeue(out var fault)) return fault;
        return FaultFor?.Invoke(new RequestInfo(operation, count, table, Requests.Count - 1));
    }

    private HttpResponseMessage BatchWriteItem(JsonElement root)
    {
        var requestItems = root.GetProperty("RequestItems");
        var (tableName, writes) = requestItems.EnumerateObject().Single() is var p ? (p.Name, p.Value) : default;
        if (!_tables.TryGetValue(tableName, out var table)) return Error(HttpStatusCode.BadRequest, "ResourceNotFoundException", "Requested resource not found");
        var parsed = new List<(JsonElement Raw, bool Put, Dictionary<string, AttributeValue> Item)>();
        foreach (var write in writes.EnumerateArray())
        {
            bool put = write.TryGetProperty("PutRequest", out var putRequest);
            var item = put ? AttributeJson.ReadItem(putRequest.GetProperty("Item")) : AttributeJson.ReadItem(write.GetProperty("DeleteRequest").GetProperty("Key"));
            parsed.Add((write, put, item));
        }
        if (parsed.Count is 0 or > 25) return Error(HttpStatusCode.BadRequest, "ValidationException", "Too many items requested for the BatchWriteItem call");
        var keys = new HashSet<string>();
        foreach (var (_, _, item) in parsed)
        {
            if (table.KeyProblem(item) is { } problem) return Error(HttpStatusCode.BadRequest, "ValidationException", problem);
            if (!keys.Add(table.KeyOf(item))) return Error(HttpStatusCode.BadRequest, "ValidationException", "Provided list of item keys contains duplicates");
            if (RejectItem?.Invoke(item) is { } rejected) return Error(HttpStatusCode.BadRequest, "ValidationException", rejected);
        }
        var record = new RequestRecord(_time.GetUtcNow(), "BatchWriteItem", parsed.Count, [.. parsed.Select(w => table.KeyOf(w.Item))]);
        Requests.Add(record);
        int processCount = parsed.Count;
        switch (NextFault("BatchWriteItem", parsed.Count, table))
        {
            case { Kind: FaultKind.Unprocessed, Keep: var keep }:
                processCount = Math.Min(keep, parsed.Count);
                break;
            case { Kind: FaultKind.Drop }:
                record.Fault = "drop";
                throw new DroppedConnection();
            case { } fault:
                record.Fault = fault.Kind.ToString();
                return FaultResponse(fault);
        }
        var unprocessed = new List<JsonElement>();
        double tableUnits = 0;
        var indexUnits = new Dictionary<string, double>();
        for (int i = 0; i < parsed.Count; i++)
        {
            var (raw, put, item) = parsed[i];
            if (i >= processCount || !table.Admit(put ? item : null, item))
            {
                unprocessed.Add(raw);
                continue;
            }
            var cost = put ? table.Put(item) : table.Delete(item);
            tableUnits += cost.Table;
            foreach (var (index, units) in cost.Indexes) indexUnits[index] = indexUnits.GetValueOrDefault(index) + units;
            record.Applied.Add(table.KeyOf(item));
        }
        record.TableUnits = tableUnits;
        record.IndexUnits = indexUnits;
        record.Unprocessed = unprocessed.Count;
        if (unprocessed.Count == parsed.Count)
        {
            record.Fault = "throttled";
            return Error(HttpStatusCode.BadRequest, "ProvisionedThroughputExceededException",
                "The level of configured provisioned throughput for the table was exceeded.", "TableWriteProvisionedThroughputExceeded");
        }
        return Ok(w =>
        {
            w.WriteStartObject("UnprocessedItems");
            if (unprocessed.Count > 0)
            {
                w.WriteStartArray(tableName);
                foreach (var raw in unprocessed) raw.WriteTo(w);
                w.WriteEndArray();
            }
            w.WriteEndObject();
            if (root.TryGetProperty("ReturnConsumedCapacity", out var rcc) && rcc.GetString() != "NONE" && table.ReportConsumedCapacity)
            {
                w.WriteStartArray("ConsumedCapacity");
                WriteConsumed(w, tableName, tableUnits, indexUnits, rcc.GetString() == "INDEXES");
                w.WriteEndArray();
            }
        });
    }

    private HttpResponseMessage PutItem(JsonElement root)
    {
        var table = Find(root);
        if (table is null) return Error(HttpStatusCode.BadRequest, "ResourceNotFoundException", "Requested resource not found");
        var item = AttributeJson.ReadItem(root.GetProperty("Item"));
        if (table.KeyProblem(item) is { } problem) return Error(HttpStatusCode.BadRequest, "ValidationException", problem);
        if (RejectItem?.Invoke(item) is { } rejected) return Error(HttpStatusCode.BadRequest, "ValidationException", rejected);
        var record = new RequestRecord(_time.GetUtcNow(), "PutItem", 1, [table.KeyOf(item)]);
        Requests.Add(record);
        var fault = NextFault("PutItem", 1, table);
        if (fault is not null && fault.Kind != FaultKind.LostResponse)
        {
            record.Fault = fault.Kind.ToString();
            if (fault.Kind == FaultKind.Drop) throw new DroppedConnection();
            if (fault.Kind != FaultKind.Unprocessed) return FaultResponse(fault);
        }
        if (!table.Admit(item, item))
        {
            record.Fault = "throttled";
            return Error(HttpStatusCode.BadRequest, "ProvisionedThroughputExceededException", "The level of configured provisioned throughput for the table was exceeded.", "TableWriteProvisionedThroughputExceeded");
        }
        if (root.TryGetProperty("ConditionExpression", out var condition) && !table.ConditionHolds(item, condition.GetString()!, root))
        {
            record.Fault = "condition";
            // As DynamoDB does when asked: the item that failed the condition comes back in the error.
            var old = root.TryGetProperty("ReturnValuesOnConditionCheckFailure", out var returned) && returned.GetString() == "ALL_OLD"
                ? table.Items.GetValueOrDefault(table.KeyOf(item)) : null;
            return Error(HttpStatusCode.BadRequest, "ConditionalCheckFailedException", "The conditional request failed", old);
        }
        var cost = table.Put(item);
        record.Applied.Add(table.KeyOf(item));
        if (fault?.Kind == FaultKind.LostResponse)
        {
            record.Fault = "lost-response";
            throw new DroppedConnection();
        }
        record.TableUnits = cost.Table;
        record.IndexUnits = cost.Indexes;
        return Ok(w =>
        {
            if (table.ReportConsumedCapacity)
            {
                w.WritePropertyName("ConsumedCapacity");
                WriteConsumed(w, table.Name, cost.Table, cost.Indexes, true);
            }
        });
    }

    private HttpResponseMessage DeleteItem(JsonElement root)
    {
        var table = Find(root);
        if (table is null) return Error(HttpStatusCode.BadRequest, "ResourceNotFoundException", "Requested resource not found");
        var key = AttributeJson.ReadItem(root.GetProperty("Key"));
        if (table.KeyProblem(key) is { } problem) return Error(HttpStatusCode.BadRequest, "ValidationException", problem);
        var record = new RequestRecord(_time.GetUtcNow(), "DeleteItem", 1, [table.KeyOf(key)]);
        Requests.Add(record);
        if (NextFault("DeleteItem", 1, table) is { } fault && fault.Kind != FaultKind.Unprocessed)
        {
            record.Fault = fault.Kind.ToString();
            if (fault.Kind == FaultKind.Drop) throw new DroppedConnection();
            return FaultResponse(fault);
        }
        var cost = table.Delete(key);
        record.Applied.Add(table.KeyOf(key));
        record.TableUnits = cost.Table;
        return Ok(w =>
        {
            w.WritePropertyName("ConsumedCapacity");
            WriteConsumed(w, table.Name, cost.Table, cost.Indexes, true);
        });
    }

    /// <summary>
    /// Scan (with Segment/TotalSegments) and Query (key condition <c>pk = :v</c> only): pages in key order up to
    /// Limit items or 1 MB, a LastEvaluatedKey whenever the page was cut, read capacity charged by the page's bytes
    /// (halved for eventually consistent reads) and admitted by the table's read rate; no filter or projection.
    /// </summary>
    private HttpResponseMessage Read(JsonElement root, string operation)
    {
        var table = Find(root);
        if (table is null) return Error(HttpStatusCode.BadRequest, "ResourceNotFoundException", "Requested resource not found");
        if (root.TryGetProperty("FilterExpression", out _) || root.TryGetProperty("ProjectionExpression", out _))
        {
            return Error(HttpStatusCode.BadRequest, "ValidationException", "the fake evaluates no filter or projection");
        }
        var record = new RequestRecord(_time.GetUtcNow(), operation, root.TryGetProperty("Limit", out var requested) ? requested.GetInt32() : 0, []);
        Requests.Add(record);
        if (NextFault(operation, 0, table) is { } fault && fault.Kind != FaultKind.Unprocessed)
        {
            record.Fault = fault.Kind.ToString();
            if (fault.Kind == FaultKind.Drop) throw new DroppedConnection();
            return FaultResponse(fault);
        }
        int? segment = root.TryGetProperty("Segment", out var s) ? s.GetInt32() : null;
        int total = root.TryGetProperty("TotalSegments", out var t) ? t.GetInt32() : 1;
        string? partition = null;
        if (operation == "Query")
        {
            // "pk = :v" or "#p = :v"
            var parts = root.GetProperty("KeyConditionExpression").GetString()!.Split('=', StringSplitOptions.TrimEntries);
            partition = AttributeJson.ReadItem(root.GetProperty("ExpressionAttributeValues"))[parts[1]].S;
        }
        string? after = root.TryGetProperty("ExclusiveStartKey", out var start) ? table.KeyOf(AttributeJson.ReadItem(start)) : null;
        int limit = root.TryGetProperty("Limit", out var l) ? l.GetInt32() : int.MaxValue;
        bool consistent = root.TryGetProperty("ConsistentRead", out var c) && c.GetBoolean();
        var page = table.ReadPage(segment, total, partition, after, limit);
        double units = Math.Max(1, Math.Ceiling(page.Bytes / 4096.0)) * (consistent ? 1 : 0.5);
        if (!table.AdmitRead(units))
        {
            record.Fault = "throttled";
            return Error(HttpStatusCode.BadRequest, "ProvisionedThroughputExceededException",
                "The level of configured provisioned throughput for the table was exceeded.", "TableReadProvisionedThroughputExceeded");
        }
        record.TableUnits = units;
        record.Applied.AddRange(page.Items.Select(table.KeyOf));
        return Ok(w =>
        {
            w.WriteNumber("Count", page.Items.Count);
            w.WriteNumber("ScannedCount", page.Items.Count);
            w.WriteStartArray("Items");
            foreach (var item in page.Items) w.WriteRawValue(DynamoDb.Connector.Export.ExportJson.FormatMap(item));
            w.WriteEndArray();
            if (page.LastKey is { } last)
            {
                w.WritePropertyName("LastEvaluatedKey");
                w.WriteRawValue(DynamoDb.Connector.Export.ExportJson.FormatMap(table.KeyAttributesOf(last)));
            }
            if (root.TryGetProperty("ReturnConsumedCapacity", out var rcc) && rcc.GetString() != "NONE" && table.ReportConsumedCapacity)
            {
                w.WriteStartObject("ConsumedCapacity");
                w.WriteString("TableName", table.Name);
                w.WriteNumber("CapacityUnits", units);
                w.WriteEndObject();
            }
        });
    }

    private static void WriteConsumed(Utf8JsonWriter w, string table, double tableUnits, Dictionary<string, double> indexes, bool detailed)
    {
        w.WriteStartObject();
        w.WriteString("TableName", table);
        w.WriteNumber("CapacityUnits", tableUnits + indexes.Values.Sum());
        if (detailed)
        {
            w.WriteStartObject("Table");
            w.WriteNumber("CapacityUnits", tableUnits);
            w.WriteEndObject();
            if (indexes.Count > 0)
            {
                w.WriteStartObject("GlobalSecondaryIndexes");
                foreach (var (name, units) in indexes)
                {
                    w.WriteStartObject(name);
                    w.WriteNumber("CapacityUnits", units);
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
        }
        w.WriteEndObject();
    }

    private static HttpResponseMessage FaultResponse(Fault fault) => fault.Kind switch
    {
        FaultKind.Throttle => Error(HttpStatusCode.BadRequest, "ProvisionedThroughputExceededException", "The level of configured provisioned throughput for the table was exceeded.", fault.Reasons),
        FaultKind.ThrottlingException => Error(HttpStatusCode.BadRequest, "ThrottlingException", "Rate of requests exceeds the allowed throughput.", fault.Reasons),
        FaultKind.RequestLimitExceeded => Error(HttpStatusCode.BadRequest, "RequestLimitExceeded", "Throughput exceeds the current throughput limit for your account.", fault.Reasons),
        FaultKind.ServerError => Error(fault.Status, fault.Status == HttpStatusCode.ServiceUnavailable ? "ServiceUnavailable" : "InternalServerError", "The fake had a bad moment"),
        FaultKind.Validation => Error(HttpStatusCode.BadRequest, "ValidationException", fault.Message ?? "One or more parameter values were invalid"),
        FaultKind.AccessDenied => Error(HttpStatusCode.BadRequest, "AccessDeniedException", "User is not authorized to perform: dynamodb:BatchWriteItem"),
        _ => throw new InvalidOperationException(fault.Kind.ToString()),
    };

    private static HttpResponseMessage Error(HttpStatusCode status, string type, string message, Dictionary<string, AttributeValue>? item) =>
        Error(status, type, message, [], item);

    private static HttpResponseMessage Error(HttpStatusCode status, string type, string message, params string[] reasons) =>
        Error(status, type, message, reasons, null);

    private static HttpResponseMessage Error(HttpStatusCode status, string type, string message, string[] reasons, Dictionary<string, AttributeValue>? item)
    {
        var response = Respond(status, w =>
        {
            w.WriteString("__type", "com.amazonaws.dynamodb.v20120810#" + type);
            w.WriteString("message", message);
            if (item is not null)
            {
                w.WritePropertyName("Item");
                w.WriteRawValue(DynamoDb.Connector.Export.ExportJson.FormatMap(item));
            }
            if (reasons.Length > 0)
            {
                // As in DynamoDB's model: ThrottlingException spells the member in camel case.
                w.WriteStartArray(type == "ThrottlingException" ? "throttlingReasons" : "ThrottlingReasons");
                foreach (var reason in reasons)
                {
                    w.WriteStartObject();
                    w.WriteString("reason", reason);
                    w.WriteString("resource", "arn:aws:dynamodb:us-east-1:123456789012:table/fake");
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
        });
        response.Headers.Add("x-amzn-ErrorType", type);
        return response;
    }

    private static HttpResponseMessage Ok(Action<Utf8JsonWriter> body) => Respond(HttpStatusCode.OK, body);

    private static HttpResponseMessage Respond(HttpStatusCode status, Action<Utf8JsonWriter> body)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        var response = new HttpResponseMessage(status) { Content = new ByteArrayContent(buffer.ToArray()) };
        response.Content.Headers.ContentType = new("application/x-amz-json-1.0");
        response.Headers.Add("x-amzn-RequestId", Guid.NewGuid().ToString());
        return response;
    }

    private sealed class DroppedConnection : Exception;

    private sealed class HandlerFactory(HttpMessageHandler handler) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(handler, disposeHandler: false);

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;
    }
}

/// <summary>What the fake knows about a write request when it chooses a fault.</summary>
internal sealed record RequestInfo(string Operation, int Count, FakeTable Table, int Index);

internal enum FaultKind { Unprocessed, Throttle, ThrottlingException, RequestLimitExceeded, ServerError, Drop, Validation, AccessDenied, LostResponse }

/// <summary>A scripted fault for one write request.</summary>
internal sealed record Fault(FaultKind Kind)
{
    public int Keep { get; init; }

    public HttpStatusCode Status { get; init; } = HttpStatusCode.InternalServerError;

    public string[] Reasons { get; init; } = [];

    public string? Message { get; init; }

    /// <summary>Process only the first <paramref name="keep"/> writes; the rest come back as UnprocessedItems.</summary>
    public static Fault Unprocessed(int keep) => new(FaultKind.Unprocessed) { Keep = keep };

    public static Fault Throttle(params string[] reasons) => new(FaultKind.Throttle) { Reasons = reasons };

    public static Fault Throttling(params string[] reasons) => new(FaultKind.ThrottlingException) { Reasons = reasons };

    public static Fault RequestLimit() => new(FaultKind.RequestLimitExceeded);

    public static Fault Server(HttpStatusCode status = HttpStatusCode.InternalServerError) => new(FaultKind.ServerError) { Status = status };

    public static Fault Drop() => new(FaultKind.Drop);

    /// <summary>PutItem only: the write applies, then the connection drops before the answer (the writer cannot know it applied).</summary>
    public static Fault LostResponse() => new(FaultKind.LostResponse);

    public static Fault Validation(string message) => new(FaultKind.Validation) { Message = message };

    public static Fault AccessDenied() => new(FaultKind.AccessDenied);
}

/// <summary>One write request the fake answered.</summary>
internal sealed class RequestRecord(DateTimeOffset at, string operation, int count, List<string> keys)
{
    public DateTimeOffset At { get; } = at;

    public string Operation { get; } = operation;

    /// <summary>Writes in the request; for Scan and Query, the request's Limit (0 for none).</summary>
    public int Count { get; } = count;

    /// <summary>The keys in the request, in order.</summary>
    public List<string> Keys { get; } = keys;

    /// <summary>The keys written (put or deleted).</summary>
    public List<string> Applied { get; } = [];

    public int Unprocessed { get; set; }

    public double TableUnits { get; set; }

    public Dictionary<string, double> IndexUnits { get; set; } = [];

    public string? Fault { get; set; }
}
