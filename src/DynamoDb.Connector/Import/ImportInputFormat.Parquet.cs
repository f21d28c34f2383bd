using DynamoDb.Connector.Formats.Parquet;

namespace DynamoDb.Connector.Import;

/// <summary>Parquet files cut by row groups: a part is a byte range, and it reads the row groups that start inside it.</summary>
public sealed partial class ImportInputFormat
{
    /// <summary>
    /// The parts of a Parquet file larger than a split: consecutive row groups, each part about
    /// <paramref name="target"/> bytes (a row group larger than that is a part alone; never cut inside one).
    /// </summary>
    private async Task<List<List<SplitFile>>> ParquetPiecesAsync(SplitFile file, long target, CancellationToken cancellationToken)
    {
        var stream = new RandomAccessObjectStream(_stores.For(file.Uri), file.Uri, file.Size);
        await using (stream.ConfigureAwait(false))
        {
            var groups = await ParquetFiles.ReadRowGroupsAsync(stream, file.Uri, cancellationToken).ConfigureAwait(false);
            var starts = new List<long>();
            long bytes = target;
            foreach (var group in groups)
            {
                if (bytes >= target)
                {
                    starts.Add(starts.Count == 0 ? 0 : group.Start);
                    bytes = 0;
                }
                bytes += group.Bytes;
            }
            if (starts.Count <= 1) return [[file]];
            return starts.Select((start, i) => new List<SplitFile> { file with { Start = start, End = i + 1 < starts.Count ? starts[i + 1] : file.Size, ExpectedItems = null } }).ToList();
        }
    }
}
