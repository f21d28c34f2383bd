using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Lines;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static DynamoDb.Connector.Formats.Tests.Lines.ItemFilesTestKit;

namespace DynamoDb.Connector.Formats.Tests.Lines;

public class RoundTripProperties
{
    [Property(MaxTest = 200)]
    public Property WriteThenRead_AnyItemsInEveryJsonFormat_GivesTheSameItems() => Prop.ForAll(ItemGenerators.Items, items =>
    {
        foreach (var format in new[] { ItemFileFormat.DataPipeline, ItemFileFormat.DynamoDbJson, ItemFileFormat.DynamoDbJsonIncremental })
        {
            byte[] file = WriteItemsAsync(items, format).GetAwaiter().GetResult();
            var records = ReadAllAsync(file, format).GetAwaiter().GetResult();

            Assert.Equal(items.Count, records.Count);
            Assert.Equal(Enumerable.Range(1, items.Count).Select(i => (long)i), records.Select(r => r.Line));
            Assert.All(records, r => Assert.Equal(RecordOperation.Put, r.Operation));
            for (int i = 0; i < items.Count; i++)
            {
                AssertSameItem(items[i], records[i].Item);
            }
        }
    });

    [Property(MaxTest = 200)]
    public Property Convert_DataPipelineToDdbJsonAndBack_IsLosslessToTheByte() => Prop.ForAll(ItemGenerators.Items, items =>
    {
        byte[] dataPipeline = WriteItemsAsync(items, ItemFileFormat.DataPipeline).GetAwaiter().GetResult();

        var viaDdbJson = ReadAllAsync(dataPipeline, ItemFileFormat.DataPipeline).GetAwaiter().GetResult();
        byte[] ddbJson = WriteAllAsync(viaDdbJson, ItemFileFormat.DynamoDbJson).GetAwaiter().GetResult();
        var back = ReadAllAsync(ddbJson, ItemFileFormat.DynamoDbJson).GetAwaiter().GetResult();
        byte[] again = WriteAllAsync(back, ItemFileFormat.DataPipeline).GetAwaiter().GetResult();

        Assert.Equal(dataPipeline, again);
    });

    [Property(MaxTest = 100)]
    public Property WriteThenRead_IncrementalPutsAndDeletes_GivesTheSameOperations() => Prop.ForAll(
        Gen.Zip(ItemGenerators.Items.Generator, Gen.ArrayOf(Gen.Elements(RecordOperation.Put, RecordOperation.Delete), 12)).ToArbitrary(),
        input =>
        {
            var (items, operations) = input;
            var records = items.Select((item, i) => new ItemRecord(item, i + 1, operations[i])).ToList();

            byte[] file = WriteAllAsync(records, ItemFileFormat.DynamoDbJsonIncremental).GetAwaiter().GetResult();
            var back = ReadAllAsync(file, ItemFileFormat.DynamoDbJsonIncremental).GetAwaiter().GetResult();

            Assert.Equal(records.Select(r => r.Operation), back.Select(r => r.Operation));
            for (int i = 0; i < records.Count; i++)
            {
                AssertSameItem(records[i].Item, back[i].Item);
            }
        });

    [Property(MaxTest = 50)]
    public Property WriteThenRead_Compressed_GivesTheSameItems() => Prop.ForAll(
        Gen.Zip(ItemGenerators.Items.Generator, Gen.Elements(CompressionKind.Gzip, CompressionKind.Zstd)).ToArbitrary(),
        input =>
        {
            var (items, compression) = input;
            byte[] file = WriteItemsAsync(items, ItemFileFormat.DynamoDbJson, new ItemWriterOptions { Compression = compression }).GetAwaiter().GetResult();
            var records = ReadAllAsync(file, ItemFileFormat.DynamoDbJson).GetAwaiter().GetResult();

            Assert.Equal(items.Count, records.Count);
            for (int i = 0; i < items.Count; i++)
            {
                AssertSameItem(items[i], records[i].Item);
            }
        });
}
