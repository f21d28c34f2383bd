using System.Reflection;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using BenchmarkDotNet.Attributes;
using DynamoDb.Connector.Storage;
using Microsoft.Extensions.Options;

namespace DynamoDb.Connector.Benchmarks.Storage;

/// <summary>
/// Memory of writing one S3 object through the store's writer (one part buffered at a time) against the naive way
/// (buffer the whole object, then one PutObject), with an S3 client that only drains request bodies, so the numbers
/// are the writer's own. Run: dotnet run -c Release --project benchmarks/DynamoDb.Connector.Benchmarks -- --filter '*S3Upload*'
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class S3UploadBenchmarks
{
    private readonly byte[] _chunk = new byte[64 * 1024];
    private IAmazonS3 _s3 = null!;
    private S3ObjectStore _store = null!;

    /// <summary>Object size in MiB.</summary>
    [Params(16, 128)]
    public int SizeMiB { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        new Random(1).NextBytes(_chunk);
        _s3 = DrainingS3.Create();
        _store = new S3ObjectStore(_s3, Options.Create(new S3ObjectStoreOptions()));
    }

    [Benchmark(Baseline = true, Description = "MemoryStream + PutObject")]
    public async Task<long> BufferWholeObject()
    {
        using var buffer = new MemoryStream();
        for (long written = 0; written < SizeMiB * 1024L * 1024; written += _chunk.Length) await buffer.WriteAsync(_chunk);
        buffer.Position = 0;
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = "bench-bucket", Key = "object", InputStream = buffer, UseChunkEncoding = false });
        return buffer.Length;
    }

    [Benchmark(Description = "S3ObjectWriter (8 MiB parts)")]
    public async Task<long> WriteThroughStore()
    {
        await using var writer = await _store.CreateAsync("s3://bench-bucket/object");
        for (long written = 0; written < SizeMiB * 1024L * 1024; written += _chunk.Length) await writer.Stream.WriteAsync(_chunk);
        return await writer.CommitAsync();
    }

    /// <summary>An <see cref="IAmazonS3"/> that reads and discards upload bodies and answers the multipart calls.</summary>
    public class DrainingS3 : DispatchProxy
    {
        private readonly byte[] _sink = new byte[81920];

        public static IAmazonS3 Create() => Create<IAmazonS3, DrainingS3>();

        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(method);
            AmazonWebServiceResponse response = args?[0] switch
            {
                PutObjectRequest put => Drain(put.InputStream, new PutObjectResponse()),
                UploadPartRequest part => Drain(part.InputStream, new UploadPartResponse { ETag = "\"e\"", PartNumber = part.PartNumber }),
                InitiateMultipartUploadRequest => new InitiateMultipartUploadResponse { UploadId = "u" },
                CompleteMultipartUploadRequest => new CompleteMultipartUploadResponse(),
                AbortMultipartUploadRequest => new AbortMultipartUploadResponse(),
                _ => throw new NotSupportedException(method.Name),
            };
            return typeof(Task).GetMethod(nameof(Task.FromResult))!.MakeGenericMethod(method.ReturnType.GetGenericArguments()[0]).Invoke(null, [response]);
        }

        private T Drain<T>(Stream body, T response)
        {
            while (body.Read(_sink) > 0)
            {
            }
            return response;
        }
    }
}
