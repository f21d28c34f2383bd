using DynamoDb.Connector.Writing;
using Microsoft.Extensions.Options;

namespace DynamoDb.Connector.DependencyInjection;

/// <summary>The connector's options, bound from the <c>DynamoDbConnector</c> configuration section or set in code, validated at start.</summary>
public sealed class DynamoDbConnectorOptions
{
    /// <summary>The configuration section the options are usually bound from: <c>DynamoDbConnector</c>.</summary>
    public const string SectionName = "DynamoDbConnector";

    /// <summary>The default options of every writer (a writer may be given its own).</summary>
    public DynamoDbWriterOptions Writer { get; set; } = new();
}

/// <summary>Validates <see cref="DynamoDbConnectorOptions"/> at start, naming every problem.</summary>
internal sealed class DynamoDbConnectorOptionsValidator : IValidateOptions<DynamoDbConnectorOptions>
{
    public ValidateOptionsResult Validate(string? name, DynamoDbConnectorOptions options)
    {
        if (options.Writer is null) return ValidateOptionsResult.Fail("DynamoDbConnector:Writer is null.");
        var problems = options.Writer.Validate();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems.Select(p => "DynamoDbConnector:Writer: " + p));
    }
}
