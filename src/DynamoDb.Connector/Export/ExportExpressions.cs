using System.Text.RegularExpressions;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Items;

namespace DynamoDb.Connector.Export;

/// <summary>One Query of an export: its key condition and the placeholders that condition and the shared expressions use.</summary>
/// <param name="KeyConditionExpression">The key condition sent to DynamoDB (an <c>IN</c> list already replaced by one <c>=</c>).</param>
/// <param name="PartitionKeyValue">For a query expanded from an <c>IN</c> list, the partition key value it reads; otherwise null.</param>
internal sealed record QueryCondition(string KeyConditionExpression, AttributeValue? PartitionKeyValue);

/// <summary>
/// Expression handling for exports: which <c>#name</c> and <c>:value</c> placeholders an expression uses, and the
/// connector's one extension to DynamoDB's key condition syntax, an <c>IN</c> list on the partition key
/// (<c>pk IN (:a, :b)</c> or <c>#pk IN (:a, :b) AND sk &gt; :c</c>), which becomes one Query per value
/// (<c>pk = :a AND sk &gt; :c</c>, <c>pk = :b AND sk &gt; :c</c>). Expressions hold no string literals, so placeholders
/// are found by their spelling alone.
/// </summary>
internal static partial class ExportExpressions
{
    /// <summary>The most values one <c>IN</c> list may hold (each becomes a Query).</summary>
    public const int MaxInValues = 10_000;

    [GeneratedRegex(@"#[A-Za-z0-9_]+", RegexOptions.CultureInvariant)]
    private static partial Regex NamePlaceholder();

    [GeneratedRegex(@":[A-Za-z0-9_]+", RegexOptions.CultureInvariant)]
    private static partial Regex ValuePlaceholder();

