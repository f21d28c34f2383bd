using DynamoDb.Connector.Formats.Lines;

namespace DynamoDb.Connector.Cli;

/// <summary>
/// Reports bad records on stderr as <c>file:line: reason (line starts: ...)</c>, from any number of workers, and
/// counts them. After <see cref="MaxPrinted"/> lines it only counts, so a file of garbage does not flood the terminal.
/// </summary>
internal sealed class BadRecordReporter(TextWriter stderr)
{
    public const int MaxPrinted = 1000;

    private readonly Lock _lock = new();
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public void Report(RecordError error) => Report(error.ToString());

    public void Report(string message)
    {
        long count = Interlocked.Increment(ref _count);
        if (count > MaxPrinted) return;
        lock (_lock)
        {
            stderr.WriteLine(count == MaxPrinted ? $"{message}\n(further bad records are counted, not printed)" : message);
        }
    }
}
