using System.Collections.Concurrent;
using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace DynamoDb.Connector.Tests.Storage;

/// <summary>
/// An in-memory S3 behind <see cref="IAmazonS3"/> for what s3rver cannot do (UploadPartCopy, AbortMultipartUpload,
/// injected failures): keeps objects and multipart uploads, records every request, and fails a request when
/// <see cref="FailWhen"/> says so. Operations the store does not use throw.
/// </summary>
public class FakeS3 : DispatchProxy
{
    private readonly ConcurrentDictionary<string, byte[]> _objects = new();
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<int, byte[]>> _uploads = new();
    private int _uploadIds;

    /// <summary>Every request received, in order, with the body length of uploads.</summary>
    public ConcurrentQueue<(AmazonWebServiceRequest Request, long BodyLength)> Requests { get; } = new();

    /// <summary>Returns the exception to answer a request with, or null to serve it.</summary>
    public Func<AmazonWebServiceRequest, Exception?> FailWhen { get; set; } = _ => null;

    public IReadOnlyDictionary<string, byte[]> Objects => _objects;

    public int OpenUploads => _uploads.Count;

    public static (IAmazonS3 Client, FakeS3 Server) Create()
    {
        var client = Create<IAmazonS3, FakeS3>();
        return (client, (FakeS3)(object)client);
    }

    public void Put(string bucket, string key, byte[] content) => _objects[bucket + "/" + key] = content;

    public IEnumerable<T> RequestsOf<T>() where T : AmazonWebServiceRequest => Requests.Select(r => r.Request).OfType<T>();

    public static AmazonS3Exception Error(string code, HttpStatusCode status) =>
        new($"{code} from the fake", ErrorType.Sender, code, "request-id", status);

    protected override object? Invoke(MethodInfo? method, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (method.Name == nameof(IDisposable.Dispose)) return null;
        if (args is not [AmazonWebServiceRequest request, ..])
        {
            throw new NotSupportedException($"FakeS3 does not serve {method.Name}.");
        }
        try
        {
            object response = Serve(request);
            return typeof(Task).GetMethod(nameof(Task.FromResult))!.MakeGenericMethod(method.ReturnType.GetGenericArguments()[0])
                .Invoke(null, [response]);
        }
        catch (Exception ex)
        {
            return typeof(Task).GetMethod(nameof(Task.FromException), 1, [typeof(Exception)])!
                .MakeGenericMethod(method.ReturnType.GetGenericArguments()[0]).Invoke(null, [ex]);
        }
    }

    private object Serve(AmazonWebServiceRequest request)
    {
        byte[]? body = request switch
        {
            PutObjectRequest put => ReadAll(put.InputStream),
            UploadPartRequest part => ReadAll(part.InputStream),
            _ => null,
        };
        Requests.Enqueue((request, body?.Length ?? -1));
        if (FailWhen(request) is { } failure) throw failure;

        switch (request)
        {
            case PutObjectRequest put:
                _objects[put.BucketName + "/" + put.Key] = body!;
                return new PutObjectResponse { ETag = ETag(body!) };
            case GetObjectMetadataRequest head:
                var found = Find(head.BucketName, head.Key) ?? throw Error("NotFound", HttpStatusCode.NotFound);
                var metadata = new GetObjectMetadataResponse { ContentLength = found.Length, ETag = ETag(found) };
                metadata.Headers.ContentType = "application/x-ndjson";
                metadata.Metadata.Add("origin", "fake");
                return metadata;
            case InitiateMultipartUploadRequest initiate:
                string id = $"upload-{Interlocked.Increment(ref _uploadIds)}";
                _uploads[id] = new ConcurrentDictionary<int, byte[]>();
                return new InitiateMultipartUploadResponse { BucketName = initiate.BucketName, Key = initiate.Key, UploadId = id };
            case UploadPartRequest part:
                Upload(part.UploadId)[part.PartNumber!.Value] = body!;
                return new UploadPartResponse { ETag = ETag(body!), PartNumber = part.PartNumber };
            case CopyPartRequest copy:
                var source = Find(copy.SourceBucket, copy.SourceKey) ?? throw Error("NoSuchKey", HttpStatusCode.NotFound);
                if (copy.ETagToMatch is [var expected] && expected != ETag(source)) throw Error("PreconditionFailed", HttpStatusCode.PreconditionFailed);
                byte[] slice = source[(int)copy.FirstByte!.Value..(int)(copy.LastByte!.Value + 1)];
                Upload(copy.UploadId)[copy.PartNumber!.Value] = slice;
                return new CopyPartResponse { ETag = ETag(slice), PartNumber = copy.PartNumber };
            case CompleteMultipartUploadRequest complete:
                var parts = Upload(complete.UploadId);
                using (var assembled = new MemoryStream())
                {
                    int expectedNumber = 1;
                    foreach (var etag in complete.PartETags)
                    {
                        if (etag.PartNumber != expectedNumber++ || !parts.TryGetValue(etag.PartNumber!.Value, out var content) || ETag(content) != etag.ETag)
                        {
                            throw Error("InvalidPart", HttpStatusCode.BadRequest);
                        }
                        assembled.Write(content);
                    }
                    _objects[complete.BucketName + "/" + complete.Key] = assembled.ToArray();
                }
                _uploads.TryRemove(complete.UploadId, out _);
                return new CompleteMultipartUploadResponse();
            case AbortMultipartUploadRequest abort:
                if (!_uploads.TryRemove(abort.UploadId, out _)) throw Error("NoSuchUpload", HttpStatusCode.NotFound);
                return new AbortMultipartUploadResponse();
            case CopyObjectRequest copyObject:
                var original = Find(copyObject.SourceBucket, copyObject.SourceKey) ?? throw Error("NoSuchKey", HttpStatusCode.NotFound);
                if (copyObject.ETagToMatch is { } match && match != ETag(original)) throw Error("PreconditionFailed", HttpStatusCode.PreconditionFailed);
                _objects[copyObject.DestinationBucket + "/" + copyObject.DestinationKey] = original;
                return new CopyObjectResponse();
            case DeleteObjectRequest delete:
                _objects.TryRemove(delete.BucketName + "/" + delete.Key, out _);
                return new DeleteObjectResponse();
            default:
                throw new NotSupportedException($"FakeS3 does not serve {request.GetType().Name}.");
        }
    }

    private byte[]? Find(string bucket, string key) => _objects.TryGetValue(bucket + "/" + key, out var content) ? content : null;

    private ConcurrentDictionary<int, byte[]> Upload(string uploadId) =>
        _uploads.TryGetValue(uploadId, out var parts) ? parts : throw Error("NoSuchUpload", HttpStatusCode.NotFound);

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    public static string ETag(byte[] content) => "\"" + Convert.ToHexStringLower(MD5.HashData(content)) + "\"";
}
