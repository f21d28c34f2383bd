using System.Text.Json;
using DynamoDb.Connector.FanOut;
using DynamoDb.Connector.IntegrationTests.Infrastructure;

namespace DynamoDb.Connector.IntegrationTests.FanOut;

/// <summary>deploy/template.yaml: least privilege, and the definition file it deploys is what the builder writes.</summary>
public sealed class DeployTemplateTests
{
    private static readonly string Deploy = Path.Combine(LocalServers.RepositoryRoot, "deploy");

    private const string Table = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${TableName}";

    private const string ExportTable = "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${ExportTableName}";

    /// <summary>Every statement the roles may hold: its actions and resources, nothing more.</summary>
    private static readonly Dictionary<string, (string[] Actions, string[] Resources)> Expected = new()
    {
        ["WriteLogs"] = (["logs:CreateLogStream", "logs:PutLogEvents"], ["arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/${AWS::StackName}-import:*"]),
        ["ReadSourceAndPlan"] = (["s3:GetObject"], ["arn:${AWS::Partition}:s3:::${SourceBucket}/${SourcePrefix}*", "arn:${AWS::Partition}:s3:::${PlanBucket}/${PlanPrefix}*"]),
        ["WriteCheckpointsAndDeadLetters"] = (["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
            ["arn:${AWS::Partition}:s3:::${CheckpointBucket}/${CheckpointPrefix}*", "arn:${AWS::Partition}:s3:::${DeadLetterBucket}/${DeadLetterPrefix}*"]),
        ["ListCheckpoints"] = (["s3:ListBucket"], ["arn:${AWS::Partition}:s3:::${CheckpointBucket}"]),
        ["ListDeadLetters"] = (["s3:ListBucket"], ["arn:${AWS::Partition}:s3:::${DeadLetterBucket}"]),
        ["WriteTable"] = (["dynamodb:BatchWriteItem", "dynamodb:DescribeTable"], [Table]),
        ["WriteTableConditionally"] = (["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"], [Table]),
        ["InvokeFunction"] = (["lambda:InvokeFunction"], ["ImportFunction.Arn", "${ImportFunction.Arn}:*"]),
        ["ReadItems"] = (["s3:GetObject"], ["arn:${AWS::Partition}:s3:::${PlanBucket}/${PlanPrefix}items.json"]),
        ["WriteResults"] = (["s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:PutObject"], ["arn:${AWS::Partition}:s3:::${PlanBucket}/${PlanPrefix}results/*"]),
        ["RunChildExecutions"] = (["states:StartExecution"], ["arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${AWS::StackName}-import"]),
        ["WatchChildExecutions"] = (["states:DescribeExecution", "states:StopExecution"], ["arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:${AWS::StackName}-import/*"]),
        ["ExportWriteLogs"] = (["logs:CreateLogStream", "logs:PutLogEvents"], ["arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/${AWS::StackName}-export:*"]),
        ["ExportReadPlan"] = (["s3:GetObject"], ["arn:${AWS::Partition}:s3:::${ExportPlanBucket}/${ExportPlanPrefix}*"]),
        // The checkpoint is <destination>/_checkpoint/, so the destination prefix holds it too.
        ["ExportWriteDestination"] = (["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"], ["arn:${AWS::Partition}:s3:::${ExportBucket}/${ExportPrefix}*"]),
        ["ExportListDestination"] = (["s3:ListBucket"], ["arn:${AWS::Partition}:s3:::${ExportBucket}"]),
        ["ExportReadTable"] = (["dynamodb:DescribeTable", "dynamodb:Query", "dynamodb:Scan"], [ExportTable]),
        ["ExportReadIndex"] = (["dynamodb:Query", "dynamodb:Scan"], [ExportTable + "/index/${ExportIndexName}"]),
        ["ExportInvokeFunction"] = (["lambda:InvokeFunction"], ["ExportFunction.Arn", "${ExportFunction.Arn}:*"]),
        ["ExportReadItems"] = (["s3:GetObject"], ["arn:${AWS::Partition}:s3:::${ExportPlanBucket}/${ExportPlanPrefix}items.json"]),
        ["ExportWriteResults"] = (["s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:PutObject"], ["arn:${AWS::Partition}:s3:::${ExportPlanBucket}/${ExportPlanPrefix}results/*"]),
        ["ExportRunChildExecutions"] = (["states:StartExecution"], ["arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${AWS::StackName}-export"]),
        ["ExportWatchChildExecutions"] = (["states:DescribeExecution", "states:StopExecution"], ["arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:${AWS::StackName}-export/*"]),
    };

    /// <summary>Which statements each role holds: the export's roles hold nothing of the import's, and the reverse.</summary>
    private static readonly Dictionary<string, string[]> RoleStatements = new()
    {
        ["ImportFunctionRole"] = ["WriteLogs", "ReadSourceAndPlan", "WriteCheckpointsAndDeadLetters", "ListCheckpoints", "ListDeadLetters", "WriteTable", "WriteTableConditionally"],
        ["ImportStateMachineRole"] = ["InvokeFunction", "ReadItems", "WriteResults", "RunChildExecutions", "WatchChildExecutions"],
        ["ExportFunctionRole"] = ["ExportWriteLogs", "ExportReadPlan", "ExportWriteDestination", "ExportListDestination", "ExportReadTable", "ExportReadIndex"],
        ["ExportStateMachineRole"] = ["ExportInvokeFunction", "ExportReadItems", "ExportWriteResults", "ExportRunChildExecutions", "ExportWatchChildExecutions"],
    };

    /// <summary>The resources deployed only when ExportTableName is set.</summary>
    private static readonly string[] ExportResources =
        ["ExportFunctionLogs", "ExportFunctionRole", "ExportFunction", "ExportStateMachineRole", "ExportStateMachine"];

    private static async Task<JsonElement> TemplateAsync() =>
        JsonDocument.Parse(await NodeTools.YamlToJsonAsync(Path.Combine(Deploy, "template.yaml"))).RootElement.Clone();

    private static IEnumerable<JsonElement> Statements(JsonElement template) =>
        from resource in template.GetProperty("Resources").EnumerateObject()
        where resource.Value.GetProperty("Type").GetString() == "AWS::IAM::Role"
        from statement in RoleStatementsOf(resource.Value)
        select statement;

    private static IEnumerable<JsonElement> RoleStatementsOf(JsonElement role) =>
        from policy in role.GetProperty("Properties").GetProperty("Policies").EnumerateArray()
        from statement in policy.GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray()
        // !If [condition, statement, !Ref AWS::NoValue] reads as that list: the statement is its second element.
        select statement.ValueKind == JsonValueKind.Array ? statement[1] : statement;

    private static JsonElement ConditionalStatement(JsonElement template, string role) =>
        template.GetProperty("Resources").GetProperty(role).GetProperty("Properties").GetProperty("Policies")[0]
            .GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray().Single(s => s.ValueKind == JsonValueKind.Array);

    private static string[] Strings(JsonElement value) =>
        value.ValueKind == JsonValueKind.Array ? [.. value.EnumerateArray().Select(v => v.GetString()!)] : [value.GetString()!];

    [Fact]
    public async Task TheRoles_GrantOnlyTheNamedActions_OnlyOnTheParametersPrefixesAndTheOneTable()
    {
        var statements = Statements(await TemplateAsync()).ToList();

        Assert.Equal(Expected.Keys.Order(), statements.Select(s => s.GetProperty("Sid").GetString()!).Order());
        foreach (var statement in statements)
        {
            string sid = statement.GetProperty("Sid").GetString()!;
            Assert.Equal("Allow", statement.GetProperty("Effect").GetString());
            Assert.Equal(Expected[sid].Actions, Strings(statement.GetProperty("Action")).Order());
            Assert.Equal(Expected[sid].Resources, Strings(statement.GetProperty("Resource")));
            Assert.DoesNotContain(Strings(statement.GetProperty("Action")), a => a.Contains('*', StringComparison.Ordinal));
        }
        // Listing is scoped to the prefix, not the whole bucket.
        Assert.Equal("${CheckpointPrefix}*", statements.Single(s => s.GetProperty("Sid").GetString() == "ListCheckpoints").GetProperty("Condition").GetProperty("StringLike").GetProperty("s3:prefix").GetString());
        Assert.Equal("${DeadLetterPrefix}*", statements.Single(s => s.GetProperty("Sid").GetString() == "ListDeadLetters").GetProperty("Condition").GetProperty("StringLike").GetProperty("s3:prefix").GetString());
        Assert.Equal("${ExportPrefix}*", statements.Single(s => s.GetProperty("Sid").GetString() == "ExportListDestination").GetProperty("Condition").GetProperty("StringLike").GetProperty("s3:prefix").GetString());
    }

    [Fact]
    public async Task EachRole_HoldsOnlyItsOwnDirectionsStatements()
    {
        var resources = (await TemplateAsync()).GetProperty("Resources");

        var roles = resources.EnumerateObject().Where(r => r.Value.GetProperty("Type").GetString() == "AWS::IAM::Role").Select(r => r.Name);
        Assert.Equal(RoleStatements.Keys.Order(), roles.Order());
        foreach (var (role, sids) in RoleStatements)
        {
            Assert.Equal(sids, RoleStatementsOf(resources.GetProperty(role)).Select(s => s.GetProperty("Sid").GetString()!));
        }
    }

    [Fact]
    public async Task TheExport_DeploysOnlyWhenItsTableIsNamed_AndReadsAnIndexOnlyWhenOneIsNamed()
    {
        var template = await TemplateAsync();

        // A stack deployed with the import's parameters alone stays the import fan-out it was.
        Assert.Equal("", template.GetProperty("Parameters").GetProperty("ExportTableName").GetProperty("Default").GetString());
        Assert.Equal("", template.GetProperty("Parameters").GetProperty("ExportIndexName").GetProperty("Default").GetString());
        var resources = template.GetProperty("Resources");
        foreach (var resource in resources.EnumerateObject())
        {
            string? condition = resource.Value.TryGetProperty("Condition", out var c) ? c.GetString() : null;
            Assert.Equal(ExportResources.Contains(resource.Name) ? "DeployExport" : null, condition);
        }
        foreach (string output in new[] { "ExportFunctionArn", "ExportStateMachineArn", "ExportExecutionInput" })
        {
            Assert.Equal("DeployExport", template.GetProperty("Outputs").GetProperty(output).GetProperty("Condition").GetString());
        }
        var index = ConditionalStatement(template, "ExportFunctionRole");
        Assert.Equal("ExportFromIndex", index[0].GetString());
        Assert.Equal("ExportReadIndex", index[1].GetProperty("Sid").GetString());
        Assert.Equal("AWS::NoValue", index[2].GetString());
        Assert.Equal("ExportFunctionRole.Arn", resources.GetProperty("ExportFunction").GetProperty("Properties").GetProperty("Role").GetString());
    }

    [Fact]
    public async Task ConditionalWritePermissions_AreGrantedOnlyWhenTheParameterAsksForThem()
    {
        var template = await TemplateAsync();

        var conditional = ConditionalStatement(template, "ImportFunctionRole");
        Assert.Equal("ConditionalWrites", conditional[0].GetString());
        Assert.Equal("AWS::NoValue", conditional[2].GetString());
        Assert.Equal("false", template.GetProperty("Parameters").GetProperty("AllowConditionalWrites").GetProperty("Default").GetString());
    }

    [Theory]
    [InlineData("ImportFunction")]
    [InlineData("ExportFunction")]
    public async Task TheFunction_IsANativeAotCustomRuntime_WithLambdasLongestTimeout(string name)
    {
        var function = (await TemplateAsync()).GetProperty("Resources").GetProperty(name);

        Assert.Equal("AWS::Serverless::Function", function.GetProperty("Type").GetString());
        var properties = function.GetProperty("Properties");
        Assert.Equal("provided.al2023", properties.GetProperty("Runtime").GetString());
        Assert.Equal("bootstrap", properties.GetProperty("Handler").GetString());
        Assert.Equal(900, properties.GetProperty("Timeout").GetInt32());
        Assert.Equal($"{name}Role.Arn", properties.GetProperty("Role").GetString());
    }

    [Fact]
    public Task TheStateMachine_DeploysTheBuildersDefinition_WithTheFunctionSubstituted() =>
        // Not a hand-edited copy: regenerate it with plan --state-machine deploy/import.asl.json --max-concurrency N.
        AssertDeploysTheBuildersDefinitionAsync("ImportStateMachine", "ImportFunction", "import", FanOutStateMachine.ForImport);

    [Fact]
    public Task TheExportStateMachine_DeploysTheBuildersDefinition_WithTheExportFunctionSubstituted() =>
        // Regenerate it with plan-export ... --state-machine deploy/export.asl.json --max-concurrency N.
        AssertDeploysTheBuildersDefinitionAsync("ExportStateMachine", "ExportFunction", "export", FanOutStateMachine.ForExport);

    private static async Task AssertDeploysTheBuildersDefinitionAsync(string resource, string function, string direction, Func<FanOutDefinitionOptions, string> build)
    {
        var machine = (await TemplateAsync()).GetProperty("Resources").GetProperty(resource).GetProperty("Properties");

        string file = Path.Combine(Deploy, machine.GetProperty("DefinitionUri").GetString()!);
        Assert.True(File.Exists(file), $"{file} (the template's DefinitionUri) does not exist");
        Assert.Equal($"{function}.Arn", machine.GetProperty("DefinitionSubstitutions").GetProperty("FunctionArn").GetString());
        string definition = await File.ReadAllTextAsync(file);
        int n = JsonDocument.Parse(definition).RootElement.GetProperty("States").GetProperty("Map").GetProperty("MaxConcurrency").GetInt32();
        Assert.Equal(build(new FanOutDefinitionOptions { MaxConcurrency = n }), definition);
        Assert.Contains(FanOutDefinitionOptions.FunctionArnPlaceholder, definition, StringComparison.Ordinal);
        Assert.Equal($"${{AWS::StackName}}-{direction}", machine.GetProperty("Name").GetString());
    }
}
