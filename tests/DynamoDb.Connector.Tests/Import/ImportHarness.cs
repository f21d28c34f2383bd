using System.Globalization;
using System.Text.Json;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.Storage;
using DynamoDb.Connector.Tests.Infrastructure;

namespace DynamoDb.Connector.Tests.Import;

/// <summary>
/// An import job over <see cref="FakeDynamoDb"/> on a fake clock (through <see cref="WriterHarness"/>), reading files
/// from and writing checkpoints and dead letters to a temporary folder through a <see cref="RecordingStore"/>, so a
/// test can look at every checkpoint the moment it is committed.
/// </summary>
internal sealed class ImportHarness : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("import-");

    public ImportHarness()
    {
        Store = new RecordingStore(new LocalFileObjectStore());
        Writers = new WriterHarness(stores: [Store]);
        Table = Writers.Table("items");
        Job = new ImportJob(new ImportInputFormat([Store]), Writers.Factory, Writers.Time, Writers.LoggerFactory, Writers.Factory.Metrics, Writers.Factory.Tracker);
    }

    public WriterHarness Writers { get; }

    public FakeDynamoDb Dynamo => Writers.Dynamo;

    public FakeTable Table { get; }

    public RecordingStore Store { get; }

    public ImportJob Job { get; }

    public string Input => Path.Combine(_directory.FullName, "in") + "/";

    public string CheckpointUri => Path.Combine(_directory.FullName, "cp");

    public string DeadLetterFolder => Path.Combine(CheckpointUri, "dead-letters");

    /// <summary>A ddb-json line for key <paramref name="pk"/>, its item about <paramref name="size"/> bytes (at least the key).</summary>
    public static string Line(string pk, int size = 0)
    {
        var item = size > 0 ? Items.Sized(pk, size) : Items.Of(pk);
        return "{\"Item\":" + System.Text.Encoding.UTF8.GetString(DynamoDb.Connector.Export.ExportJson.FormatMap(item)) + "}";
    }

    /// <summary>Key of line <paramref name="line"/> (1-based) of file <paramref name="file"/>, as <see cref="LinesOf"/> makes them.</summary>
    public static string Key(int file, int line) => string.Create(CultureInfo.InvariantCulture, $"f{file}-{line:D5}");

    /// <summary>Lines 1..<paramref name="count"/> of file <paramref name="file"/>: sorted keys, or a bad line where <paramref name="bad"/> says.</summary>
    public static IEnumerable<string> LinesOf(int file, int count, int size = 0, Func<int, bool>? bad = null) =>
        Enumerable.Range(1, count).Select(i => bad?.Invoke(i) == true ? $"not json, line {i}" : Line(Key(file, i), size));

    public string WriteFile(string name, IEnumerable<string> lines)
    {
        Directory.CreateDirectory(Input);
        string path = Path.Combine(Input, name);
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
        return path;
    }

    public ImportJobOptions Options(string source, Action<ImportJobOptions>? configure = null)
    {
        var options = new ImportJobOptions
        {
            Source = { Source = source, Format = ItemFileFormat.DynamoDbJson },
            TableName = "items",
            CheckpointUri = CheckpointUri,
            CheckpointInterval = TimeSpan.FromSeconds(1),
        };
        configure?.Invoke(options);
        return options;
    }

    public Task<ImportResult> RunAsync(ImportJobOptions options, CancellationToken cancellationToken = default) =>
        RunTrackedAsync(() => Job.RunAsync(options, cancellationToken));

    /// <summary>Runs one split document (<see cref="ImportJob.RunSplitAsync"/>) as <see cref="RunAsync"/> runs a job.</summary>
    public Task<ImportResult> RunSplitAsync(SplitDocument split, ImportJobOptions options, CancellationToken cancellationToken = default) =>
        RunTrackedAsync(() => Job.RunSplitAsync(split, options, cancellationToken));

    private Task<ImportResult> RunTrackedAsync(Func<Task<ImportResult>> start)
    {
        // Counted for the job until its run counts itself (synchronously, when it is called), so the clock stands still meanwhile.
        Job.Tracker.Enter();
        return Writers.RunAsync(async () =>
        {
            Task<ImportResult> run;
            try
            {
                run = start();
            }
            finally
            {
                Job.Tracker.Exit();
            }
            return await run;
        });
    }

    /// <summary>The checkpoint of split <paramref name="split"/>, or null.</summary>
    public Checkpoint? CheckpointOf(int split)
    {
        string path = Path.Combine(CheckpointUri, "splits", string.Create(CultureInfo.InvariantCulture, $"{split:D6}.json"));
        return File.Exists(path) ? Checkpoint.Parse(File.ReadAllText(path)) : null;
    }

    /// <summary>Every dead letter in the committed chunk files: (chunk file name, the line's JSON).</summary>
    public List<(string Chunk, JsonElement Letter)> DeadLetters()
    {
        var letters = new List<(string, JsonElement)>();
        if (!Directory.Exists(DeadLetterFolder)) return letters;
        foreach (var file in Directory.GetFiles(DeadLetterFolder, "*.jsonl").Order(StringComparer.Ordinal))
        {
            foreach (var line in File.ReadAllLines(file).Where(l => l.Length > 0))
            {
                letters.Add((Path.GetFileName(file), JsonDocument.Parse(line).RootElement.Clone()));
            }
        }
        return letters;
    }

    /// <summary>What a dead letter stands for: the line it came from, or the key of its item.</summary>
    public static string WhatOf(JsonElement letter) => letter.TryGetProperty("Item", out var item)
        ? item.GetProperty("pk").GetProperty("S").GetString()!
        : "line " + letter.GetProperty("Error").GetProperty("line").GetInt64().ToString(CultureInfo.InvariantCulture);

    /// <summary>Keys in the order the table applied them.</summary>
    public List<string> Applied() => [.. Table.History.Select(h => h.Key)];

    public void Dispose()
    {
        Writers.Dispose();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a cancelled run; the temp folder is cleaned up by the OS.
        }
    }
}

