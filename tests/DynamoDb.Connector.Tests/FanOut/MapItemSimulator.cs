using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace DynamoDb.Connector.Tests.FanOut;

/// <summary>
/// Runs one Distributed Map item through a definition's ItemSelector and ItemProcessor the way Step Functions would,
/// for the subset of JSONPath Amazon States Language the fan-out uses: Pass and Task <c>Parameters</c> (static values
/// and <c>.$</c> paths, <c>$$.Map.Item.Value</c>, <c>States.JsonMerge</c>, <c>States.MathAdd</c>), <c>ResultSelector</c>,
/// <c>ResultPath</c>, a Choice on <c>BooleanEquals</c>, Fail and End. Anything else throws, so a definition using more
/// than this fails the test rather than passing unchecked.
/// </summary>
public static partial class MapItemSimulator
{
    /// <summary>What the item did: the payloads the function was sent, and the item's output (or its failure's cause).</summary>
    public sealed record Outcome(List<JsonObject> Payloads, JsonNode? Output, string? Failure);

    /// <summary>
    /// Runs <paramref name="item"/> (one element of items.json) with <paramref name="executionInput"/> as the Map's
    /// input; <paramref name="function"/> answers each payload as the Lambda function would (its Payload), or throws
    /// for an invocation that fails.
    /// </summary>
    public static Outcome Run(string definition, JsonObject executionInput, JsonObject item, Func<JsonObject, JsonObject> function)
    {
        var map = JsonNode.Parse(definition)!["States"]!["Map"]!.AsObject();
        var context = new JsonObject { ["Map"] = new JsonObject { ["Item"] = new JsonObject { ["Value"] = item.DeepClone() } } };
        JsonNode state = Template(map["ItemSelector"]!.AsObject(), executionInput, context);
        var processor = map["ItemProcessor"]!.AsObject();
        var states = processor["States"]!.AsObject();
        string name = processor["StartAt"]!.GetValue<string>();
        var payloads = new List<JsonObject>();
        for (int steps = 0; steps < 1_000; steps++)
        {
            var current = states[name]!.AsObject();
            switch (current["Type"]!.GetValue<string>())
            {
                case "Pass":
                    state = Template(current["Parameters"]!.AsObject(), state, context);
                    break;
                case "Task":
                    var parameters = Template(current["Parameters"]!.AsObject(), state, context);
                    var payload = parameters["Payload"]!.AsObject();
                    payloads.Add((JsonObject)payload.DeepClone());
                    JsonObject answer;
                    try
                    {
                        answer = function(payload);
                    }
                    catch (InvalidOperationException e)
                    {
                        var caught = current["Catch"]![0]!.AsObject();
                        state = Assign(state, caught["ResultPath"]!.GetValue<string>(), new JsonObject { ["Error"] = "Lambda.Unknown", ["Cause"] = e.Message });
                        name = caught["Next"]!.GetValue<string>();
                        continue;
                    }
                    var result = Template(current["ResultSelector"]!.AsObject(), new JsonObject { ["Payload"] = answer }, context);
                    state = Assign(state, current["ResultPath"]!.GetValue<string>(), result);
                    break;
                case "Choice":
                    var rule = current["Choices"]!.AsArray().Select(c => c!.AsObject())
                        .FirstOrDefault(c => Select(state, c["Variable"]!.GetValue<string>(), context)!.GetValue<bool>() == c["BooleanEquals"]!.GetValue<bool>());
                    name = (rule?["Next"] ?? current["Default"])!.GetValue<string>();
                    continue;
                case "Fail":
                    return new Outcome(payloads, null, Evaluate(current["CausePath"]!.GetValue<string>(), state, context)!.ToString());
                default:
                    throw new NotSupportedException($"state type {current["Type"]}");
            }
            if (current["End"]?.GetValue<bool>() == true) return new Outcome(payloads, state, null);
            name = current["Next"]!.GetValue<string>();
        }
        throw new InvalidOperationException("the item did not end in 1,000 steps");
    }

    private static JsonObject Template(JsonObject template, JsonNode input, JsonNode context)
    {
        var output = new JsonObject();
        foreach (var (key, value) in template)
        {
            if (key.EndsWith(".$", StringComparison.Ordinal)) output[key[..^2]] = Evaluate(value!.GetValue<string>(), input, context)?.DeepClone();
            else output[key] = value is JsonObject nested ? Template(nested, input, context) : value?.DeepClone();
        }
        return output;
    }

    private static JsonNode? Evaluate(string expression, JsonNode input, JsonNode context)
    {
        var call = Intrinsic().Match(expression);
        if (!call.Success) return Select(input, expression, context);
        var args = Arguments(call.Groups[2].Value).Select(a => a.StartsWith('\'') ? JsonValue.Create(a[1..^1]) : a is "false" or "true" ? JsonValue.Create(a == "true") : a.StartsWith('$') ? Select(input, a, context) : JsonValue.Create(long.Parse(a, System.Globalization.CultureInfo.InvariantCulture))).ToList();
        switch (call.Groups[1].Value)
        {
            case "JsonMerge":
                Assert.False(args[2]!.GetValue<bool>());
                var merged = (JsonObject)args[0]!.DeepClone();
                foreach (var (key, value) in args[1]!.AsObject()) merged[key] = value?.DeepClone();
                return merged;
            case "MathAdd":
                return JsonValue.Create(args[0]!.GetValue<long>() + args[1]!.GetValue<long>());
            case "Format":
                string format = args[0]!.GetValue<string>();
                int next = 1;
                return JsonValue.Create(Placeholder().Replace(format, _ => args[next++]!.ToString()));
            default:
                throw new NotSupportedException($"intrinsic {expression}");
        }
    }

    private static IEnumerable<string> Arguments(string text)
    {
        int depth = 0, start = 0;
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\'') quoted = !quoted;
            else if (!quoted && text[i] == '(') depth++;
            else if (!quoted && text[i] == ')') depth--;
            else if (!quoted && depth == 0 && text[i] == ',')
            {
                yield return text[start..i].Trim();
                start = i + 1;
            }
        }
        yield return text[start..].Trim();
    }

    /// <summary>A path of names: <c>$.a.b</c> in the state, <c>$$.a.b</c> in the context object; a missing field throws, as at run time.</summary>
    private static JsonNode? Select(JsonNode input, string path, JsonNode context)
    {
        JsonNode? node = path.StartsWith("$$", StringComparison.Ordinal) ? context : input;
        foreach (string part in path.TrimStart('$').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(part, out node))
            {
                throw new InvalidOperationException($"States.Runtime: '{path}' selects nothing in {input.ToJsonString()}");
            }
        }
        return node;
    }

    private static JsonNode Assign(JsonNode state, string resultPath, JsonNode value)
    {
        var copy = (JsonObject)state.DeepClone();
        string[] parts = resultPath.TrimStart('$').Split('.', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(parts);
        copy[parts[0]] = value;
        return copy;
    }

    [GeneratedRegex(@"^States\.(\w+)\((.*)\)$")]
    private static partial Regex Intrinsic();

    [GeneratedRegex(@"\{\}")]
    private static partial Regex Placeholder();

    /// <summary>Parses a JSON object.</summary>
    public static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    /// <summary>The sorted field names of <paramref name="obj"/>.</summary>
    public static string[] Fields(JsonObject obj) => [.. obj.Select(p => p.Key).Order(StringComparer.Ordinal)];

    /// <summary>The value at a field, as JSON text.</summary>
    public static string Text(JsonNode? node) => node?.ToJsonString(new JsonSerializerOptions()) ?? "null";
}
