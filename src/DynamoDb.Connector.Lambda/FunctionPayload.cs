using System.Globalization;
using System.Text.Json;

namespace DynamoDb.Connector.Lambda;

/// <summary>What an invocation asks for (see the payload rules in the README's "Run at scale").</summary>
internal enum PayloadKind
{
    /// <summary>Run (or go on with) one import split: <c>split</c> or <c>splitUri</c>, with <c>table</c>.</summary>
    ImportSplit,

    /// <summary>Run (or go on with) one export segment: <c>exportSegment</c> or <c>exportSegmentUri</c>.</summary>
    ExportSegment,

    /// <summary>Finish a fanned-out export (write its manifest): <c>finishExport</c>, the plan's uri.</summary>
    FinishExport,
}

/// <summary>
/// An invocation's payload, read without reflection (Native AOT): which kind of work, its document (inline or a uri)
/// and the run's options. Anything it cannot take (a missing or unknown property, a value out of range) is refused
/// with a <see cref="FormatException"/> naming the property and the reason: a guessed run could write the wrong data.
/// </summary>
internal sealed class FunctionPayload
{
    private static readonly string[] ImportProperties =
        ["table", "split", "splitUri", "timeBudgetSeconds", "maxConcurrency", "writePercent", "checkpointUri", "deadLetterUri"];

    private static readonly string[] ExportProperties = ["exportSegment", "exportSegmentUri", "timeBudgetSeconds", "maxConcurrency", "readPercent"];

    private static readonly string[] FinishProperties = ["finishExport"];

    // A Distributed Map's item ({"splitUri":...,"index":N}) may be passed on whole: its index is for the map's records.
    private static readonly string[] Passed = ["index"];

    public PayloadKind Kind { get; private init; }

    /// <summary>The document given inline (<c>split</c>, <c>exportSegment</c>), as JSON text; null when given by uri.</summary>
    public string? Document { get; private init; }

    /// <summary>Where the document is (<c>splitUri</c>, <c>exportSegmentUri</c>; <c>finishExport</c>: the plan); null when given inline.</summary>
    public string? DocumentUri { get; private init; }

    public string? Table { get; private init; }

    public TimeSpan? TimeBudget { get; private init; }

    public int? MaxConcurrency { get; private init; }

    /// <summary>The share of the table's capacity as a fraction (the payload gives a percentage).</summary>
    public double? WriteShare { get; private init; }

    /// <summary>The share of the table's read capacity as a fraction (the payload gives a percentage).</summary>
    public double? ReadShare { get; private init; }

    public string? CheckpointUri { get; private init; }

    public string? DeadLetterUri { get; private init; }

