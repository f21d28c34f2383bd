using System.Globalization;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DynamoDb.Connector.Lambda;

/// <summary>
/// The connector as a Lambda function, without any Amazon.Lambda package: a Stream-in, Stream-out handler that runs
/// one import split (a split document of <c>plan --out</c>, or the continuation a previous invocation returned) for at
/// most its time budget and returns the run's <see cref="SplitRunSummary"/> as JSON, with the continuation to invoke
/// again with until it says done. The managed .NET runtime calls it by its handler string
/// (<c>DynamoDb.Connector.Lambda::DynamoDb.Connector.Lambda.ConnectorFunction::HandleAsync</c>); a custom runtime (Native
/// AOT) calls it from <see cref="Runtime.LambdaRuntimeClient"/> with the invocation's deadline.
/// </summary>
/// <remarks>
/// Payload: <c>{"table":"T", "split":{...} | "splitUri":"s3://b/plan/split-0003.json", "timeBudgetSeconds":600?,
/// "maxConcurrency":N?, "writePercent":50?, "checkpointUri":"s3://..."?, "deadLetterUri":"s3://..."?}</c>; an export
/// segment of <c>plan-export --out</c> (or its continuation): <c>{"exportSegment":{...} | "exportSegmentUri":"...",
/// "timeBudgetSeconds":600?, "maxConcurrency":N?, "readPercent":50?}</c>, answered with its
/// <see cref="ExportSegmentRunSummary"/>; and <c>{"finishExport":"s3://b/plan/"}</c>, which writes the export's manifest
/// once every segment is done (<see cref="ExportJob.FinishSegmentsAsync(string, CancellationToken)"/>).
/// The time budget is the payload's <c>timeBudgetSeconds</c>, else <see cref="TimeBudgetVariable"/>, but never past the
/// invocation's deadline less a safety margin (<see cref="MarginBefore"/>): whichever ends first; with none of them the
/// split runs to its end. The run keeps to it as a hard deadline (see <see cref="ImportJobOptions.TimeBudget"/>).
/// <c>maxConcurrency</c> N gives the run 1/N of the table's budget (the invocations running at once share it).
/// A bad payload fails the invocation with a <see cref="FormatException"/> naming the property and the reason.
/// </remarks>
public sealed class ConnectorFunction : IDisposable
{
    /// <summary>The variable giving the time budget in seconds when the payload gives none.</summary>
    public const string TimeBudgetVariable = "CONNECTOR_TIME_BUDGET_SECONDS";

    private readonly IServiceProvider _services;
    private readonly ServiceProvider? _owned;
    private readonly TimeProvider _time;

    /// <summary>
    /// A function with services of its own, configured from the environment as the CLI's are (see
    /// <c>AddDynamoDbConnectorAwsClients</c>): the constructor the managed runtime calls.
    /// </summary>
    public ConnectorFunction()
    {
        _owned = new ServiceCollection().AddDynamoDbConnectorAwsClients().AddDynamoDbConnector()
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        _services = _owned;
        _time = TimeProvider.System;
    }

    /// <summary>A function using <paramref name="services"/>: a host's own container (its AWS clients, logging, options), with the connector added.</summary>
    /// <param name="services">Services with <c>AddDynamoDbConnector()</c> and an <c>IAmazonDynamoDB</c> (and an <c>IAmazonS3</c> for s3:// uris).</param>
    public ConnectorFunction(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        _services = services;
        _time = services.GetService<TimeProvider>() ?? TimeProvider.System;
    }

    /// <summary>The handler for the managed runtime: the time budget from the payload or <see cref="TimeBudgetVariable"/>.</summary>
    /// <param name="input">The payload.</param>
    /// <returns>The <see cref="SplitRunSummary"/> as JSON.</returns>
    /// <exception cref="FormatException">The payload (or the document it names) is not one this function takes.</exception>
    public Task<Stream> HandleAsync(Stream input) => HandleAsync(input, deadline: null);

    /// <summary>Handles one invocation that ends at <paramref name="deadline"/> (null: unknown).</summary>
    /// <param name="input">The payload.</param>
    /// <param name="deadline">When the invocation is stopped (a custom runtime's <c>Lambda-Runtime-Deadline-Ms</c>).</param>
    /// <param name="cancellationToken">Stops the run; what was written stays, the checkpoint (when given) keeps its place.</param>
    /// <returns>The <see cref="SplitRunSummary"/> as JSON.</returns>
    /// <exception cref="FormatException">The payload (or the document it names) is not one this function takes.</exception>
    public async Task<Stream> HandleAsync(Stream input, DateTimeOffset? deadline, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var received = new MemoryStream();
        await input.CopyToAsync(received, cancellationToken).ConfigureAwait(false);
        var payload = FunctionPayload.Parse(received.GetBuffer().AsMemory(0, (int)received.Length));
        TimeSpan? budget = BudgetFor(payload, deadline);
        string response = payload.Kind switch
        {
            PayloadKind.ImportSplit => await RunImportSplitAsync(payload, budget, cancellationToken).ConfigureAwait(false),
            PayloadKind.ExportSegment => await RunExportSegmentAsync(payload, budget, cancellationToken).ConfigureAwait(false),
            PayloadKind.FinishExport => (await _services.GetRequiredService<ExportJob>().FinishSegmentsAsync(payload.DocumentUri!, cancellationToken).ConfigureAwait(false)).ToJson(),
            _ => throw new FormatException($"payload: {payload.Kind} is not handled."),
        };
        return new MemoryStream(System.Text.Encoding.UTF8.GetBytes(response), writable: false);
    }

