using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace DynamoDb.Connector.DependencyInjection;

/// <summary>
/// The one way options are checked: the ranges of single values as DataAnnotations on the properties (so a host's
/// <c>ValidateDataAnnotations()</c> checks them too), the rules across values and nested options in an
/// <see cref="IValidateOptions{TOptions}"/> per options type, which runs the annotations first. The same validator runs
/// at start (<c>ValidateOnStart</c>) and for options passed per call, and every failure is one
/// <see cref="OptionsValidationException"/> listing every problem.
/// </summary>
internal static partial class OptionsValidation
{
    /// <summary>The problems the DataAnnotations of <paramref name="options"/> find, each prefixed with <paramref name="prefix"/> (<c>Throughput.</c>).</summary>
    /// <exception cref="InvalidOperationException">No generated validator is declared for the options' type (a bug: add one in AnnotationValidators.cs).</exception>
    public static IEnumerable<string> Annotations(object options, string prefix = "")
    {
        var result = options switch
        {
            DynamoDbConnectorOptions o => new DynamoDbConnectorOptionsAnnotations().Validate(null, o),
            Writing.DynamoDbWriterOptions o => new DynamoDbWriterOptionsAnnotations().Validate(null, o),
            Writing.RetryOptions o => new RetryOptionsAnnotations().Validate(null, o),
            Capacity.WriteThroughputOptions o => new WriteThroughputOptionsAnnotations().Validate(null, o),
            Capacity.ReadThroughputOptions o => new ReadThroughputOptionsAnnotations().Validate(null, o),
            Reading.TableInputOptions o => new TableInputOptionsAnnotations().Validate(null, o),
            Import.ImportJobOptions o => new ImportJobOptionsAnnotations().Validate(null, o),
            Import.ImportSourceOptions o => new ImportSourceOptionsAnnotations().Validate(null, o),
            Export.ExportOptions o => new ExportOptionsAnnotations().Validate(null, o),
            // No annotations yet (the generator refuses a type without any): give it a validator here when it gets one.
            Export.ExportOutputOptions => ValidateOptionsResult.Success,
            Storage.S3ObjectStoreOptions o => new S3ObjectStoreOptionsAnnotations().Validate(null, o),
            _ => throw new InvalidOperationException($"No generated validator for the annotations of {options.GetType().Name}: declare one in AnnotationValidators.cs."),
        };
        // The generated code writes "Member: message"; the messages here name their member themselves.
        return result.Failed ? (result.Failures ?? [result.FailureMessage]).Select(f => prefix + GeneratedMemberPrefix().Replace(f, "", 1)) : [];
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*: ")]
    private static partial System.Text.RegularExpressions.Regex GeneratedMemberPrefix();

    /// <summary>The result of a validator for <paramref name="problems"/>.</summary>
    public static ValidateOptionsResult Result(IEnumerable<string> problems)
    {
        var list = problems.ToList();
        return list.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(list);
    }

    /// <summary>Runs <paramref name="validator"/> on options passed per call; throws with every problem when they are invalid.</summary>
    /// <exception cref="OptionsValidationException">The options are invalid; <see cref="OptionsValidationException.Failures"/> lists every problem.</exception>
    public static void ThrowIfInvalid<TOptions>(IValidateOptions<TOptions> validator, TOptions options)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(options);
        var result = validator.Validate(Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(TOptions), result.Failures ?? [result.FailureMessage]);
        }
    }

    /// <summary>A number as the messages write it: invariant, with thousands separators (<c>1,000,000</c>, <c>0.5</c>).</summary>
    public static string Number(double value) => value.ToString("#,0.####", CultureInfo.InvariantCulture);
}

/// <summary>
/// A number (or a null, which passes) between <paramref name="minimum"/> and <paramref name="maximum"/>, both included;
/// the message names the property and its value: <c>BatchSize is 30; it must be between 1 and 25.</c>
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class BetweenAttribute(double minimum, double maximum) : ValidationAttribute
{
    /// <summary>What follows <c>Name is value; </c> in the message; default <c>it must be between {min} and {max}.</c></summary>
    public string? Rule { get; init; }

    /// <summary>Writes the message's <c>Name is value</c> part in words instead (<c>{0}</c> the value), as the import's messages are.</summary>
    public string? Message { get; init; }

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        if (value is null) return ValidationResult.Success;
        double number = Convert.ToDouble(value, CultureInfo.InvariantCulture);
        if (number >= minimum && number <= maximum) return ValidationResult.Success;
        string shown = Convert.ToString(value, CultureInfo.InvariantCulture)!;
        string text = Message is not null
            ? string.Format(CultureInfo.InvariantCulture, Message, shown)
            : $"{validationContext.MemberName} is {shown}; {Rule ?? $"it must be between {OptionsValidation.Number(minimum)} and {OptionsValidation.Number(maximum)}."}";
        return new ValidationResult(text, validationContext.MemberName is { } member ? [member] : null);
    }
}

/// <summary>
/// A <see cref="TimeSpan"/> (or a null, which passes) between two durations (<c>hh:mm:ss</c> or <c>d.hh:mm:ss</c>),
/// both included; the message names the property and its value, then <see cref="Rule"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class DurationBetweenAttribute(string minimum, string maximum) : ValidationAttribute
{
    private readonly TimeSpan _minimum = TimeSpan.Parse(minimum, CultureInfo.InvariantCulture);
    private readonly TimeSpan _maximum = TimeSpan.Parse(maximum, CultureInfo.InvariantCulture);

    /// <summary>What follows <c>Name is value; </c> in the message, such as <c>it must be between 1 second and 1 hour.</c></summary>
    public string Rule { get; init; } = "";

    /// <summary>Writes the whole message in words instead (<c>{0}</c> the value), as the import's messages are.</summary>
    public string? Message { get; init; }

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        if (value is not TimeSpan duration || (duration >= _minimum && duration <= _maximum)) return ValidationResult.Success;
        string text = Message is not null
            ? string.Format(CultureInfo.InvariantCulture, Message, duration)
            : $"{validationContext.MemberName} is {duration}; {Rule}";
        return new ValidationResult(text, validationContext.MemberName is { } member ? [member] : null);
    }
}
