using Microsoft.Extensions.Configuration;

namespace ExportWriterSample;

/// <summary>Where to write how many orders, from the command line (<c>--Destination ... --Orders ...</c>) or any other configuration source.</summary>
internal sealed record ExportSettings(string Destination, int Orders)
{
    /// <summary>Orders per part file.</summary>
    public int OrdersPerPart { get; init; } = 1_000;

    /// <summary>The layout: <c>Emr</c> (part files and an EMR <c>manifest</c>) or <c>Native</c> (as DynamoDB's export to S3).</summary>
    public string Layout { get; init; } = "Emr";

    public static ExportSettings From(IConfiguration configuration)
    {
        string destination = configuration["Destination"] is { Length: > 0 } value
            ? value
            : throw new ArgumentException("--Destination is required (usage: --Destination <uri> [--Orders n] [--OrdersPerPart n] [--Layout Emr|Native]).");
        var settings = new ExportSettings(destination, configuration.GetValue("Orders", 10_000))
        {
            OrdersPerPart = configuration.GetValue("OrdersPerPart", 1_000),
            Layout = configuration["Layout"] ?? "Emr",
        };
        if (settings.Orders < 0 || settings.OrdersPerPart < 1) throw new ArgumentException("--Orders must be 0 or more and --OrdersPerPart at least 1.");
        return settings;
    }
}