    // operand IN ( :a , :b ... ): the operand is a #placeholder or a plain attribute name.
    [GeneratedRegex(@"(?<![A-Za-z0-9_#:.])(?<operand>#[A-Za-z0-9_]+|[A-Za-z_][A-Za-z0-9_]*)\s+IN\s*\((?<list>[^()]*)\)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex InList();

    /// <summary>The <c>#name</c> placeholders <paramref name="expression"/> uses.</summary>
    public static IEnumerable<string> NamesIn(string? expression) =>
        expression is null ? [] : NamePlaceholder().Matches(expression).Select(m => m.Value);

    /// <summary>The <c>:value</c> placeholders <paramref name="expression"/> uses.</summary>
    public static IEnumerable<string> ValuesIn(string? expression) =>
        expression is null ? [] : ValuePlaceholder().Matches(expression).Select(m => m.Value);

    /// <summary>
    /// The names and values, cut down to those <paramref name="expressions"/> use: DynamoDB rejects a request that
    /// defines a placeholder none of its expressions uses. Null when none is left.
    /// </summary>
    public static (Dictionary<string, string>? Names, Dictionary<string, AttributeValue>? Values) UsedBy(
        IReadOnlyDictionary<string, string>? names,
        IReadOnlyDictionary<string, AttributeValue>? values,
        params string?[] expressions)
    {
        var usedNames = new HashSet<string>(expressions.SelectMany(NamesIn), StringComparer.Ordinal);
        var usedValues = new HashSet<string>(expressions.SelectMany(ValuesIn), StringComparer.Ordinal);
        Dictionary<string, string>? keptNames = null;
        Dictionary<string, AttributeValue>? keptValues = null;
        foreach (var (key, value) in names ?? new Dictionary<string, string>())
        {
            if (usedNames.Contains(key)) (keptNames ??= new(StringComparer.Ordinal))[key] = value;
        }
        foreach (var (key, value) in values ?? new Dictionary<string, AttributeValue>())
        {
            if (usedValues.Contains(key)) (keptValues ??= new(StringComparer.Ordinal))[key] = value;
        }
        return (keptNames, keptValues);
    }

    /// <summary>
    /// Every placeholder the expressions use that <paramref name="names"/> or <paramref name="values"/> does not
    /// define, as error messages naming the expression.
    /// </summary>
    public static IEnumerable<string> Undefined(
        IReadOnlyDictionary<string, string>? names,
        IReadOnlyDictionary<string, AttributeValue>? values,
        params (string Option, string? Expression)[] expressions)
    {
        foreach (var (option, expression) in expressions)
        {
            foreach (var name in NamesIn(expression).Distinct(StringComparer.Ordinal))
            {
                if (names is null || !names.ContainsKey(name))
                    yield return $"{option} uses {name}, which ExpressionAttributeNames does not define.";
            }
            foreach (var value in ValuesIn(expression).Distinct(StringComparer.Ordinal))
            {
                if (values is null || !values.ContainsKey(value))
                    yield return $"{option} uses {value}, which ExpressionAttributeValues does not define.";
            }
        }
    }

    /// <summary>
    /// The Queries a key condition stands for: itself, or with an <c>IN</c> list on the partition key, one per
    /// distinct value, each with the list replaced by <c>operand = :value</c>. Values equal as key values (numbers by
    /// value, so <c>1</c> and <c>1.0</c> are one partition) are read once.
    /// </summary>
    /// <param name="keyCondition">The key condition, possibly with one <c>IN</c> list.</param>
    /// <param name="names">The expression attribute names (to resolve a <c>#placeholder</c> operand).</param>
    /// <param name="values">The expression attribute values (each listed placeholder must be defined).</param>
    /// <param name="partitionKey">The partition key of the table or index queried.</param>
    /// <param name="sortKey">Its sort key, if any (named in the error when the list is on it).</param>
    /// <exception cref="ArgumentException">More than one <c>IN</c> list, a list not on the partition key, an empty or malformed list, or an undefined placeholder.</exception>
    public static IReadOnlyList<QueryCondition> ExpandKeyCondition(
        string keyCondition,
        IReadOnlyDictionary<string, string>? names,
        IReadOnlyDictionary<string, AttributeValue>? values,
        string partitionKey,
        string? sortKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyCondition);
        var matches = InList().Matches(keyCondition);
        if (matches.Count == 0)
        {
            return [new QueryCondition(keyCondition, null)];
        }
        if (matches.Count > 1)
        {
            throw new ArgumentException($"KeyConditionExpression '{keyCondition}' has {matches.Count} IN lists; only one is allowed, on the partition key ({partitionKey}).");
        }
        var match = matches[0];
        string operand = match.Groups["operand"].Value;
        string attribute = operand;
        if (operand.StartsWith('#'))
        {
            if (names is null || !names.TryGetValue(operand, out var resolved))
            {
                throw new ArgumentException($"KeyConditionExpression uses {operand}, which ExpressionAttributeNames does not define.");
            }
            attribute = resolved;
        }
        if (!string.Equals(attribute, partitionKey, StringComparison.Ordinal))
        {
            string what = string.Equals(attribute, sortKey, StringComparison.Ordinal) ? "the sort key" : "not a key attribute";
            throw new ArgumentException(
                $"KeyConditionExpression: IN is supported on the partition key ({partitionKey}) only; '{attribute}' is {what}. Use BETWEEN or a FilterExpression for other attributes.");
        }
        var placeholders = match.Groups["list"].Value.Split(',', StringSplitOptions.TrimEntries);
        if (placeholders.Length == 0 || placeholders.Any(p => !ValuePlaceholder().IsMatch(p) || ValuePlaceholder().Match(p).Value != p))
        {
            throw new ArgumentException(
                $"KeyConditionExpression: the IN list '({match.Groups["list"].Value})' must be one or more :placeholders separated by commas, such as IN (:a, :b).");
        }
        if (placeholders.Length > MaxInValues)
        {
            throw new ArgumentException($"KeyConditionExpression: the IN list has {placeholders.Length} values; at most {MaxInValues:N0} are allowed (each is one Query).");
        }
        var queries = new List<QueryCondition>(placeholders.Length);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var placeholder in placeholders)
        {
            if (values is null || !values.TryGetValue(placeholder, out var value))
            {
                throw new ArgumentException($"KeyConditionExpression uses {placeholder}, which ExpressionAttributeValues does not define.");
            }
            if (!seen.Add(KeyText(value, placeholder)))
            {
                continue; // the same partition twice would export its items twice
            }
            string condition = string.Concat(keyCondition.AsSpan(0, match.Index), $"{operand} = {placeholder}", keyCondition.AsSpan(match.Index + match.Length));
            queries.Add(new QueryCondition(condition, value));
        }
        return queries;
    }

    // A key value as text that is equal exactly when DynamoDB sees the same key.
    private static string KeyText(AttributeValue value, string placeholder) => AttributeValues.KindOf(value) switch
    {
        AttributeKind.S => "S:" + value.S,
        AttributeKind.N => "N:" + NumberText.Canonical(value.N),
        AttributeKind.B => "B:" + Convert.ToBase64String(AttributeValues.BytesOf(value.B)),
        var kind => throw new ArgumentException($"KeyConditionExpression: {placeholder} in the IN list is of type {kind}; a partition key value is a string (S), number (N) or binary (B)."),
    };
}
