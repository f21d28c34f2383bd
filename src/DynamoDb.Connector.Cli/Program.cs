using DynamoDb.Connector.Cli;

return await ConnectorCommandLine.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
