using System.Text.RegularExpressions;

namespace DynamoDb.Connector.IntegrationTests.Samples;

/// <summary>
/// The README's library code is the samples' code: each <c>```csharp</c> block of the section follows a marker
/// <c>&lt;!-- snippet: samples/X/File.cs#region1,region2 --&gt;</c> and must equal those <c>#region</c>s of that file
/// (dedented, joined by a blank line), so the README shows code that compiles and runs (the samples are built and run
/// by the tests).
/// </summary>
public static partial class ReadmeSnippets
{
    /// <summary>A snippet the README shows: where from, and the text it shows.</summary>
    public sealed record Snippet(int Line, string File, IReadOnlyList<string> Regions, string Shown);

    /// <summary>
    /// The problems in <paramref name="readme"/>'s section <paramref name="section"/> (a <c>## </c> heading), each
    /// naming the README line and what to change; empty when every block is its regions. Files are read under
    /// <paramref name="root"/>.
    /// </summary>
    public static IReadOnlyList<string> Check(string readme, string section, string root)
    {
        var problems = new List<string>();
        var snippets = Find(readme, section, problems);
        foreach (var snippet in snippets)
        {
            string path = Path.Combine(root, snippet.File);
            if (!System.IO.File.Exists(path))
            {
                problems.Add($"README.md:{snippet.Line}: the snippet's file {snippet.File} does not exist.");
                continue;
            }
            string source = System.IO.File.ReadAllText(path).ReplaceLineEndings("\n");
            var parts = new List<string>();
            foreach (string region in snippet.Regions)
            {
                if (Region(source, region) is { } text) parts.Add(text);
                else problems.Add($"README.md:{snippet.Line}: {snippet.File} has no '#region {region}' ... '#endregion'.");
            }
            if (parts.Count != snippet.Regions.Count) continue;
            string expected = string.Join("\n\n", parts);
            if (expected != snippet.Shown)
            {
                problems.Add($"README.md:{snippet.Line}: the block differs from {snippet.File}#{string.Join(',', snippet.Regions)} " +
                    $"(first different line {FirstDifference(expected, snippet.Shown)}); the block should read:\n{expected}");
            }
        }
        return problems;
    }

    /// <summary>The snippets of the section; a csharp block without a marker, or a marker without a block, is a problem.</summary>
    public static IReadOnlyList<Snippet> Find(string readme, string section, List<string> problems)
    {
        var lines = readme.ReplaceLineEndings("\n").Split('\n');
        int start = Array.FindIndex(lines, l => l.TrimEnd() == "## " + section);
        if (start < 0)
        {
            problems.Add($"README.md has no section '## {section}'.");
            return [];
        }
        var snippets = new List<Snippet>();
        (int Line, string File, string[] Regions)? marker = null;
        for (int i = start + 1; i < lines.Length && !lines[i].StartsWith("## ", StringComparison.Ordinal); i++)
        {
            if (MarkerLine().Match(lines[i]) is { Success: true } m)
            {
                marker = (i + 1, m.Groups["file"].Value, m.Groups["regions"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
                continue;
            }
            if (!lines[i].StartsWith("```", StringComparison.Ordinal)) continue;
            int end = Array.FindIndex(lines, i + 1, l => l.StartsWith("```", StringComparison.Ordinal));
            if (end < 0)
            {
                problems.Add($"README.md:{i + 1}: a code block that never ends.");
                break;
            }
            bool csharp = lines[i].Trim() is "```csharp" or "```cs" or "```c#";
            if (csharp && marker is null)
            {
                problems.Add($"README.md:{i + 1}: a C# block without a '<!-- snippet: samples/...cs#region -->' marker: take it from a sample.");
            }
            else if (csharp)
            {
                snippets.Add(new Snippet(marker!.Value.Line, marker.Value.File, marker.Value.Regions, string.Join("\n", lines[(i + 1)..end])));
            }
            else if (marker is not null)
            {
                problems.Add($"README.md:{marker.Value.Line}: the snippet marker is followed by a block that is not ```csharp.");
            }
            marker = null;
            i = end;
        }
        if (marker is not null) problems.Add($"README.md:{marker.Value.Line}: a snippet marker with no code block after it.");
        return snippets;
    }

    /// <summary>The lines between <c>#region name</c> and its <c>#endregion</c>, dedented by their common indentation; null when absent.</summary>
    public static string? Region(string source, string name)
    {
        var lines = source.Split('\n');
        int start = Array.FindIndex(lines, l => l.Trim() == "#region " + name);
        if (start < 0) return null;
        int depth = 0, end = -1;
        for (int i = start + 1; i < lines.Length && end < 0; i++)
        {
            string trimmed = lines[i].Trim();
            if (trimmed.StartsWith("#region", StringComparison.Ordinal)) depth++;
            else if (trimmed.StartsWith("#endregion", StringComparison.Ordinal) && depth-- == 0) end = i;
        }
        if (end < 0) return null;
        var body = lines[(start + 1)..end].Where(l => !l.Trim().StartsWith("#region", StringComparison.Ordinal) && !l.Trim().StartsWith("#endregion", StringComparison.Ordinal)).ToList();
        int indent = body.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return string.Join("\n", body.Select(l => l.Trim().Length == 0 ? "" : l[indent..].TrimEnd()));
    }

    private static int FirstDifference(string expected, string shown)
    {
        var a = expected.Split('\n');
        var b = shown.Split('\n');
        int i = 0;
        while (i < a.Length && i < b.Length && a[i] == b[i]) i++;
        return i + 1;
    }

    [GeneratedRegex(@"^<!--\s*snippet:\s*(?<file>[^#\s]+)#(?<regions>[^\s]+)\s*-->\s*$")]
    private static partial Regex MarkerLine();
}
