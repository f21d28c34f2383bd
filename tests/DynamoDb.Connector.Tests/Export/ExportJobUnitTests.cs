using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Items;
using DynamoDb.Connector.Formats.Manifests;
using DynamoDb.Connector.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.Options;

namespace DynamoDb.Connector.Tests.Export;

public sealed class ExportJobUnitTests
{
    [Fact]
    public async Task Export_RotatesPartFilesEveryItemsPerFileItems()
    {
        using var h = new ExportHarness();
        h.Table(35);

        var result = await h.ExportAsync(h.Options(o =>
        {
            o.ItemsPerFile = 10;
            o.TotalSegments = 1;
            o.Compression = CompressionKind.Gzip;
        }));

        Assert.Equal([5, 10, 10, 10], result.DataFiles.Select(f => f.ItemCount).Order());
        Assert.Equal(35, result.ItemsExported);
        Assert.Equal(35, (await ExportHarness.ReadBackAsync(result)).Select(i => i["pk"].S).Distinct().Count());
        // Each page is cut to the room left in the file, so files hold exactly ItemsPerFile items.
        Assert.All(h.Dynamo.Requests.Where(r => r.Operation == "Scan"), r => Assert.InRange(r.Count, 1, 10));
    }

    [Fact]
    public async Task Export_SeveralSegmentsOnOneWorker_EachPartHoldsOneSegment_AndNeverExceedsItemsPerFile()
    {
        using var h = new ExportHarness();
        h.Table(100);

        var result = await h.ExportAsync(h.Options(o =>
        {
            o.ItemsPerFile = 30;
            o.TotalSegments = 7;
            o.MaxWorkers = 1;
        }));

        Assert.All(result.DataFiles, f => Assert.InRange(f.ItemCount, 1, 30));
        // A part holds one segment's items (its record names them): 7 segments of about 14 items, one part each.
        Assert.Equal(7, result.Files);
        Assert.Equal(100, (await ExportHarness.ReadBackAsync(result)).Select(i => i["pk"].S).Distinct().Count());
        Assert.Equal(7, result.Splits);
    }

    [Fact]
    public async Task Export_InListOnThePartitionKey_RunsOneQueryPerValue()
    {
        using var h = new ExportHarness();
        var table = h.Dynamo.AddTable("t", KeySchema.Parse("pk:S,sk:N"));
        foreach (var (pk, sk) in new[] { ("a", 1), ("a", 2), ("b", 1), ("c", 1), ("c", 2), ("c", 3) })
        {
            var item = new Dictionary<string, AttributeValue> { ["pk"] = new() { S = pk }, ["sk"] = new() { N = sk.ToString(System.Globalization.CultureInfo.InvariantCulture) } };
            table.Items[table.KeyOf(item)] = item;
        }

        var result = await h.ExportAsync(h.Options(o =>
        {
            o.KeyConditionExpression = "#k IN (:a, :c)";
            o.ExpressionAttributeNames = new() { ["#k"] = "pk" };
            o.ExpressionAttributeValues = new() { [":a"] = new() { S = "a" }, [":c"] = new() { S = "c" } };
        }));

        Assert.Equal(2, h.Dynamo.Requests.Count(r => r.Operation == "Query"));
        Assert.Equal(0, h.Dynamo.Requests.Count(r => r.Operation == "Scan"));
        Assert.Equal(["a|1", "a|2", "c|1", "c|2", "c|3"], (await ExportHarness.ReadBackAsync(result)).Select(i => $"{i["pk"].S}|{i["sk"].N}").Order());
        Assert.Equal(2, result.Splits);
    }

    [Fact]
    public async Task Export_InvalidOptions_AreRefusedAtStart_NamingEveryProblem()
    {
        using var h = new ExportHarness();
        h.Table(1);
        var options = new ExportOptions
        {
            TableName = "",
            Destination = "",
            ItemsPerFile = 0,
            MaxWorkers = 5000,
            TotalSegments = 2_000_000,
            FilterExpression = "#a = :b",
            Layout = ExportLayout.Native,
            Format = Formats.Lines.ItemFileFormat.DataPipeline,
            Throughput = { ReadPercent = 3 },
        };

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => h.Job.RunAsync(options));

