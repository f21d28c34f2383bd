#!/usr/bin/env node
// An instant DynamoDB double for whole-process comparisons (eng/bench-peers.sh): answers at once, never throttles.
//   node instant-dynamodb.js <port> <items.jsonl>
// items.jsonl: one item per line in DynamoDB's wire JSON ({"pk":{"S":"a"},"sk":{"N":"1"},...}), keys pk:S + sk:N.
// - DescribeTable: table "bench" (any name asked), on demand, with the file's item count and size, so a tool plans by them.
// - BatchWriteItem: counts the put and delete requests (no parsing beyond that), answers no unprocessed items.
// - Scan: serves the file's items, split into TotalSegments contiguous ranges, pages of at most 1 MB (or Limit), with
//   LastEvaluatedKey/ExclusiveStartKey and ConsumedCapacity (eventually consistent: 0.5 unit per 4 KB).
// - GET /__stats: {"puts":n,"deletes":n,"batches":n,"scans":n}; POST /__reset zeroes them.
'use strict';
const http = require('http');
const fs = require('fs');

const port = Number(process.argv[2] || 8765);
const lines = fs.readFileSync(process.argv[3], 'utf8').split('\n').filter(l => l.length > 0);
const keys = lines.map(l => { const item = JSON.parse(l); return JSON.stringify({ pk: item.pk, sk: item.sk }); });
const positionOf = new Map(keys.map((k, i) => [k, i]));
const sizes = lines.map(l => Buffer.byteLength(l));
const tableBytes = sizes.reduce((a, b) => a + b, 0);
const PageBytes = 1 << 20;
let stats = { puts: 0, deletes: 0, batches: 0, scans: 0 };

const PutRequest = Buffer.from('"PutRequest"');
const DeleteRequest = Buffer.from('"DeleteRequest"');
function occurrences(body, needle) {
  let n = 0;
  for (let at = body.indexOf(needle); at >= 0; at = body.indexOf(needle, at + needle.length)) n++;
  return n;
}

function describe(name) {
  return JSON.stringify({ Table: {
    TableName: name, TableStatus: 'ACTIVE', ItemCount: lines.length, TableSizeBytes: tableBytes,
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'N' }],
    BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
    ProvisionedThroughput: { ReadCapacityUnits: 0, WriteCapacityUnits: 0, NumberOfDecreasesToday: 0 },
  } });
}

function scan(request) {
  stats.scans++;
  const total = request.TotalSegments || 1;
  const segment = request.Segment || 0;
  const end = Math.floor((segment + 1) * lines.length / total);
  let at = Math.floor(segment * lines.length / total);
  if (request.ExclusiveStartKey) {
    const after = positionOf.get(JSON.stringify({ pk: request.ExclusiveStartKey.pk, sk: request.ExclusiveStartKey.sk }));
    if (after === undefined) return [400, { __type: 'com.amazonaws.dynamodb.v20120810#ValidationException', message: 'The provided starting key is invalid' }];
    at = after + 1;
  }
  const limit = request.Limit || Infinity;
  const items = [];
  let bytes = 0;
  while (at < end && items.length < limit && bytes < PageBytes) { items.push(lines[at]); bytes += sizes[at]; at++; }
  let body = `{"Count":${items.length},"ScannedCount":${items.length},"Items":[${items.join(',')}]`;
  if (at < end) body += `,"LastEvaluatedKey":${keys[at - 1]}`;
  if (request.ReturnConsumedCapacity && request.ReturnConsumedCapacity !== 'NONE') {
    body += `,"ConsumedCapacity":{"TableName":${JSON.stringify(request.TableName)},"CapacityUnits":${Math.max(0.5, Math.ceil(bytes / 4096) / 2)}}`;
  }
  return [200, body + '}'];
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', c => chunks.push(c));
  req.on('end', () => {
    if (req.url === '/__stats') return send(res, 200, JSON.stringify(stats));
    if (req.url === '/__reset') { stats = { puts: 0, deletes: 0, batches: 0, scans: 0 }; return send(res, 200, '{}'); }
    const body = Buffer.concat(chunks);
    const target = String(req.headers['x-amz-target'] || '');
    const operation = target.slice(target.indexOf('.') + 1);
    if (operation === 'BatchWriteItem') {
      stats.batches++;
      stats.puts += occurrences(body, PutRequest);
      stats.deletes += occurrences(body, DeleteRequest);
      return send(res, 200, '{"UnprocessedItems":{}}');
    }
    const request = body.length ? JSON.parse(body.toString('utf8')) : {};
    if (operation === 'DescribeTable') return send(res, 200, describe(request.TableName));
    if (operation === 'Scan') { const [status, answer] = scan(request); return send(res, status, typeof answer === 'string' ? answer : JSON.stringify(answer)); }
    send(res, 400, JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#UnknownOperationException', message: `not in the double: ${operation}` }));
  });
});

function send(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.0', 'Content-Length': Buffer.byteLength(body), 'x-amzn-RequestId': 'double' });
  res.end(body);
}

server.keepAliveTimeout = 60000;
server.listen(port, '127.0.0.1', () => console.error(`instant DynamoDB double on http://127.0.0.1:${port}: ${lines.length} items, ${tableBytes} bytes`));
