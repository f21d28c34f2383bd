using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DynamoDb.Connector.Lambda.Tests;

/// <summary>
/// The run's budget in a Lambda invocation: the payload's (or the environment's), but never past the invocation's
/// deadline (the Runtime API's <c>Lambda-Runtime-Deadline-Ms</c>) less the margin, since Lambda kills an invocation at
/// its deadline and its continuation with it.
/// </summary>
public sealed class FunctionDeadlineTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ConnectorFunction Function() =>
        new(new ServiceCollection().AddSingleton<TimeProvider>(new FakeTimeProvider(Now)).BuildServiceProvider());

    private static FunctionPayload Payload(int? budgetSeconds) => FunctionPayload.Parse(Encoding.UTF8.GetBytes(budgetSeconds is { } s
        ? $$"""{"table":"T","splitUri":"s3://b/plan/split-0000.json","timeBudgetSeconds":{{s}}}"""
        : """{"table":"T","splitUri":"s3://b/plan/split-0000.json"}"""));

    [Fact]
    public void APayloadBudget_LongerThanTheTimeBeforeTheDeadline_IsCutToTheDeadlineLessTheMargin()
    {
        using var function = Function();

        // 840 s asked for, in an invocation with 300 s left (a shorter function timeout, or a late retry).
        var budget = function.BudgetFor(Payload(840), Now.AddSeconds(300));

        Assert.Equal(TimeSpan.FromSeconds(300) - ConnectorFunction.MarginBefore(TimeSpan.FromSeconds(300)), budget);
    }

    [Fact]
    public void APayloadBudget_ShorterThanTheTimeBeforeTheDeadline_Stands()
    {
        using var function = Function();

        Assert.Equal(TimeSpan.FromSeconds(30), function.BudgetFor(Payload(30), Now.AddSeconds(900)));
    }

    [Fact]
    public void WithoutABudgetInThePayload_TheDeadlineGivesIt_AndWithoutEither_ThereIsNone()
    {
        using var function = Function();

        Assert.Equal(TimeSpan.FromSeconds(870), function.BudgetFor(Payload(null), Now.AddSeconds(900)));
        Assert.Null(function.BudgetFor(Payload(null), deadline: null));
        Assert.Equal(TimeSpan.FromSeconds(840), function.BudgetFor(Payload(840), deadline: null));
    }
}
