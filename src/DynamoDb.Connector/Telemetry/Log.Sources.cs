using Microsoft.Extensions.Logging;

namespace DynamoDb.Connector.Telemetry;

internal static partial class Log
{
    // 600-619: sources (what a manifest lists) and leases (one job per checkpoint or destination).
    [LoggerMessage(EventId = 600, Level = LogLevel.Warning, Message = "Import of {Source}: {Warning}")]
    public static partial void PlanWarning(ILogger logger, string source, string warning);

    [LoggerMessage(EventId = 601, Level = LogLevel.Warning, Message = "Import of {Source}: the export is incomplete ({Why}) and is imported anyway, as asked: it holds only part of the table")]
    public static partial void IncompleteExportImported(ILogger logger, string source, string why);

    [LoggerMessage(EventId = 610, Level = LogLevel.Information, Message = "Lease {Lease} taken by {Owner} until {ExpiresAt:O}")]
    public static partial void LeaseTaken(ILogger logger, string lease, string owner, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 611, Level = LogLevel.Warning, Message = "Lease {Lease} of {Holder} (until {ExpiredAt:O}) is stale, expired or its process gone: taken over by {Owner}")]
    public static partial void LeaseTakenOver(ILogger logger, string lease, string holder, DateTimeOffset expiredAt, string owner);

    [LoggerMessage(EventId = 612, Level = LogLevel.Error, Message = "Lease {Lease} is now held by {Holder}, not by this job ({Owner}): another run took it after it could not be renewed in time")]
    public static partial void LeaseLost(ILogger logger, string lease, string holder, string owner);

    [LoggerMessage(EventId = 613, Level = LogLevel.Warning, Message = "Lease {Lease} could not be renewed: {Reason}; retrying")]
    public static partial void LeaseRenewFailed(ILogger logger, string lease, string reason, Exception exception);
}
