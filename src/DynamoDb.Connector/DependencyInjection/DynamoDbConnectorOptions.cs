using System.ComponentModel.DataAnnotations;
using DynamoDb.Connector.Writing;
using Microsoft.Extensions.Options;

namespace DynamoDb.Connector.DependencyInjection;

/// <summary>The connector's options, bound from the <c>DynamoDbConnector</c> configuration section or set in code, validated at start.</summary>
public sealed class DynamoDbConnectorOptions
{
    /// <summary>The configuration section the options are usually bound from: <c>DynamoDbConnector</c>.</summary>
    public const string SectionName = "DynamoDbConnector";

    /// <summary>The default options of every writer (a writer may be given its own).</summary>
    [Required]
    public DynamoDbWriterOptions Writer { get; set; } = new();
}

/// <summary>
/// Validates <see cref="DynamoDbConnectorOptions"/> at start, naming every problem: the annotations, then the nested
/// writer options with the validator writers use.
/// </summary>
internal sealed class DynamoDbConnectorOptionsValidator : IValidateOptions<DynamoDbConnectorOptions>
{
    public ValidateOptionsResult Validate(string? name, DynamoDbConnectorOptions options) =>
        OptionsValidation.Result(OptionsValidation.Annotations(options)
            .Concat(options.Writer?.Problems().Select(p => "DynamoDbConnector:Writer: " + p) ?? []));
}
