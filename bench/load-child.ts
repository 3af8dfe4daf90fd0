/**
 * The load generator's own process (started by bench/load.ts): runs
 * autocannon with the options given as JSON in argv[2] and prints its result
 * as JSON. `[<id>]` in a body becomes a fresh id per request (autocannon's own
 * -I keeps the template's Content-Length, so its requests never complete).
 */
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import type { LoadOptions } from './load';

const options = JSON.parse(process.argv[2]!) as LoadOptions;
const body = options.body;
const instance = autocannon(
  {
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    requests: [
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        ...(body === undefined ? {} : body.includes('[<id>]') ? { setupRequest: (request) => ({ ...request, body: body.replaceAll('[<id>]', randomUUID()) }) } : { body }),
      },
    ],
  },
  (error, result) => {
    if (error) {
      console.error(error);
      process.exit(1);
    }
    process.stdout.write(JSON.stringify(result));
  },
);
process.once('SIGTERM', () => instance.stop());
