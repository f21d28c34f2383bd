// Writes items a host makes itself (here: orders) as an export, through the connector's public
// ExportManifestOutputFormat: part files committed whole, the manifest last. The dynamodb-connector tool's import
// (and compare) read the result like any EMR or native DynamoDB export.
//   dotnet run --project samples/ExportWriter -- --Destination s3://bucket/orders/ --Orders 10000 [--Layout Native]
// Endpoints, region and credentials come from the standard AWS configuration (AWS_REGION, AWS_PROFILE,
// AWS_ENDPOINT_URL_S3, ...), as the dynamodb-connector tool reads them.
#region usings
using Amazon.S3;
using ExportWriterSample;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
#endregion

#region host
var builder = Host.CreateApplicationBuilder(args);
// A custom S3 endpoint (local servers, MinIO) addresses buckets by path.
builder.Services.AddAWSService<IAmazonS3>((config, _) =>
    ((AmazonS3Config)config).ForcePathStyle = !string.IsNullOrEmpty(builder.Configuration["AWS_ENDPOINT_URL_S3"]));
builder.Services.AddDynamoDbConnector();
builder.Services.AddSingleton<OrdersExport>();
#endregion

using IHost host = builder.Build();
var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping; // Ctrl-C
try
{
    var settings = ExportSettings.From(builder.Configuration);
    await host.StartAsync(stopping);
    ExportResult result = await host.Services.GetRequiredService<OrdersExport>().WriteAsync(settings, stopping);
    Console.WriteLine(result);
    await host.StopAsync();
    return 0;
}
catch (OperationCanceledException) when (stopping.IsCancellationRequested)
{
    Console.Error.WriteLine("Stopped: no manifest was written, so there is no export; run it again.");
    return 130;
}
catch (Exception e)
{
    Console.Error.WriteLine($"error: {e.Message} ({e.GetType().Name})");
    return 1;
}
