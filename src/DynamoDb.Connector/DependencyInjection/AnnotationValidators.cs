using DynamoDb.Connector.Capacity;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.Import;
using DynamoDb.Connector.Reading;
using DynamoDb.Connector.Storage;
using DynamoDb.Connector.Writing;
using Microsoft.Extensions.Options;

namespace DynamoDb.Connector.DependencyInjection;

// The DataAnnotations of each options type, checked by code the Options source generator writes at build time
// ([OptionsValidator]) instead of by reflection (Validator.TryValidateObject), so trimming and Native AOT keep them.
// OptionsValidation.Annotations picks the one for an options object; a new options type with annotations adds one here.

[OptionsValidator] internal sealed partial class DynamoDbConnectorOptionsAnnotations : IValidateOptions<DynamoDbConnectorOptions>;

[OptionsValidator] internal sealed partial class DynamoDbWriterOptionsAnnotations : IValidateOptions<DynamoDbWriterOptions>;

[OptionsValidator] internal sealed partial class RetryOptionsAnnotations : IValidateOptions<RetryOptions>;

[OptionsValidator] internal sealed partial class WriteThroughputOptionsAnnotations : IValidateOptions<WriteThroughputOptions>;

[OptionsValidator] internal sealed partial class ReadThroughputOptionsAnnotations : IValidateOptions<ReadThroughputOptions>;

[OptionsValidator] internal sealed partial class TableInputOptionsAnnotations : IValidateOptions<TableInputOptions>;

[OptionsValidator] internal sealed partial class ImportJobOptionsAnnotations : IValidateOptions<ImportJobOptions>;

[OptionsValidator] internal sealed partial class ImportSourceOptionsAnnotations : IValidateOptions<ImportSourceOptions>;

[OptionsValidator] internal sealed partial class ExportOptionsAnnotations : IValidateOptions<ExportOptions>;

[OptionsValidator] internal sealed partial class S3ObjectStoreOptionsAnnotations : IValidateOptions<S3ObjectStoreOptions>;
