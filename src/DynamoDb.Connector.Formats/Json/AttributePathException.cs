using System.Text;

namespace DynamoDb.Connector.Formats.Json;

/// <summary>
/// A problem with one attribute value, carrying the path to it (<c>meta.tags[2]</c>), built while the exception
/// unwinds out of the nested values so the happy path pays nothing for it. Thrown by <see cref="JsonItemParser"/> and
/// <see cref="JsonItemFormatter"/>; <see cref="Reason"/> is what the connector writes in a dead letter.
/// </summary>
/// <param name="problem">What is wrong, without the path.</param>
public sealed class AttributePathException(string problem) : Exception(problem)
{
    private List<string>? _segments;

    /// <summary>What is wrong, without the path.</summary>
    public string Problem { get; } = problem;

    /// <summary>Adds the enclosing attribute name (or <c>[index]</c>) while unwinding.</summary>
    public AttributePathException Within(string segment)
    {
        (_segments ??= []).Add(segment);
        return this;
    }

    /// <summary>The path from the item's top level, such as <c>meta.tags[2]</c>; empty for the item itself.</summary>
    public string Path
    {
        get
        {
            if (_segments is null) return "";
            var path = new StringBuilder();
            for (int i = _segments.Count - 1; i >= 0; i--)
            {
                string segment = _segments[i];
                if (path.Length > 0 && !segment.StartsWith('[')) path.Append('.');
                path.Append(segment);
            }
            return path.ToString();
        }
    }

    /// <summary><c>attribute 'path': problem</c>, or the problem alone when it is about the whole line.</summary>
    public string Reason => _segments is null ? Problem : $"attribute '{Path}': {Problem}";
}
