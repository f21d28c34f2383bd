using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Parquet;

namespace DynamoDb.Connector.Import;

/// <summary>Parquet files cut by row groups: a part is a byte range, and it reads the row groups that start inside it.</summary>
public sealed partial class ImportInputFormat
{
    /// <summary>A Parquet file (by its magic) is never read as another format, even one given: that would be junk items.</summary>
    private async Task RefuseParquetAsAsync(SplitFile file, ItemFileFormat format, CancellationToken cancellationToken)
    {
        var stream = await _stores.For(file.Uri).OpenReadAsync(file.Uri, 0, 4, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var head = new byte[4];
            int read = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (ParquetFiles.IsParquet(head.AsSpan(0, read)))
            {
                throw new FormatRefusedException($"{file.Uri}: it is a Parquet file (it starts with PAR1), not {format.ToName()}: pass --format parquet, or leave --format out.");
            }
        }
    }

    /// <summary>
    /// The parts of a Parquet file, from its footer: consecutive row groups, each part about <paramref name="target"/>
    /// bytes (a row group larger than that is a part alone; never cut inside one); one part for a small file.
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