    /// <summary>Reads a payload.</summary>
    /// <exception cref="FormatException">The payload is not one this function takes; the message says why.</exception>
    public static FunctionPayload Parse(ReadOnlyMemory<byte> json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"payload: not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new FormatException($"payload: a JSON object is expected, not {Describe(root.ValueKind)}.");
            bool import = root.TryGetProperty("split", out _) || root.TryGetProperty("splitUri", out _);
            bool export = root.TryGetProperty("exportSegment", out _) || root.TryGetProperty("exportSegmentUri", out _);
            bool finish = root.TryGetProperty("finishExport", out _);
            if ((import ? 1 : 0) + (export ? 1 : 0) + (finish ? 1 : 0) > 1)
            {
                throw new FormatException("payload: it names more than one kind of work; give one of \"split\"/\"splitUri\", \"exportSegment\"/\"exportSegmentUri\" or \"finishExport\".");
            }
            if (import) return ImportSplit(root);
            if (export) return ExportSegment(root);
            if (finish) return FinishExport(root);
            throw new FormatException("payload: no work named: give \"split\" (a split document or continuation) or \"splitUri\" (where one is), with \"table\"; or \"exportSegment\"/\"exportSegmentUri\"; or \"finishExport\" (the export plan's uri).");
        }
    }

    private static FunctionPayload ImportSplit(JsonElement root)
    {
        RefuseUnknown(root, ImportProperties);
        var (document, uri) = DocumentOf(root, "split", "splitUri", "a split document");
        string table = OptionalString(root, "table") ?? throw new FormatException("payload: \"table\" (the table to import into) is missing.");
        return new FunctionPayload
        {
            Kind = PayloadKind.ImportSplit,
            Document = document,
            DocumentUri = uri,
            Table = table,
            TimeBudget = TimeBudgetOf(root),
            MaxConcurrency = MaxConcurrencyOf(root),
            WriteShare = ShareOf(root, "writePercent", Capacity.WriteThroughputOptions.MinWritePercent, Capacity.WriteThroughputOptions.MaxWritePercent, "write"),
            CheckpointUri = OptionalString(root, "checkpointUri"),
            DeadLetterUri = OptionalString(root, "deadLetterUri"),
        };
    }

    private static FunctionPayload ExportSegment(JsonElement root)
    {
        RefuseUnknown(root, ExportProperties);
        var (document, uri) = DocumentOf(root, "exportSegment", "exportSegmentUri", "a segment document");
        return new FunctionPayload
        {
            Kind = PayloadKind.ExportSegment,
            Document = document,
            DocumentUri = uri,
            TimeBudget = TimeBudgetOf(root),
            MaxConcurrency = MaxConcurrencyOf(root),
            ReadShare = ShareOf(root, "readPercent", Capacity.ReadThroughputOptions.MinReadPercent, Capacity.ReadThroughputOptions.MaxReadPercent, "read"),
        };
    }

    /// <summary>The work's document: inline (<paramref name="inlineName"/>, kept as its JSON text) or where it is (<paramref name="uriName"/>).</summary>
    private static (string? Document, string? Uri) DocumentOf(JsonElement root, string inlineName, string uriName, string what)
    {
        bool inline = root.TryGetProperty(inlineName, out var document);
        string? uri = OptionalString(root, uriName);
        if (inline && uri is not null) throw new FormatException($"payload: give \"{inlineName}\" or \"{uriName}\", not both.");
        if (inline && document.ValueKind != JsonValueKind.Object) throw new FormatException($"payload: \"{inlineName}\" must be {what} (a JSON object), not {Describe(document.ValueKind)}.");
        return (inline ? document.GetRawText() : null, uri);
    }

    /// <summary>A percentage of the table's capacity (<paramref name="name"/>) as a fraction, refused outside <paramref name="min"/>..<paramref name="max"/> (fractions).</summary>
    private static double? ShareOf(JsonElement root, string name, double min, double max, string capacity)
    {
        double? percent = OptionalNumber(root, name);
        if (percent is { } p && (p < 100 * min || p > 100 * max))
        {
            throw new FormatException($"payload: \"{name}\" is {Invariant(p)}; it is a percentage of the table's {capacity} capacity, between {Invariant(100 * min)} and {Invariant(100 * max)} (50 is half).");
        }
        return percent / 100;
    }

    private static FunctionPayload FinishExport(JsonElement root)
    {
        RefuseUnknown(root, FinishProperties);
        return new FunctionPayload
        {
            Kind = PayloadKind.FinishExport,
            DocumentUri = OptionalString(root, "finishExport") ?? throw new FormatException("payload: \"finishExport\" must be the export plan's uri (the folder of plan-export --out)."),
        };
    }

    private static TimeSpan? TimeBudgetOf(JsonElement root) => OptionalNumber(root, "timeBudgetSeconds") switch
    {
        null => null,
        > 0 and <= MaxSeconds and var seconds => TimeSpan.FromSeconds(seconds),
        var seconds => throw new FormatException($"payload: \"timeBudgetSeconds\" is {Invariant(seconds!.Value)}; it must be more than 0 and at most {MaxSeconds} (a day)."),
    };

    private static int? MaxConcurrencyOf(JsonElement root) => OptionalNumber(root, "maxConcurrency") switch
    {
        null => null,
        >= 1 and <= 100_000 and var n when n == Math.Floor(n) => (int)n,
        var n => throw new FormatException($"payload: \"maxConcurrency\" is {Invariant(n!.Value)}; it must be a whole number from 1 to 100,000 (the invocations running at once)."),
    };

    /// <summary>The longest time budget taken: a day (a Lambda invocation lives at most 15 minutes; other hosts longer).</summary>
    private const double MaxSeconds = 86_400;

    private static void RefuseUnknown(JsonElement root, string[] known)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (!known.Contains(property.Name, StringComparer.Ordinal) && !Passed.Contains(property.Name, StringComparer.Ordinal))
            {
                throw new FormatException($"payload: unknown property \"{property.Name}\"; this payload takes {string.Join(", ", known.Select(k => $"\"{k}\""))}.");
            }
        }
    }

    private static string? OptionalString(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.String) throw new FormatException($"payload: \"{name}\" must be a string, not {Describe(value.ValueKind)}.");
        return value.GetString() is { Length: > 0 } text ? text : throw new FormatException($"payload: \"{name}\" must be a non-empty string.");
    }

    private static double? OptionalNumber(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double number)
            ? number
            : throw new FormatException($"payload: \"{name}\" must be a number, not {Describe(value.ValueKind)}.");
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);
}
