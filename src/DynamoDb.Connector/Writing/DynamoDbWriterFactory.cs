using System.Diagnostics.Metrics;
using System.Globalization;
using Amazon.DynamoDBv2;
using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.DependencyInjection;
using DynamoDb.Connector.Storage;
using DynamoDb.Connector.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DynamoDb.Connector.Writing;

/// <summary>Creates writers over the <see cref="IAmazonDynamoDB"/> from DI; holds the process's table budgets.</summary>
internal sealed class DynamoDbWriterFactory : IDynamoDbWriterFactory, IDisposable
{
    private readonly IAmazonDynamoDB _client;
    private readonly DynamoDbWriterOptions _defaults;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly ConnectorMetrics _metrics;
    private readonly bool _ownsMetrics;
    private readonly ObjectStores _stores;
    private readonly Func<double> _random;
    private readonly WriteBudgetRegistry _budgets;

    /// <summary>The constructor DI uses.</summary>
    public DynamoDbWriterFactory(
        IAmazonDynamoDB client,
        IOptions<DynamoDbConnectorOptions> options,
        TimeProvider timeProvider,
        IEnumerable<IObjectStore> stores,
        ILoggerFactory? loggerFactory = null,
        IMeterFactory? meterFactory = null)
        : this(client, options.Value.Writer, timeProvider, loggerFactory ?? NullLoggerFactory.Instance, new ConnectorMetrics(meterFactory), stores, Random.Shared.NextDouble)
    {
        _ownsMetrics = true;
    }

    /// <summary>For tests: a given random source for the backoff jitter, and given metrics.</summary>
    internal DynamoDbWriterFactory(
        IAmazonDynamoDB client,
        DynamoDbWriterOptions defaults,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory,
        ConnectorMetrics metrics,
        IEnumerable<IObjectStore> stores,
        Func<double> random)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(defaults);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _client = client;
        _defaults = defaults;
        _time = timeProvider;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("DynamoDb.Connector.Writing");
        _metrics = metrics;
        _stores = new ObjectStores(stores);
        _random = random;
        Tracker = new WorkTracker();
        _budgets = new WriteBudgetRegistry(timeProvider, loggerFactory, Tracker);
    }

    /// <summary>Counts the writers' and budgets' busy flows, for tests on a fake clock.</summary>
    internal WorkTracker Tracker { get; }

    /// <summary>The metrics its writers record to (the import job records its own there too: one meter).</summary>
    internal ConnectorMetrics Metrics => _metrics;

    internal WriteBudgetRegistry Budgets => _budgets;

    public async Task<IDynamoDbWriter> CreateAsync(string tableName, DynamoDbWriterOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tableName);
        options = (options ?? _defaults).Clone();
        if (options.Validate() is { Count: > 0 } problems)
        {
            throw new ArgumentException($"Invalid writer options for table '{tableName}': {string.Join(" ", problems)}", nameof(options));
        }
        var budget = await _budgets.AcquireAsync(_client, tableName, options.Throughput, cancellationToken).ConfigureAwait(false);
        try
        {
            var opener = options.DeadLetterSink is null ? await DeadLetterChunkOpenerAsync(tableName, options.DeadLetterUri, cancellationToken).ConfigureAwait(false) : null;
            var deadLetters = new DeadLetterRecorder(options.DeadLetterSink, opener, options.MaxDeadLettersInMemory);
            return new DynamoDbWriter(_client, budget, _budgets.Release, options, deadLetters, _time, _logger, _metrics, Tracker, _random);
        }
        catch
        {
            _budgets.Release(budget);
            throw;
        }
    }

    public async Task<WriteBudget> GetBudgetAsync(string tableName, WriteThroughputOptions? throughput = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tableName);
        throughput ??= _defaults.Throughput;
        if (throughput.Validate("").ToList() is { Count: > 0 } problems)
        {
            throw new ArgumentException($"Invalid throughput options: {string.Join(" ", problems)}", nameof(throughput));
        }
        if (_budgets.Find(_client, tableName) is { } live && live.Options.SameAs(throughput))
        {
            return live.Current;
        }
        var capacity = await TableCapacity.ReadAsync(_client, tableName, cancellationToken).ConfigureAwait(false);
        return WriteBudget.Compute(capacity, throughput, WriteBudget.OnDemandStart(capacity));
    }

    /// <summary>Checks now, not at the first bad item, that dead letters can be written under <paramref name="folder"/>.</summary>
    private static async Task CheckDeadLetterFolderAsync(IObjectStore store, string uri, string folder, CancellationToken cancellationToken)
    {
        try
        {
            if (ObjectUri.KindOf(folder) == ObjectUriKind.Local)
            {
                string path = ObjectUri.ToLocalPath(folder);
                if (File.Exists(Path.TrimEndingDirectorySeparator(path))) throw new IOException("it is a file, not a folder");
                Directory.CreateDirectory(path);
            }
            // Lists the folder: a bucket that does not exist or cannot be read fails here.
            await using var listing = store.ListAsync(folder, recursive: false, cancellationToken).GetAsyncEnumerator(cancellationToken);
            await listing.MoveNextAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new ArgumentException($"DeadLetterUri '{uri}' cannot take dead letters: {ex.Message}", "options", ex);
        }
    }

    public void Dispose()
    {
        _budgets.Dispose();
        if (_ownsMetrics) _metrics.Dispose();
    }

    /// <summary>
    /// Opens the writer's dead-letter chunks in the folder or prefix <paramref name="uri"/>:
    /// <c>{table}-{created, UTC}-{writer id}-{chunk}.jsonl</c>, one per flush that had dead letters, so writers
    /// sharing the folder never write the same object.
    /// </summary>
    /// <exception cref="NotSupportedException">No registered store handles <paramref name="uri"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="uri"/> cannot take dead letters (a file, a folder that cannot be created, a bucket that cannot be listed).</exception>
    private async Task<Func<int, CancellationToken, Task<JsonLinesDeadLetterSink>>?> DeadLetterChunkOpenerAsync(string tableName, string? uri, CancellationToken cancellationToken)
    {
        if (uri is null) return null;
        var store = _stores.For(uri); // fails now, not at the first bad item, when no store handles the uri
        string folder = ObjectUri.AsDirectory(uri);
        await CheckDeadLetterFolderAsync(store, uri, folder, cancellationToken).ConfigureAwait(false);
        string writerId = Guid.NewGuid().ToString("N")[..8];
        string prefix = string.Create(CultureInfo.InvariantCulture, $"{tableName}-{_time.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}-{writerId}");
        return (chunk, cancellationToken) => JsonLinesDeadLetterSink.CreateAsync(
            store, ObjectUri.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{prefix}-{chunk:D4}.jsonl")), cancellationToken);
    }
}
