namespace DynamoDb.Connector.FanOut;

/// <summary>What a fan-out state machine definition (<see cref="FanOutStateMachine"/>) is built with.</summary>
public sealed class FanOutDefinitionOptions
{
    /// <summary>
    /// The placeholder written where the function's ARN goes when none is given: CloudFormation's
    /// <c>DefinitionSubstitutions</c> (deploy/template.yaml) replaces <c>${FunctionArn}</c> with the deployed function's
    /// ARN, so one definition file serves every stack.
    /// </summary>
    public const string FunctionArnPlaceholder = "${FunctionArn}";

    /// <summary>The most child executions a Distributed Map runs at once (Step Functions' limit).</summary>
    public const int MaxDistributedConcurrency = 10_000;

    /// <summary>
    /// How many splits (or export segments) run at once: the Distributed Map's <c>MaxConcurrency</c>, and the
    /// <c>maxConcurrency</c> every invocation is sent, so each takes 1/N of the table's budget and N together take
    /// all of it. 1 to 10,000; 10 unless set.
    /// </summary>
    public int MaxConcurrency { get; set; } = 10;

    /// <summary>The function each item invokes (an ARN, or a name); <see cref="FunctionArnPlaceholder"/> unless set.</summary>
    public string FunctionArn { get; set; } = FunctionArnPlaceholder;

    /// <summary>Throws when an option is out of range, naming it.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="MaxConcurrency"/> is not 1 to 10,000.</exception>
    /// <exception cref="ArgumentException"><see cref="FunctionArn"/> is empty.</exception>
    public void Validate()
    {
        if (MaxConcurrency is < 1 or > MaxDistributedConcurrency)
        {
            // 0 means "unbounded" to Step Functions; here it would also make each invocation's share 1/0.
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrency), MaxConcurrency,
                $"MaxConcurrency is {MaxConcurrency}; give 1 to {MaxDistributedConcurrency:N0} (a Distributed Map runs at most {MaxDistributedConcurrency:N0} child executions at once).");
        }
        if (string.IsNullOrWhiteSpace(FunctionArn))
        {
            throw new ArgumentException($"FunctionArn is empty; give the function's ARN or leave {FunctionArnPlaceholder} for the template to substitute.", nameof(FunctionArn));
        }
    }
}
