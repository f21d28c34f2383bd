// An import pipeline a host builds from the connector's public pieces: plan a source into splits, read each split's
// items with their positions, transform them, write them with one long-lived writer per worker, and checkpoint (flush
// the writer, then store the position), so a rerun resumes where the last checkpoint was.
//   dotnet run --project samples/ImportPipeline -- --Source s3://bucket/backup/ --Table items --Checkpoints pipeline-checkpoints
// Endpoints, region and credentials come from the standard AWS configuration (AWS_REGION, AWS_PROFILE,
// AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_S3, ...), as the dynamodb-connector tool reads them.
#region usings
using Amazon.DynamoDBv2;
using Amazon.S3;
using DynamoDb.Connector.Checkpoints;
using DynamoDb.Connector.DependencyInjection;
using ImportPipelineSample;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
#endregion

#region host
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddAWSService<IAmazonDynamoDB>();
// A custom S3 endpoint (local servers, MinIO) addresses buckets by path.
builder.Services.AddAWSService<IAmazonS3>((config, _) =>
    ((AmazonS3Config)config).ForcePathStyle = !string.IsNullOrEmpty(builder.Configuration["AWS_ENDPOINT_URL_S3"]));
builder.Services.AddDynamoDbConnector(builder.Configuration.GetSection(DynamoDbConnectorOptions.SectionName));
builder.Services.AddSingleton<ImportPipeline>();
#endregion

CancellationToken stopping = default;
try
{
    var settings = PipelineSettings.From(builder.Configuration);
    builder.Services.AddSingleton<ICheckpointStore>(sp =>
        new TableCheckpointStore(sp.GetRequiredService<IAmazonDynamoDB>(), settings.Checkpoints, job: $"{settings.Source} -> {settings.Table}"));
    using IHost host = builder.Build();
    stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping; // Ctrl-C
    await host.StartAsync(stopping); // validates the connector's options
    await TableCheckpointStore.CreateTableIfMissingAsync(host.Services.GetRequiredService<IAmazonDynamoDB>(), settings.Checkpoints, stopping);
    PipelineResult result = await host.Services.GetRequiredService<ImportPipeline>().RunAsync(settings, stopping);
    Console.WriteLine(result);
    await host.StopAsync();
    return 0;
}
catch (OperationCanceledException) when (stopping.IsCancellationRequested)
{
    Console.Error.WriteLine("Stopped: a rerun resumes after the last checkpoint.");
    return 130;
}
catch (Exception e)
{
    Console.Error.WriteLine($"error: {e.Message} ({e.GetType().Name})");
    return 1;
}
