namespace DynamoDb.Connector.Cli;

/// <summary>The exit codes of every verb (listed by --help: keep <see cref="ConnectorCommandLine.HelpEpilogue"/> in step).</summary>
internal static class ExitCodes
{
    /// <summary>Everything went well.</summary>
    public const int Success = 0;

    /// <summary>The job failed.</summary>
    public const int Failed = 1;

    /// <summary>The command line was wrong.</summary>
    public const int Usage = 2;

    /// <summary>The job finished, but some records were bad (reported on stderr with file:line and reason).</summary>
    public const int FinishedWithBadRecords = 3;

    /// <summary>Interrupted (Ctrl-C, SIGTERM): the job stopped cleanly; 128 + SIGINT, as shells report it.</summary>
    public const int Interrupted = 130;
}
