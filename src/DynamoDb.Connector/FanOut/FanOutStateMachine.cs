using System.Globalization;
using System.Text;
using System.Text.Json;

namespace DynamoDb.Connector.FanOut;

/// <summary>
/// Amazon States Language definitions that fan a planned import (or export) out over a Lambda function: a Distributed
/// Map over the plan's <c>items.json</c>, each item invoking the function until its split says done.
/// </summary>
/// <remarks>
/// <para>The execution input names where things are, so one state machine runs any plan under the prefixes its role may read:</para>
/// <code>
/// {"items":   {"Bucket":"b","Key":"plan/items.json"},        the plan's items.json (the Map's ItemReader)
///  "results": {"Bucket":"b","Prefix":"plan/results/"},       where the Map run writes its per-item results
///  "invocation": {"table":"T","timeBudgetSeconds":840,...},  merged into every payload (import: table and write options;
///                                                            export: timeBudgetSeconds, readPercent)
///  "plan": "s3://b/plan/"}                                   export only: what the final step finishes
/// </code>
/// <para>Each item runs as a STANDARD child execution (an EXPRESS one ends after 5 minutes, shorter than one
/// invocation may take): invoke with <c>{"splitUri": ...}</c> (export: <c>{"exportSegmentUri": ...}</c>) merged over
/// <c>invocation</c> and with <c>maxConcurrency</c> N, so each invocation takes 1/N of the table's budget; while the
/// answer says <c>done: false</c>, invoke again with <c>{"split": continuation}</c> (<c>{"exportSegment": ...}</c>).
/// Lambda's own service errors and throttling are retried with backoff; any other failure fails the item, naming the
/// split, and with <c>ToleratedFailurePercentage</c> 0 fails the Map run: a split not imported must never look like a
/// finished import. Its written items are kept (checkpoints), and a redrive or rerun goes on from them.</para>
/// <para>Per-item results go to S3 through <c>ResultWriter</c>, not into the state, whose payload is limited to
/// 256 KB: only the Map run's ARN and the results' location travel on.</para>
/// </remarks>
public static class FanOutStateMachine
{
    /// <summary>Lambda's transient errors: the service's own, and throttling (too many concurrent invocations).</summary>
    public static IReadOnlyList<string> RetriedErrors { get; } =
    [
        "Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException",
    ];

    /// <summary>The counters of an import split's summary that the map item adds up over its invocations.</summary>
    internal static readonly string[] ImportCounters = ["itemsRead", "itemsWritten", "itemsDeleted", "itemsDeadLettered", "badLines"];

    /// <summary>The counters of an export segment's summary (items scanned, items written to parts).</summary>
    internal static readonly string[] ExportCounters = ["itemsRead", "itemsWritten"];

    private sealed record Variant(string Noun, string ItemUriField, string ContinuationField, string[] Counters);

    private static readonly Variant Import = new("split", "splitUri", "split", ImportCounters);
    private static readonly Variant Export = new("segment", "exportSegmentUri", "exportSegment", ExportCounters);

    /// <summary>The import fan-out over a plan written by <c>plan --out</c> (items <c>{"splitUri", "index"}</c>).</summary>
    /// <exception cref="ArgumentException">An option is out of range (see <see cref="FanOutDefinitionOptions.Validate"/>).</exception>
    public static string ForImport(FanOutDefinitionOptions options) => Build(options, Import, finishExport: false);

    /// <summary>
    /// The export fan-out over a plan written by <c>plan-export --out</c> (items <c>{"exportSegmentUri", "index"}</c>),
    /// ending with one invocation of <c>{"finishExport": plan}</c> that writes the manifest once every segment is done.
    /// </summary>
    /// <exception cref="ArgumentException">An option is out of range (see <see cref="FanOutDefinitionOptions.Validate"/>).</exception>
    public static string ForExport(FanOutDefinitionOptions options) => Build(options, Export, finishExport: true);

