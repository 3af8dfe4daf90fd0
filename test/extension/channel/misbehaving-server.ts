/**
 * A real HTTP server on a loopback port whose misbehaviour a test scripts:
 * it hangs, stalls mid-body, streams without end or redirects elsewhere.
 * The add-on's clients reach it through Node's own fetch, as they would a
 * real beta server.
 *
 * @example
 * const server = await startMisbehavingServer(() => undefined); // never answers
 * try { ... server.origin ... } finally { await server.close(); }
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MisbehavingServer {
  origin: string;
  /** "METHOD /path" of every request received, in order. */
  requests: string[];
  close(): Promise<void>;
}

export type MisbehavingHandler = (request: IncomingMessage, response: ServerResponse) => void;

export async function startMisbehavingServer(handler: MisbehavingHandler): Promise<MisbehavingServer> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    request.resume();
    // The client hanging up mid-answer is what these tests provoke, not a failure.
    response.on('error', () => undefined);
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Answers 200 and sends 64 KiB chunks until the client hangs up. */
export function streamWithoutEnd(_request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(200, { 'Content-Type': 'application/json' });
  const chunk = Buffer.alloc(64 * 1024, 'A');
  const pump = () => {
    while (!response.destroyed && response.write(chunk));
    if (!response.destroyed) response.once('drain', pump);
  };
  pump();
}

/** Sends the headers and the start of a body, then nothing more. */
export function stallAfterHeaders(_request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(200, { 'Content-Type': 'application/json' });
  response.write('{"payl');
}
