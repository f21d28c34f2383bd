using DynamoDb.Connector.IntegrationTests.Infrastructure;

namespace DynamoDb.Connector.IntegrationTests.Samples;

/// <summary>The README's library section shows the samples' code, exactly (see <see cref="ReadmeSnippets"/>).</summary>
public sealed class ReadmeSnippetsTests
{
    private const string Section = "The library";
    private static readonly string Root = LocalServers.RepositoryRoot;

    private static string Readme => File.ReadAllText(Path.Combine(Root, "README.md"));

    [Fact]
    public void EveryCSharpBlockOfTheLibrarySection_IsTheSampleRegionsItNames()
    {
        var problems = ReadmeSnippets.Check(Readme, Section, Root);

        Assert.True(problems.Count == 0, string.Join("\n\n", problems));
        Assert.NotEmpty(ReadmeSnippets.Find(Readme, Section, []));
    }

    [Fact]
    public void ABlockThatDiffersFromItsRegionByOneLine_IsReported_WithTheLineAndTheRegionsText()
    {
        var snippet = ReadmeSnippets.Find(Readme, Section, []).First();
        string lastLine = snippet.Shown.Split('\n')[^1];
        string changed = Readme.Replace(snippet.Shown, snippet.Shown[..^lastLine.Length] + lastLine + " // changed", StringComparison.Ordinal);

        var problem = Assert.Single(ReadmeSnippets.Check(changed, Section, Root));

        Assert.Contains($"README.md:{snippet.Line}", problem, StringComparison.Ordinal);
        Assert.Contains($"{snippet.File}#{string.Join(',', snippet.Regions)}", problem, StringComparison.Ordinal);
        Assert.Contains(lastLine, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void ACSharpBlockWithoutAMarker_OrAMarkerNamingNoRegion_IsReported()
    {
        string readme = """
            ## The library

            ```csharp
            var written = 0;
            ```

            <!-- snippet: samples/ImportPipeline/Program.cs#no-such-region -->
            ```csharp
            ```

            ## Development
            """;

        var problems = ReadmeSnippets.Check(readme, Section, Root);

        Assert.Equal(2, problems.Count);
        Assert.Contains("without a '<!-- snippet:", problems[0], StringComparison.Ordinal);
        Assert.Contains("has no '#region no-such-region'", problems[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("    #region a\n    int x = 1;\n    #region b\n        int y = 2;\n    #endregion\n    #endregion\n", "a", "int x = 1;\n    int y = 2;")]
    [InlineData("#region a\nint x;\n#endregion\n", "a", "int x;")]
    public void ARegion_IsItsLinesDedented_WithoutNestedRegionLines(string source, string name, string expected)
    {
        Assert.Equal(expected, ReadmeSnippets.Region(source, name));
    }
}