    /// <summary>
    /// The execution input that runs the import plan in the S3 folder <paramref name="planFolderUri"/> (written by
    /// <c>plan --out</c>) into <paramref name="table"/>: its items.json, results under <c>results/</c> beside it. Add
    /// write options (<c>timeBudgetSeconds</c>, <c>writePercent</c>, <c>checkpointUri</c>, <c>deadLetterUri</c>) to
    /// <c>invocation</c> as needed.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="planFolderUri"/> is not an <c>s3://</c> uri (the Map reads its items from S3).</exception>
    public static string ImportExecutionInput(string planFolderUri, string table)
    {
        ArgumentException.ThrowIfNullOrEmpty(table);
        return ExecutionInput(planFolderUri, w => w.WriteString("table", table), plan: false);
    }

    /// <summary>
    /// The execution input that runs the export plan in the S3 folder <paramref name="planFolderUri"/> (written by
    /// <c>plan-export --out</c>) and then finishes it.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="planFolderUri"/> is not an <c>s3://</c> uri.</exception>
    public static string ExportExecutionInput(string planFolderUri) => ExecutionInput(planFolderUri, _ => { }, plan: true);

    private static string ExecutionInput(string planFolderUri, Action<Utf8JsonWriter> invocation, bool plan)
    {
        ArgumentException.ThrowIfNullOrEmpty(planFolderUri);
        if (ObjectUri.KindOf(planFolderUri) != ObjectUriKind.S3)
        {
            throw new ArgumentException($"'{planFolderUri}' is not an s3:// uri: a Distributed Map reads its items from S3; write the plan there (plan --out s3://bucket/prefix/).", nameof(planFolderUri));
        }
        string folder = ObjectUri.AsDirectory(planFolderUri);
        var (bucket, prefix) = ObjectUri.ParseS3(folder);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("items");
            w.WriteString("Bucket", bucket);
            w.WriteString("Key", prefix + DistributedMapItems.FileName);
            w.WriteEndObject();
            w.WriteStartObject("results");
            w.WriteString("Bucket", bucket);
            w.WriteString("Prefix", prefix + "results/");
            w.WriteEndObject();
            w.WriteStartObject("invocation");
            invocation(w);
            w.WriteEndObject();
            if (plan) w.WriteString("plan", folder);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string Build(FanOutDefinitionOptions options, Variant variant, bool finishExport)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("Comment", string.Create(CultureInfo.InvariantCulture,
                $"dynamodb-connector {(finishExport ? "export" : "import")} fan-out: each {variant.Noun} of the plan runs in time-boxed invocations of the function until done, at most {options.MaxConcurrency} at once, each taking 1/{options.MaxConcurrency} of the table's budget."));
            w.WriteString("StartAt", "Map");
            w.WriteStartObject("States");
            WriteMap(w, options, variant, next: finishExport ? "FinishExport" : null);
            if (finishExport) WriteFinishExport(w, options);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteMap(Utf8JsonWriter w, FanOutDefinitionOptions options, Variant variant, string? next)
    {
        w.WriteStartObject("Map");
        w.WriteString("Type", "Map");
        w.WriteString("Comment", $"One child execution per {variant.Noun} listed in items.json.");
        w.WriteStartObject("ItemReader");
        w.WriteString("Resource", "arn:aws:states:::s3:getObject");
        w.WriteStartObject("ReaderConfig");
        w.WriteString("InputType", "JSON");
        w.WriteEndObject();
        w.WriteStartObject("Parameters");
        w.WriteString("Bucket.$", "$.items.Bucket");
        w.WriteString("Key.$", "$.items.Key");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartObject("ItemSelector");
        w.WriteString("index.$", "$$.Map.Item.Value.index");
        w.WriteString($"{variant.ItemUriField}.$", $"$$.Map.Item.Value.{variant.ItemUriField}");
        w.WriteString("invocation.$", "$.invocation");
        w.WriteEndObject();
        w.WriteNumber("MaxConcurrency", options.MaxConcurrency);
        w.WriteNumber("ToleratedFailurePercentage", 0);
        w.WriteStartObject("ItemProcessor");
        w.WriteStartObject("ProcessorConfig");
        w.WriteString("Mode", "DISTRIBUTED");
        // STANDARD: an EXPRESS child ends after 5 minutes, and one invocation may take up to 15.
        w.WriteString("ExecutionType", "STANDARD");
        w.WriteEndObject();
        w.WriteString("StartAt", "Prepare");
        w.WriteStartObject("States");
        WriteItemStates(w, options, variant);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartObject("ResultWriter");
        w.WriteString("Resource", "arn:aws:states:::s3:putObject");
        w.WriteStartObject("Parameters");
        w.WriteString("Bucket.$", "$.results.Bucket");
        w.WriteString("Prefix.$", "$.results.Prefix");
        w.WriteEndObject();
        w.WriteEndObject();
        // The execution input stays for the next state; the Map's own output is only its run ARN and results' location.
        w.WriteString("ResultPath", "$.mapRun");
        if (next is null) w.WriteBoolean("End", true);
        else w.WriteString("Next", next);
        w.WriteEndObject();
    }

    private static void WriteItemStates(Utf8JsonWriter w, FanOutDefinitionOptions options, Variant variant)
    {
        string uri = variant.ItemUriField;

        // The first request names the split's document; the totals start at zero.
        w.WriteStartObject("Prepare");
        w.WriteString("Type", "Pass");
        w.WriteStartObject("Parameters");
        WriteCarried(w, uri);
        w.WriteStartObject("request");
        w.WriteString($"{uri}.$", $"$.{uri}");
        w.WriteNumber("maxConcurrency", options.MaxConcurrency);
        w.WriteEndObject();
        w.WriteStartObject("totals");
        w.WriteNumber("invocations", 0);
        foreach (string counter in variant.Counters) w.WriteNumber(counter, 0);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteString("Next", "Invoke");
        w.WriteEndObject();

        // The payload: the execution's invocation options, with this request's fields over them.
        w.WriteStartObject("Invoke");
        WriteInvokeTask(w, options, "States.JsonMerge($.invocation, $.request, false)");
        w.WriteString("ResultPath", "$.result");
        w.WriteStartArray("Catch");
        w.WriteStartObject();
        w.WriteStartArray("ErrorEquals");
        w.WriteStringValue("States.ALL");
        w.WriteEndArray();
        w.WriteString("ResultPath", "$.error");
        w.WriteString("Next", "Failed");
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteString("Next", "Tally");
        w.WriteEndObject();

        w.WriteStartObject("Tally");
        w.WriteString("Type", "Pass");
        w.WriteStartObject("Parameters");
        WriteCarried(w, uri);
        w.WriteString("request.$", "$.request");
        w.WriteString("result.$", "$.result");
        w.WriteStartObject("totals");
        w.WriteString("invocations.$", "States.MathAdd($.totals.invocations, 1)");
        foreach (string counter in variant.Counters) w.WriteString($"{counter}.$", $"States.MathAdd($.totals.{counter}, $.result.summary.{counter})");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteString("Next", "IsDone");
        w.WriteEndObject();

        w.WriteStartObject("IsDone");
        w.WriteString("Type", "Choice");
        w.WriteStartArray("Choices");
        w.WriteStartObject();
        w.WriteString("Variable", "$.result.done");
        w.WriteBoolean("BooleanEquals", false);
        w.WriteString("Next", "Continue");
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteString("Default", "Finished");
        w.WriteEndObject();

        // The next request carries the continuation the function returned (small: a position, no item data).
        w.WriteStartObject("Continue");
        w.WriteString("Type", "Pass");
        w.WriteStartObject("Parameters");
        WriteCarried(w, uri);
        w.WriteString("totals.$", "$.totals");
        w.WriteStartObject("request");
        w.WriteString($"{variant.ContinuationField}.$", "$.result.summary.continuation");
        w.WriteNumber("maxConcurrency", options.MaxConcurrency);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteString("Next", "Invoke");
        w.WriteEndObject();

        // What ResultWriter records for the item: which split, its totals, and the last summary.
        w.WriteStartObject("Finished");
        w.WriteString("Type", "Pass");
        w.WriteStartObject("Parameters");
        w.WriteString("index.$", "$.index");
        w.WriteString($"{uri}.$", $"$.{uri}");
        w.WriteBoolean("done", true);
        w.WriteString("totals.$", "$.totals");
        w.WriteString("last.$", "$.result.summary");
        w.WriteEndObject();
        w.WriteBoolean("End", true);
        w.WriteEndObject();

        // A failed item names its split in the error ResultWriter records (FAILED_*.json) and the console shows.
        w.WriteStartObject("Failed");
        w.WriteString("Type", "Fail");
        w.WriteString("ErrorPath", "$.error.Error");
        w.WriteString("CausePath", $"States.Format('{variant.Noun} {{}} ({{}}) failed: {{}}', $.index, $.{uri}, $.error.Cause)");
        w.WriteEndObject();
    }

    /// <summary>The fields every item state passes on unchanged.</summary>
    private static void WriteCarried(Utf8JsonWriter w, string uriField)
    {
        w.WriteString("index.$", "$.index");
        w.WriteString($"{uriField}.$", $"$.{uriField}");
        w.WriteString("invocation.$", "$.invocation");
    }

    private static void WriteFinishExport(Utf8JsonWriter w, FanOutDefinitionOptions options)
    {
        w.WriteStartObject("FinishExport");
        w.WriteString("Comment", "Writes the export's manifest once every segment is done; fails naming the segments that are not.");
        WriteInvokeTask(w, options, payloadPath: null);
        w.WriteString("ResultPath", "$.finish");
        w.WriteBoolean("End", true);
        w.WriteEndObject();
    }

    /// <summary>
    /// A Lambda invoke task (Type, Resource, Parameters, ResultSelector, Retry): the payload from
    /// <paramref name="payloadPath"/>, or <c>{"finishExport": $.plan}</c> when null.
    /// </summary>
    private static void WriteInvokeTask(Utf8JsonWriter w, FanOutDefinitionOptions options, string? payloadPath)
    {
        w.WriteString("Type", "Task");
        w.WriteString("Resource", "arn:aws:states:::lambda:invoke");
        w.WriteStartObject("Parameters");
        w.WriteString("FunctionName", options.FunctionArn);
        if (payloadPath is not null)
        {
            w.WriteString("Payload.$", payloadPath);
        }
        else
        {
            w.WriteStartObject("Payload");
            w.WriteString("finishExport.$", "$.plan");
            w.WriteEndObject();
        }
        w.WriteEndObject();
        // The function's answer (a split-run summary) without the invoke's envelope (status code, headers).
        w.WriteStartObject("ResultSelector");
        w.WriteString("done.$", "$.Payload.done");
        w.WriteString("summary.$", "$.Payload");
        w.WriteEndObject();
        w.WriteStartArray("Retry");
        w.WriteStartObject();
        w.WriteStartArray("ErrorEquals");
        foreach (string error in RetriedErrors) w.WriteStringValue(error);
        w.WriteEndArray();
        w.WriteNumber("IntervalSeconds", 2);
        w.WriteNumber("MaxAttempts", 8);
        w.WriteNumber("BackoffRate", 2);
        w.WriteNumber("MaxDelaySeconds", 120);
        // Spread the retries of many throttled items, so they do not all come back at once.
        w.WriteString("JitterStrategy", "FULL");
        w.WriteEndObject();
        w.WriteEndArray();
    }
}
