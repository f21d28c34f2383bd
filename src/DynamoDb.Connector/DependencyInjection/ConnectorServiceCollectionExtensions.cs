using Amazon.S3;
using DynamoDb.Connector.DependencyInjection;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.Reading;
using DynamoDb.Connector.Storage;
using DynamoDb.Connector.Writing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

// In the namespace of IServiceCollection, as Microsoft.Extensions.* and AWSSDK.Extensions.NETCore.Setup put theirs, so
// services.AddDynamoDbConnector() is found without a using of its own.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the connector.</summary>
public static class ConnectorServiceCollectionExtensions
{
    /// <summary>
    /// Adds the connector: <see cref="IDynamoDbWriterFactory"/> and its options (validated when the host starts),
    /// <see cref="ImportInputFormat"/>, <see cref="ImportJob"/> and <see cref="ExportJob"/> (their options are given,
    /// and validated, per run), the pieces the export is made of (<see cref="TableInputFormat"/>,
    /// <see cref="ExportManifestOutputFormat"/>), and <see cref="ObjectStores"/>, which picks the store for a uri (local paths and
    /// <c>file://</c> always; <c>s3://</c> through the registered <see cref="IAmazonS3"/>).
    /// The connector never creates an AWS client: register an <c>IAmazonDynamoDB</c> (and an <see cref="IAmazonS3"/>
    /// for <c>s3://</c> uris) yourself, for example with AWSSDK.Extensions.NETCore.Setup's
    /// <c>services.AddDefaultAWSOptions(configuration.GetAWSOptions()).AddAWSService&lt;IAmazonDynamoDB&gt;().AddAWSService&lt;IAmazonS3&gt;()</c>.
    /// A <see cref="TimeProvider"/> is used when registered, <see cref="TimeProvider.System"/> otherwise; an
    /// <c>ILoggerFactory</c> and an <c>IMeterFactory</c> when registered.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options in code; default none (the defaults).</param>
    /// <returns><paramref name="services"/>, to chain calls.</returns>
    public static IServiceCollection AddDynamoDbConnector(this IServiceCollection services, Action<DynamoDbConnectorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<DynamoDbConnectorOptions>();
        if (configure is not null) builder.Configure(configure);
        return AddCore(services, builder);
    }

    /// <summary>Adds the connector with options bound from <paramref name="configuration"/> (usually the <c>DynamoDbConnector</c> section).</summary>
    /// <inheritdoc cref="AddDynamoDbConnector(IServiceCollection, Action{DynamoDbConnectorOptions}?)"/>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section holding the options, e.g. <c>configuration.GetSection(DynamoDbConnectorOptions.SectionName)</c>.</param>
    public static IServiceCollection AddDynamoDbConnector(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        return AddCore(services, services.AddOptions<DynamoDbConnectorOptions>().Bind(configuration));
    }

    private static IServiceCollection AddCore(IServiceCollection services, OptionsBuilder<DynamoDbConnectorOptions> options)
    {
        // The validators run the annotations through generated code (no reflection: trimming and Native AOT keep them).
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DynamoDbConnectorOptions>, DynamoDbConnectorOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        // Local files always work; s3:// uris need an IAmazonS3 in the container, resolved only on first use.
        services.AddOptions<S3ObjectStoreOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<S3ObjectStoreOptions>, S3ObjectStoreOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IObjectStore, LocalFileObjectStore>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IObjectStore, S3ObjectStore>(sp => new S3ObjectStore(
            () => sp.GetService<IAmazonS3>() ?? throw new InvalidOperationException(
                "s3:// uris need an IAmazonS3 in the service collection (for example services.AddAWSService<IAmazonS3>())."),
            sp.GetRequiredService<IOptions<S3ObjectStoreOptions>>())));
        services.TryAddSingleton<ObjectStores>();
        services.TryAddSingleton<ImportInputFormat>(sp => new ImportInputFormat(sp.GetRequiredService<ObjectStores>(), sp.GetService<ILoggerFactory>()?.CreateLogger<ImportInputFormat>()));
        services.TryAddSingleton<IDynamoDbWriterFactory, DynamoDbWriterFactory>();
        services.TryAddSingleton<TableInputFormat>();
        services.TryAddSingleton<ExportManifestOutputFormat>();
        services.TryAddSingleton<ExportJob>();
        services.TryAddSingleton(sp => new ImportJob(
            sp.GetRequiredService<ImportInputFormat>(), sp.GetRequiredService<IDynamoDbWriterFactory>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<ILoggerFactory>(), sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        return services;
    }
}