/// <summary>A split checkpoint as stored.</summary>
internal sealed record Checkpoint(int FileIndex, long Line, bool Done, int DeadLetterChunks)
{
    public static Checkpoint Parse(string json)
    {
        var root = JsonDocument.Parse(json).RootElement;
        return new Checkpoint(root.GetProperty("fileIndex").GetInt32(), root.GetProperty("line").GetInt64(), root.GetProperty("done").GetBoolean(), root.GetProperty("deadLetterChunks").GetInt32());
    }
}

/// <summary>
/// A store that passes everything to another and calls <see cref="Committed"/> right after each object is committed
/// (on the committing flow, before the caller goes on), or throws where <see cref="FailCommit"/> says.
/// </summary>
internal sealed class RecordingStore(IObjectStore inner) : IObjectStore
{
    public Action<string>? Committed { get; set; }

    public Func<string, bool>? FailCommit { get; set; }

    public bool CanHandle(string uri) => inner.CanHandle(uri);

    public IAsyncEnumerable<ObjectInfo> ListAsync(string prefixUri, bool recursive, CancellationToken cancellationToken = default) => inner.ListAsync(prefixUri, recursive, cancellationToken);

    public Task<ObjectInfo?> GetInfoAsync(string uri, CancellationToken cancellationToken = default) => inner.GetInfoAsync(uri, cancellationToken);

    public Task<Stream> OpenReadAsync(string uri, long offset = 0, long? length = null, CancellationToken cancellationToken = default) => inner.OpenReadAsync(uri, offset, length, cancellationToken);

    public async Task<IObjectWriter> CreateAsync(string uri, CancellationToken cancellationToken = default) => new Writer(this, uri, await inner.CreateAsync(uri, cancellationToken));

    public Task RenameAsync(string fromUri, string toUri, CancellationToken cancellationToken = default) => inner.RenameAsync(fromUri, toUri, cancellationToken);

    public Task DeleteAsync(string uri, CancellationToken cancellationToken = default) => inner.DeleteAsync(uri, cancellationToken);

    private sealed class Writer(RecordingStore store, string uri, IObjectWriter inner) : IObjectWriter
    {
        public Stream Stream => inner.Stream;

        public async Task<long> CommitAsync(CancellationToken cancellationToken = default)
        {
            if (store.FailCommit?.Invoke(uri) == true) throw new IOException($"The test store refuses to commit {uri}.");
            long size = await inner.CommitAsync(cancellationToken);
            store.Committed?.Invoke(uri);
            return size;
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}

/// <summary>Progress reported synchronously, in order (<see cref="Progress{T}"/> would post to the thread pool).</summary>
internal sealed class ProgressLog<T> : IProgress<T>
{
    private readonly List<T> _reports = [];

    public List<T> Reports
    {
        get { lock (_reports) return [.. _reports]; }
    }

    public void Report(T value)
    {
        lock (_reports) _reports.Add(value);
    }
}
