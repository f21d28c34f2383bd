// Until Export/ExportJob.cs reads pages through RetryPolicy.ExecuteAsync (h10c-export switches it), it names the
// classification by its former names: these aliases keep it compiling. Remove with that switch.
global using WriteErrorKind = DynamoDb.Connector.Retry.RequestErrorKind;
global using AttemptDeadline = DynamoDb.Connector.Retry.AttemptDeadline;
