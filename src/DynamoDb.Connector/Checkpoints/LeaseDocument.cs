using System.Diagnostics;

namespace DynamoDb.Connector.Checkpoints;

/// <summary>
/// A lease object's content: who holds it, until when, and (where known) the holder's host and process, so that a
/// job on the same host can tell that the holder was killed and take the lease over without waiting for it to expire.
/// </summary>
internal sealed record LeaseDocument(string Owner, string Token, string Purpose, DateTimeOffset AcquiredAt, DateTimeOffset ExpiresAt)
{
    /// <summary>
    /// The holder's host: the machine name, and on Linux its PID namespace, so that containers sharing a host name
    /// never mistake each other's process ids. Null in leases written without it.
    /// </summary>
    public string? Host { get; init; }

    /// <summary>The holder's process id on <see cref="Host"/>.</summary>
    public int? ProcessId { get; init; }

    /// <summary>When the holder's process started: a process id reused by another process is not the holder.</summary>
    public DateTimeOffset? ProcessStartedAt { get; init; }

    /// <summary>Who holds it, in words: owner and the start of its token.</summary>
    public string Holder => $"{Owner} (token {Token[..Math.Min(8, Token.Length)]})";

    /// <summary>This process's lease for <paramref name="purpose"/>, from <paramref name="now"/> for <paramref name="duration"/>.</summary>
    public static LeaseDocument ForThisProcess(string purpose, DateTimeOffset now, TimeSpan duration) =>
        new($"{Environment.MachineName} pid {Environment.ProcessId}", Guid.NewGuid().ToString("N"), purpose, now, now + duration)
        {
            Host = ThisHost,
            ProcessId = Environment.ProcessId,
            ProcessStartedAt = StartOf(Environment.ProcessId),
        };

    /// <summary>Whether the lease still stands at <paramref name="now"/>: not expired, and its holder not known to be gone.</summary>
    public bool StandsAt(DateTimeOffset now) => ExpiresAt > now && !HolderIsGone();

    /// <summary>Whether the holder ran on this host and its process is no longer there (killed): only then is it known to be gone.</summary>
    public bool HolderIsGone()
    {
        if (Host is null || Host != ThisHost || ProcessId is not { } pid || ProcessStartedAt is not { } started) return false;
        var now = StartOf(pid);
        return now is null ? ProcessExited(pid) : Math.Abs((now.Value - started).TotalSeconds) > 1;
    }

    private static string ThisHost { get; } = Environment.MachineName + (OperatingSystem.IsLinux() && PidNamespace() is { } ns ? "/" + ns : "");

    private static string? PidNamespace()
    {
        try
        {
            return new FileInfo("/proc/self/ns/pid").LinkTarget;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static DateTimeOffset? StartOf(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return new DateTimeOffset(process.StartTime.ToUniversalTime(), TimeSpan.Zero);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return null;
        }
    }

    private static bool ProcessExited(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true; // no process with that id
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return false; // cannot tell: the lease stands until it expires
        }
    }
}
