using System.IO.Compression;
using System.Reflection.Metadata;
using System.Text.Json;
using System.Xml.Linq;
using DynamoDb.Connector.IntegrationTests.Cli;
using DynamoDb.Connector.IntegrationTests.Infrastructure;
using DynamoDb.Connector.IntegrationTests.Samples;

namespace DynamoDb.Connector.IntegrationTests.Packaging;

/// <summary>
/// The packages as eng/pack.sh makes them (in CI mode, naming a repository for Source Link): what a user installs
/// and what a debugger steps into. .ci/run installs the tool from the same script's packages and runs it
/// (eng/pack-and-run.sh).
/// </summary>
public sealed class PackagesTests(PackagesTests.Packed packed) : IClassFixture<PackagesTests.Packed>
{
    private const string RepositoryUrl = "https://github.com/example-owner/dynamodb-connector";
    private static readonly Guid SourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");

    public static TheoryData<string> Libraries => ["DynamoDb.Connector.Formats", "DynamoDb.Connector", "DynamoDb.Connector.Lambda"];

    public static TheoryData<string> All => ["DynamoDb.Connector.Formats", "DynamoDb.Connector", "DynamoDb.Connector.Lambda", "DynamoDb.Connector.Cli"];

    [Theory]
    [MemberData(nameof(All))]
    public void EachPackage_CarriesTheReadmeLicenseAndRepositoryCommit(string id)
    {
        using var package = packed.Open(id, "nupkg");
        var metadata = Nuspec(package).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Value(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;

        Assert.NotNull(package.GetEntry("README.md"));
        Assert.NotNull(package.GetEntry("LICENSE"));
        Assert.Equal("README.md", Value("readme"));
        Assert.Equal("Apache-2.0", Value("license"));
        Assert.False(string.IsNullOrWhiteSpace(Value("description")));
        var repository = metadata.Elements().Single(e => e.Name.LocalName == "repository");
        Assert.Equal(RepositoryUrl, (string?)repository.Attribute("url"));
        Assert.Equal(packed.Commit, (string?)repository.Attribute("commit"));
    }

    [Theory]
    [MemberData(nameof(Libraries))]
    public void ALibraryPackage_HasItsAssemblyAndDocs_AndItsPdbOnlyInTheSymbolPackage(string id)
    {
        using var package = packed.Open(id, "nupkg");
        using var symbols = packed.Open(id, "snupkg");

        Assert.NotNull(package.GetEntry($"lib/net10.0/{id}.dll"));
        Assert.NotNull(package.GetEntry($"lib/net10.0/{id}.xml"));
        Assert.DoesNotContain(package.Entries, e => e.FullName.EndsWith(".pdb", StringComparison.Ordinal));
        Assert.NotNull(symbols.GetEntry($"lib/net10.0/{id}.pdb"));
    }

    [Fact]
    public void TheConnectorPackage_DependsOnTheFormatsPackageOfItsOwnVersion()
    {
        using var package = packed.Open("DynamoDb.Connector", "nupkg");
        var metadata = Nuspec(package).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string version = metadata.Elements().Single(e => e.Name.LocalName == "version").Value;

        var formats = Nuspec(package).Descendants().Single(e => e.Name.LocalName == "dependency" && (string?)e.Attribute("id") == "DynamoDb.Connector.Formats");
        Assert.Equal(version, (string?)formats.Attribute("version"));
    }

    [Fact]
    public void TheLambdaPackage_DependsOnTheConnectorPackageOfItsOwnVersion_AndOnNoAmazonLambdaPackage()
    {
        using var package = packed.Open("DynamoDb.Connector.Lambda", "nupkg");
        var metadata = Nuspec(package).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string version = metadata.Elements().Single(e => e.Name.LocalName == "version").Value;
        var dependencies = Nuspec(package).Descendants().Where(e => e.Name.LocalName == "dependency").ToList();

        Assert.Equal(version, (string?)dependencies.Single(e => (string?)e.Attribute("id") == "DynamoDb.Connector").Attribute("version"));
        Assert.DoesNotContain(dependencies, e => ((string?)e.Attribute("id") ?? "").StartsWith("Amazon.Lambda", StringComparison.Ordinal));
    }

    [Fact]
    public void TheToolPackage_IsADotnetToolNamedDynamodbConnector()
    {
        using var package = packed.Open("DynamoDb.Connector.Cli", "nupkg");

        var packageType = Nuspec(package).Descendants().Single(e => e.Name.LocalName == "packageType");
        Assert.Equal("DotnetTool", (string?)packageType.Attribute("name"));
        using var settings = package.GetEntry("tools/net10.0/any/DotnetToolSettings.xml")!.Open();
        var command = XDocument.Load(settings).Descendants("Command").Single();
        Assert.Equal("dynamodb-connector", (string?)command.Attribute("Name"));
        Assert.Equal("dynamodb-connector.dll", (string?)command.Attribute("EntryPoint"));
    }

    [Theory]
    [MemberData(nameof(Libraries))]
    public void APdb_MapsItsSourcesToTheCommitOnTheRepository_UnderDeterministicPaths(string id)
    {
        using var symbols = packed.Open(id, "snupkg");
        using var pdb = new MemoryStream();
        using (var entry = symbols.GetEntry($"lib/net10.0/{id}.pdb")!.Open()) entry.CopyTo(pdb);
        pdb.Position = 0;
        using var provider = MetadataReaderProvider.FromPortablePdbStream(pdb);
        var reader = provider.GetMetadataReader();

        var sourceLink = reader.CustomDebugInformation
            .Select(reader.GetCustomDebugInformation)
            .Single(info => reader.GetGuid(info.Kind) == SourceLinkKind);
        using var json = JsonDocument.Parse(reader.GetBlobBytes(sourceLink.Value));
        var documents = json.RootElement.GetProperty("documents").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        Assert.Equal(
            new Dictionary<string, string?> { ["/_/*"] = $"https://raw.githubusercontent.com/example-owner/dynamodb-connector/{packed.Commit}/*" },
            documents);
        var paths = reader.Documents.Select(d => reader.GetString(reader.GetDocument(d).Name)).ToList();
        Assert.NotEmpty(paths);
        Assert.All(paths, path => Assert.StartsWith("/_/", path, StringComparison.Ordinal));
    }

    private static XDocument Nuspec(ZipArchive package)
    {
        using var stream = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        return XDocument.Load(stream);
    }

    /// <summary>Runs eng/pack.sh once for the class, as CI does (CI=true), naming a repository for Source Link.</summary>
    public sealed class Packed : IAsyncLifetime
    {
        private readonly TempFolder _folder = new();

        public string Commit { get; private set; } = "";

        public async Task InitializeAsync()
        {
            string root = LocalServers.RepositoryRoot;
            var noVariables = new Dictionary<string, string>();
            var head = await ChildProcess.RunAsync("git", ["rev-parse", "HEAD"], root, noVariables, TimeSpan.FromSeconds(30));
            Assert.True(head.ExitCode == 0, head.ToString());
            Commit = head.Stdout.Trim();

            var pack = await ChildProcess.RunAsync(
                "bash", [Path.Combine(root, "eng", "pack.sh"), _folder.Path], root,
                new Dictionary<string, string> { ["CI"] = "true", ["REPOSITORY_URL"] = RepositoryUrl },
                TimeSpan.FromMinutes(8));
            Assert.True(pack.ExitCode == 0, pack.ToString());
        }

        /// <summary>The one package <paramref name="id"/> of the given kind (nupkg or snupkg).</summary>
        public ZipArchive Open(string id, string extension)
        {
            string file = Assert.Single(Directory.GetFiles(_folder.Combine("packages"), $"{id}.*.{extension}"),
                f => Path.GetFileName(f)[(id.Length + 1)..].Length > 0 && char.IsAsciiDigit(Path.GetFileName(f)[id.Length + 1]));
            return ZipFile.OpenRead(file);
        }

        public Task DisposeAsync()
        {
            _folder.Dispose();
            return Task.CompletedTask;
        }
    }
}
