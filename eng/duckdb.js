// Runs SQL in DuckDB (an independent Parquet implementation: the tests write Parquet files with it and read back what
// the connector writes). Usage: node eng/duckdb.js "<statement>" ["<statement>" ...]; the rows of the last statement
// are printed as a JSON array (DuckDB's JSON-safe values: big integers and decimals as strings).
const { DuckDBInstance } = require('@duckdb/node-api');

(async () => {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  await connection.run('SET threads = 1');
  const statements = process.argv.slice(2);
  let rows = [];
  for (const statement of statements) {
    const reader = await connection.runAndReadAll(statement);
    rows = reader.getRowObjectsJson();
  }
  process.stdout.write(JSON.stringify(rows));
})().catch((e) => {
  process.stderr.write(String(e && e.message ? e.message : e) + '\n');
  process.exit(1);
});