    /// <summary>
    /// How long before a deadline the run stops, beyond the run's own flush margin: a tenth of the time left, at least
    /// 2 s and at most 30 s (time to return the response and for the Step Functions task to take it).
    /// </summary>
    /// <param name="remaining">The time left until the deadline.</param>
    public static TimeSpan MarginBefore(TimeSpan remaining) =>
        TimeSpan.FromTicks(Math.Clamp(remaining.Ticks / 10, TimeSpan.FromSeconds(2).Ticks, TimeSpan.FromSeconds(30).Ticks));

    private async Task<string> RunImportSplitAsync(FunctionPayload payload, TimeSpan? budget, CancellationToken cancellationToken)
    {
        var split = payload.Document is { } inline
            ? ParseSplit(inline, "payload \"split\"")
            : await SplitDocument.ReadAsync(_services.GetRequiredService<ObjectStores>(), payload.DocumentUri!, cancellationToken).ConfigureAwait(false);
        // Parquet.Net reads columns with code generated at run time, which Native AOT cannot run: refused clearly here
        // rather than failing on the first row group (the managed runtime, which can, reads Parquet).
        if (split.Format == Formats.Lines.ItemFileFormat.Parquet && !System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported)
        {
            throw new NotSupportedException($"{split.Source} is Parquet, which this function cannot read: it is compiled with Native AOT, and Parquet.Net (the Parquet reader) needs run-time code generation. Run Parquet splits on the managed .NET runtime (handler {typeof(ConnectorFunction).Assembly.GetName().Name}::{typeof(ConnectorFunction).FullName}::HandleAsync), with run-split, or convert the files to DynamoDB JSON first (dynamodb-connector convert --to ddb-json).");
        }
        var options = new ImportJobOptions
        {
            TableName = payload.Table!,
            TimeBudget = budget,
            CheckpointUri = payload.CheckpointUri,
            DeadLetterUri = payload.DeadLetterUri,
        };
        if (payload.WriteShare is { } share) options.Writer.Throughput.WritePercent = share;
        if (payload.MaxConcurrency is { } concurrency) options.Writer.Throughput.ProcessShare = 1.0 / concurrency;
        var result = await _services.GetRequiredService<ImportJob>().RunSplitAsync(split, options, cancellationToken).ConfigureAwait(false);
        return SplitRunSummary.From(result).ToJson();
    }

    private async Task<string> RunExportSegmentAsync(FunctionPayload payload, TimeSpan? budget, CancellationToken cancellationToken)
    {
        var segment = payload.Document is { } inline
            ? ParseSegment(inline)
            : await ExportSegmentDocument.ReadAsync(_services.GetRequiredService<ObjectStores>(), payload.DocumentUri!, cancellationToken).ConfigureAwait(false);
        var options = new ExportSegmentOptions { TimeBudget = budget };
        if (payload.ReadShare is { } share) options.Throughput.ReadPercent = share;
        if (payload.MaxConcurrency is { } concurrency) options.Throughput.ProcessShare = 1.0 / concurrency;
        var summary = await _services.GetRequiredService<ExportJob>().RunSegmentAsync(segment, options, cancellationToken).ConfigureAwait(false);
        return summary.ToJson();
    }

    private static ExportSegmentDocument ParseSegment(string json)
    {
        try
        {
            return ExportSegmentDocument.Parse(json);
        }
        catch (FormatException e)
        {
            throw new FormatException($"payload \"exportSegment\": {e.Message}", e);
        }
    }

    private static SplitDocument ParseSplit(string json, string where)
    {
        try
        {
            return SplitDocument.Parse(json);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{where}: {e.Message}", e);
        }
    }

    /// <summary>
    /// The run's budget: the payload's, else the environment's, cut to the time before <paramref name="deadline"/> less
    /// the margin when that ends first (a budget asked for in the payload must not outlive the invocation: Lambda
    /// kills it at its deadline, and its continuation with it).
    /// </summary>
    internal TimeSpan? BudgetFor(FunctionPayload payload, DateTimeOffset? deadline)
    {
        var asked = payload.TimeBudget ?? BudgetFromEnvironment();
        var left = BudgetBefore(deadline);
        if (asked is null) return left;
        return left is { } before && before < asked ? before : asked;
    }

    private static TimeSpan? BudgetFromEnvironment()
    {
        string? text = Environment.GetEnvironmentVariable(TimeBudgetVariable);
        if (string.IsNullOrWhiteSpace(text)) return null;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds > 0 && seconds <= 86_400
            ? TimeSpan.FromSeconds(seconds)
            : throw new FormatException($"{TimeBudgetVariable} is '{text}'; it must be a number of seconds, more than 0 and at most 86400.");
    }

    private TimeSpan? BudgetBefore(DateTimeOffset? deadline)
    {
        if (deadline is not { } end) return null;
        var remaining = end - _time.GetUtcNow();
        var budget = remaining - MarginBefore(remaining);
        return budget > TimeSpan.Zero
            ? budget
            : throw new TimeoutException($"The invocation has {remaining.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s left before its deadline: too little to run anything.");
    }

    /// <summary>Disposes the services the parameterless constructor made (a host's own container is the host's).</summary>
    public void Dispose() => _owned?.Dispose();
}
