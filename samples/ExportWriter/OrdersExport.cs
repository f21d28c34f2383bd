#region usings
using System.Collections.Concurrent;
using System.Globalization;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Export;
#endregion

namespace ExportWriterSample;

/// <summary>
/// Writes orders the host makes itself as an export, through <see cref="ExportManifestOutputFormat"/>: part files
/// written from two flows at once, each committed whole, then the manifest, last, listing exactly the committed parts.
/// A reader (the import, compare) sees either no export or a complete one.
/// </summary>
internal sealed class OrdersExport(ExportManifestOutputFormat outputs)
{
    public async Task<ExportResult> WriteAsync(ExportSettings settings, CancellationToken cancellationToken)
    {
        #region export
        var layout = Enum.Parse<ExportLayout>(settings.Layout, ignoreCase: true);
        ExportOutput output = outputs.Open(new ExportOutputOptions { Destination = settings.Destination, Layout = layout });
        if (await output.IsCompleteAsync(cancellationToken))
        {
            throw new InvalidOperationException($"{output.ManifestUri} exists: the export in {output.Destination} is complete already.");
        }
        await output.CleanAsync([], cancellationToken); // what an earlier run that failed half way left
        await output.WriteStartedAsync(cancellationToken); // the native layout's _started marker (none in the EMR layout)
        var parts = new ConcurrentBag<ExportPartFile>();
        var chunks = Orders(settings.Orders).Chunk(settings.OrdersPerPart);
        await Parallel.ForEachAsync(chunks, new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = cancellationToken }, async (orders, ct) =>
        {
            ExportPartWriter part = await output.CreatePartAsync(ct); // invisible until committed
            foreach (var order in orders) await part.WriteAsync(order, ct);
            parts.Add(await output.CommitAsync(part, ct));
        });
        await output.WriteManifestAsync(cancellationToken); // last: only now is there an export
        #endregion
        return new ExportResult(output.ManifestUri, parts.Count, parts.Sum(p => p.ItemCount), parts.Sum(p => p.Bytes));
    }

    #region orders
    /// <summary>The items: orders keyed by customer (<c>pk</c>) and order number (<c>sk</c>), the same on every run.</summary>
    public static IEnumerable<Dictionary<string, AttributeValue>> Orders(int count)
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (int n = 1; n <= count; n++)
        {
            yield return new Dictionary<string, AttributeValue>
            {
                ["pk"] = new() { S = $"customer-{n % 97:D3}" },
                ["sk"] = new() { N = n.ToString(CultureInfo.InvariantCulture) },
                ["placed"] = new() { S = start.AddMinutes(n).ToString("O", CultureInfo.InvariantCulture) },
                ["total"] = new() { N = (n * 7 % 10_000 / 100m).ToString(CultureInfo.InvariantCulture) },
                ["status"] = new() { S = n % 10 == 0 ? "refunded" : "shipped" },
                ["lines"] = new() { L = [new() { M = new() { ["sku"] = new() { S = $"sku-{n % 13}" }, ["qty"] = new() { N = "1" } } }] },
            };
        }
    }
    #endregion
}

/// <summary>What the sample wrote.</summary>
internal sealed record ExportResult(string Manifest, int Parts, long Items, long Bytes)
{
    public override string ToString() => $"manifest: {Manifest}\nparts: {Parts}\nitems: {Items}\nbytes: {Bytes}\n";
}
