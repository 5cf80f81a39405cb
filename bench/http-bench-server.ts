/**
 * The server side of bench/http-bench.ts: a Sealhouse started from the environment exactly as
 * `sealhouse serve` does (src/main.ts startServer), in its own process so that the load
 * generator and the server compete for the two cores only as they would on a real machine.
 * It reports its address to the parent over IPC and shuts down cleanly when told to.
 */
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/server.js';

export type ServerMessage = { readonly ready: string } | { readonly closed: true } | { readonly cpuMicros: number };

const config = loadConfig();
const running = await startServer(config, pino({ level: config.logLevel }, pino.destination({ dest: 1, sync: false })));
process.send?.({ ready: running.address } satisfies ServerMessage);

process.on('message', (message: unknown) => {
  // CPU time of the whole process (all threads: SET signing worker, libuv pool), for the report.
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpuMicros: user + system } satisfies ServerMessage);
    return;
  }
  if (message !== 'close') return;
  void running.close().then(() => {
    process.send?.({ closed: true } satisfies ServerMessage);
    process.disconnect();
  });
});
