/**
 * The request log (issue 14): each line carries the full path — routers mounted under /api/v1
 * used to log "/log" for GET /api/v1/log — and the operation name, without the query string.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { capturingLogger, type LogLine } from '../helpers/capturing-logger.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('request log lines', () => {
  let server: TestServer;
  let lines: LogLine[];
  before(async () => {
    const captured = capturingLogger();
    lines = captured.lines;
    server = await startTestServer({}, captured.logger);
  });
  after(async () => server.close());

  const logged = async (path: string): Promise<LogLine> => {
    const before = lines.length;
    await (await fetch(`${server.url}${path}`)).arrayBuffer();
    for (let i = 0; i < 50; i++) {
      const line = lines.slice(before).find((l) => l.msg === 'request');
      if (line) return line;
      await new Promise((resolve) => setTimeout(resolve, 10)); // written on 'finish'
    }
    throw new Error(`no request line for ${path}`);
  };

  it('names the full path and the operation, for each API', async () => {
    const cases: [string, string, string][] = [
      ['/api/v1/log?stable=true', '/api/v1/log', 'getLogInfo'],
      ['/api/v1/log/entries?logIndex=999999', '/api/v1/log/entries', 'getLogEntryByIndex'],
      ['/api/v2/configuration', '/api/v2/configuration', 'getConfiguration'],
      ['/trusted_root.json', '/trusted_root.json', 'trustedRoot'],
      ['/healthz', '/healthz', 'healthz'],
    ];
    for (const [request, path, operation] of cases) {
      const line = await logged(request);
      assert.equal(line.path, path, request);
      assert.equal(line.operation, operation, request);
      assert.equal(line.method, 'GET');
      assert.equal(typeof line.status, 'number');
    }
  });
});
