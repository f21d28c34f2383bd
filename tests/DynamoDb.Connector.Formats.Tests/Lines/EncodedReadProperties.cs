using System.Text;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Formats.Json;
using DynamoDb.Connector.Formats.Lines;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static DynamoDb.Connector.Formats.Tests.Lines.ItemFilesTestKit;

namespace DynamoDb.Connector.Formats.Tests.Lines;

/// <summary>
/// The JSON line readers hand out items as their canonical DynamoDB JSON: exactly the bytes
/// <c>JsonItemFormatter(dynamoDbKeys: true).WriteMap</c> writes for the item, whatever spelling the line used, and the
/// same item when the dictionary is asked for.
/// </summary>
public class EncodedReadProperties
{
    private static readonly ItemFileFormat[] EncodedFormats = [ItemFileFormat.DataPipeline, ItemFileFormat.DynamoDbJson, ItemFileFormat.DynamoDbJsonIncremental];

    [Property(MaxTest = 200)]
    public Property WriteThenRead_EveryJsonLineFormat_GivesTheItemsCanonicalBytes() => Prop.ForAll(ItemGenerators.Items, items =>
    {
        foreach (var format in EncodedFormats)
        {
            byte[] file = WriteItemsAsync(items, format).GetAwaiter().GetResult();
            var records = ReadAllAsync(file, format).GetAwaiter().GetResult();

            Assert.Equal(items.Count, records.Count);
            for (int i = 0; i < items.Count; i++)
            {
                AssertEncodedAs(items[i], records[i]);
            }
        }
    });

    [Property(MaxTest = 300)]
    public Property Read_AnySpellingOfAnItem_GivesTheCanonicalBytes() => Prop.ForAll(
        Gen.Zip(ItemGenerators.Item, Gen.Choose(0, int.MaxValue)).ToArbitrary(),
        input =>
        {
            var (item, seed) = input;
            var spelling = new NoncanonicalJson(new Random(seed));
            string map = spelling.Map(item);
            var lines = new List<(ItemFileFormat Format, string Line)>
            {
                (ItemFileFormat.DataPipeline, map),
                (ItemFileFormat.DynamoDbJson, $"{{ \"other\": [1, {{\"Item\": 2}}], \"Item\" :{map}}}"),
                (ItemFileFormat.DynamoDbJsonIncremental, $"{{\"OldImage\":{{}},\"NewImage\":{map}, \"Metadata\":{{}}}}"),
            };
            // The legacy framing cannot hold an empty name or one with its separators, nor start with '{' or a blank.
            if (item.Keys.All(name => name.Length > 0 && name.IndexOfAny(['\u0002', '\u0003', '\n', '\r']) < 0) && item.Keys.First()[0] is not ('{' or ' ' or '\t'))
            {
                lines.Add((ItemFileFormat.DataPipeline, spelling.Legacy(item)));
            }
            foreach (var (format, line) in lines)
            {
                var record = new JsonItemParser(format).Parse(Encoding.UTF8.GetBytes(line), 1);
                AssertEncodedAs(item, record);
            }
        });

    /// <summary>Reading every line of the file twice through one parser keeps nothing of one line in the next.</summary>
    [Property(MaxTest = 50)]
    public Property Parse_ManyLinesThroughOneParser_GivesEachItsOwnBytes() => Prop.ForAll(ItemGenerators.Items, items =>
    {
        var parser = new JsonItemParser(ItemFileFormat.DynamoDbJson);
        using var line = new JsonItemFormatter(dynamoDbKeys: true);
        var records = new List<(Dictionary<string, AttributeValue> Item, ItemRecord Record)>();
        foreach (var item in items.Concat(items))
        {
            line.Truncate();
            line.WriteRaw("{\"Item\":"u8);
            line.WriteMap(item);
            line.WriteByte((byte)'}');
            records.Add((item, parser.Parse(line.Written.Span, 1)));
        }
        Assert.All(records, r => AssertEncodedAs(r.Item, r.Record));
    });

    private static void AssertEncodedAs(Dictionary<string, AttributeValue> item, ItemRecord record)
    {
        using var expected = new JsonItemFormatter(dynamoDbKeys: true);
        expected.WriteMap(item);
        var encoded = Assert.IsType<Formats.Items.EncodedItem>(record.Encoded);
        Assert.Equal(Encoding.UTF8.GetString(expected.Written.Span), Encoding.UTF8.GetString(encoded.Json.Span));
        Assert.True(expected.Written.Span.SequenceEqual(encoded.Json.Span));
        AssertSameItem(item, encoded.ToItem());
        AssertSameItem(item, record.Item);
        Assert.Null(record.Encoded);
    }
}
