using Amazon.DynamoDBv2.Model;
using Amazon.S3.Model;

namespace DynamoDb.Connector.IntegrationTests.Infrastructure;

[Collection(LocalServersCollection.Name)]
public sealed class LocalServersTests(LocalServers servers)
{
    [Fact]
    public async Task Servers_AnswerTheAwsSdk()
    {
        using var dynamo = servers.CreateDynamoDbClient();
        string table = LocalServers.UniqueName("probe");
        await dynamo.CreateTableAsync(new CreateTableRequest
        {
            TableName = table,
            KeySchema = [new KeySchemaElement("pk", Amazon.DynamoDBv2.KeyType.HASH)],
            AttributeDefinitions = [new AttributeDefinition("pk", Amazon.DynamoDBv2.ScalarAttributeType.S)],
            BillingMode = Amazon.DynamoDBv2.BillingMode.PAY_PER_REQUEST,
        });
        var tables = await dynamo.ListTablesAsync(new ListTablesRequest());
        Assert.Contains(table, tables.TableNames);

        using var s3 = servers.CreateS3Client();
        string bucket = LocalServers.UniqueName("probe");
        await s3.PutBucketAsync(bucket);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "a/b.txt", ContentBody = "hello", UseChunkEncoding = false });
        using var get = await s3.GetObjectAsync(bucket, "a/b.txt");
        using var reader = new StreamReader(get.ResponseStream);
        Assert.Equal("hello", await reader.ReadToEndAsync());
    }
}