        foreach (var expected in new[]
        {
            "TableName is required", "Destination is required", "ItemsPerFile is 0", "MaxWorkers is 5000", "TotalSegments is 2000000",
            "FilterExpression uses #a", "FilterExpression uses :b", "native layout holds ddb-json lines only", "ReadPercent is 3",
        })
        {
            Assert.Contains(expected, error.Message);
        }
        Assert.Empty(h.Dynamo.Requests);
    }

    [Fact]
    public async Task Export_OfAMissingTable_ThrowsTableDoesNotExist_AsImportDoes_AndWritesNothing()
    {
        using var h = new ExportHarness();

        var error = await Assert.ThrowsAsync<TableDoesNotExistException>(() => h.ExportAsync(h.Options()));

        Assert.Equal("t", error.TableName);
        Assert.Contains("Table 't' does not exist", error.Message);
        Assert.DoesNotContain("--", error.Message, StringComparison.Ordinal); // a library names no CLI flag
        Assert.IsType<ResourceNotFoundException>(error.InnerException);
        Assert.False(Directory.Exists(h.Destination));
        await Assert.ThrowsAsync<TableDoesNotExistException>(() => h.Job.PlanAsync(h.Options()));
    }

    [Fact]
    public async Task Export_CancelledMidway_ThenRerun_ExportsEveryItemOnce()
    {
        using var h = new ExportHarness();
        h.Table(5_000, size: 4000).ReadCapacityUnits = 200; // 100 RCU/s: about 25 s of reading
        using var cancel = new CancellationTokenSource();
        using var timer = h.Time.CreateTimer(_ => cancel.Cancel(), null, TimeSpan.FromSeconds(12), Timeout.InfiniteTimeSpan);
        var options = h.Options(o =>
        {
            o.ItemsPerFile = 500;
            o.TotalSegments = 4;
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.ExportAsync(options, cancellationToken: cancel.Token));
        Assert.False(File.Exists(h.Destination + "manifest"));
        var result = await h.ExportAsync(options);

        Assert.True(result.Resumed);
        Assert.InRange(result.ItemsFromEarlierRuns, 1_000, 3_500);
        var items = await ExportHarness.ReadBackAsync(result);
        Assert.Equal(5_000, items.Count);
        Assert.Equal(5_000, items.Select(i => i["pk"].S).Distinct().Count());
        // Only what was not committed is read again.
        Assert.InRange(result.ItemsScanned, 5_000 - result.ItemsFromEarlierRuns, 5_000 - result.ItemsFromEarlierRuns + 4 * 500);
        Assert.False(Directory.Exists(h.Destination + "_checkpoint") && Directory.EnumerateFiles(h.Destination + "_checkpoint", "*", SearchOption.AllDirectories).Any());
    }

    [Fact]
    public async Task Export_Telemetry_CountsItemsUnitsFilesAndLogsStartAndEnd()
    {
        using var h = new ExportHarness();
        h.Table(120);
        var counts = new Dictionary<string, double>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, h.Metrics.Meter)) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((i, value, _, _) => { lock (counts) counts[i.Name] = counts.GetValueOrDefault(i.Name) + value; });
        listener.SetMeasurementEventCallback<double>((i, value, _, _) => { lock (counts) counts[i.Name] = counts.GetValueOrDefault(i.Name) + value; });
        listener.Start();

        var result = await h.ExportAsync(h.Options(o => o.ItemsPerFile = 50));

        Assert.Equal(120, counts["dynamodb.connector.items.exported"]);
        Assert.Equal(result.Files, counts["dynamodb.connector.export.files"]);
        Assert.Equal(result.Bytes, counts["dynamodb.connector.export.bytes"]);
        Assert.Equal(result.ConsumedCapacityUnits, counts["dynamodb.connector.read.capacity_units"], 6);
        Assert.Contains(h.Logs.Entries, e => e.Id.Id == 400 && e.Message.Contains("Scan of"));
        Assert.Contains(h.Logs.Entries, e => e.Id.Id == 405 && e.Message.Contains("120 items"));
        Assert.Contains(h.Logs.Entries, e => e.Id.Id == 250);
    }

    [Fact]
    public async Task Export_NativeLayout_ManifestsVerify()
    {
        using var h = new ExportHarness();
        h.Table(70);

        var result = await h.ExportAsync(h.Options(o =>
        {
            o.Layout = ExportLayout.Native;
            o.ItemsPerFile = 30;
        }));

        NativeExportSummary summary;
        await using (var stream = File.OpenRead(result.ManifestUri)) summary = await NativeExport.ReadSummaryAsync(stream, result.ManifestUri);
        string directory = Path.GetDirectoryName(result.ManifestUri)!;
        List<NativeExportDataFile> files;
        await using (var stream = File.OpenRead(Path.Combine(directory, NativeExport.FilesFileName))) files = await NativeExport.ReadFilesAsync(stream, "manifest-files.json").ToListAsync();
        var verification = await ManifestVerifier.VerifyAsync(summary, files, directory, (uri, _) => Task.FromResult<Stream>(File.OpenRead(uri)));
        Assert.True(verification.IsValid, string.Join("; ", verification.Mismatches));
        Assert.Equal(70, verification.TotalItems);
        Assert.Equal(h.Start, summary.StartTime);
    }
}

public sealed class ExportServicesTests
{
    [Fact]
    public async Task AddDynamoDbConnector_RegistersTheExportJob_OverTheClientClockAndStoresFromDi()
    {
        var time = new FakeTimeProvider();
        using var dynamo = new FakeDynamoDb(time);
        var table = dynamo.AddTable("items", KeySchema.Parse("pk:S"));
        foreach (var item in Enumerable.Range(0, 12).Select(i => Items.Sized($"k{i}", 100))) table.Items[table.KeyOf(item)] = item;
        var directory = Directory.CreateTempSubdirectory("export-di-");
        try
        {
            var services = new ServiceCollection()
                .AddSingleton<IAmazonDynamoDB>(dynamo.CreateClient())
                .AddSingleton<TimeProvider>(time)
                .AddDynamoDbConnector();
            await using var provider = services.BuildServiceProvider();
            var job = provider.GetRequiredService<ExportJob>();

            var run = job.RunAsync(new ExportOptions { TableName = "items", Destination = directory.FullName, TotalSegments = 1 });
            while (!run.IsCompleted)
            {
                await Task.WhenAny(job.Tracker.WhenIdleAsync(), run);
                if (!run.IsCompleted) time.Advance(TimeSpan.FromMilliseconds(100));
            }
            var result = await run;

            Assert.Equal(12, result.ItemsExported);
            Assert.True(File.Exists(Path.Combine(directory.FullName, "manifest")));
            Assert.Same(job, provider.GetRequiredService<ExportJob>());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
