/**
 * Limits on what a client's connection may cost: deadlines for headers and
 * bodies that trickle in, the answer to a malformed or late request, and
 * cutting off an unauthenticated admin upload before its body is read.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { ServerConfig } from './config';
import { ApiError, toErrorResponse, type ErrorCode } from './errors';

/**
 * node:http's deadlines. Node checks them every connectionsCheckingInterval
 * (30 s by default), so the check runs at a tenth of the shorter deadline,
 * at most every second: a 408 comes at most that late.
 */
export function createTimeoutOptions(config: ServerConfig): { requestTimeout: number; http: ServerOptions } {
  const shorter = Math.min(config.headersTimeoutMs, config.requestTimeoutMs);
  return {
    requestTimeout: config.requestTimeoutMs,
    http: {
      requestTimeout: config.requestTimeoutMs,
      headersTimeout: config.headersTimeoutMs,
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(shorter / 10))),
    },
  };
}

const CLIENT_ERRORS: Record<string, ErrorCode> = {
  ERR_HTTP_REQUEST_TIMEOUT: 'request_timeout',
  HPE_HEADER_OVERFLOW: 'headers_too_large',
};

/**
 * Answers a request node:http could not parse or that came too slowly with
 * the usual `{error: {code, message}}`, then closes the connection.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const code = CLIENT_ERRORS[error.code ?? ''];
  const refusal = code ? new ApiError(code) : new ApiError('bad_request', 'the request is not valid HTTP/1.1');
  const { status, body } = toErrorResponse(refusal);
  const text = JSON.stringify(body);
  if (!socket.writable) return void socket.destroy();
  socket.write(
    `HTTP/1.1 ${status} ${body.error.code.replace(/_/g, ' ')}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
  // Whatever the client still sends is not read.
  closeAfterWrites(socket);
}

/**
 * Runs `check` before the body is read; when it throws, the reply says
 * Connection: close and the socket is destroyed once the reply is written,
 * instead of node:http reading (draining) the rest of a body nobody wants.
 */
export function createCutOffHook(prefix: string, check: (request: FastifyRequest) => void) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!request.url.startsWith(prefix)) return;
    try {
      check(request);
    } catch (error) {
      reply.header('connection', 'close');
      reply.raw.once('finish', () => closeAfterWrites(request.raw.socket));
      throw error;
    }
  };
}

function closeAfterWrites(socket: Socket): void {
  socket.end();
  if (socket.writableFinished) socket.destroy();
  else socket.once('finish', () => socket.destroy());
}
