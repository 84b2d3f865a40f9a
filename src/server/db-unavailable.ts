/**
 * "The database went away" as opposed to "the request failed": PostgreSQL ended or refused the
 * connection (failover, restart, `pg_terminate_backend`, too many clients) or the socket died.
 * Routes answer these 503 + Retry-After (src/server/next/gate.ts `errorResponse`): the statement
 * was rolled back with its connection, so the client's retry (same ids, same body) is safe.
 */
const PG_CODES = new Set([
  "57P01", // admin_shutdown: pg_terminate_backend, a fast shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now: starting up, in recovery
  "53300", // too_many_connections
  "08000", // connection_exception
  "08003", // connection_does_not_exist
  "08006", // connection_failure
  "08001", // sqlclient_unable_to_establish_sqlconnection
  "08004", // sqlserver_rejected_establishment_of_sqlconnection
]);
const SOCKET_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT"]);
// node-postgres ends a query this way when the socket closes under it (no SQLSTATE).
const PG_MESSAGES = /^(Connection terminated( unexpectedly| due to connection timeout)?|Client has encountered a connection error and is not queryable|timeout exceeded when trying to connect)$/;

export const DB_RETRY_AFTER_SECONDS = 1;

// Prisma's driver adapter reports the same as `{ kind: … }` (its cause) or a P2039 whose
// `meta.driverAdapterError.cause` carries the PostgreSQL code.
const ADAPTER_KINDS = new Set(["ConnectionClosed", "DatabaseNotReachable", "TooManyConnections", "SocketTimeout"]);

export function isDatabaseUnavailable(e: unknown): boolean {
  const queue: unknown[] = [e];
  for (let seen = 0; queue.length > 0 && seen < 12; seen++) {
    const cur = queue.shift();
    if (!cur || typeof cur !== "object") continue;
    const { code, originalCode, kind, message, cause, meta } = cur as { code?: unknown; originalCode?: unknown; kind?: unknown; message?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown } };
    for (const c of [code, originalCode]) if (typeof c === "string" && (PG_CODES.has(c) || SOCKET_CODES.has(c))) return true;
    if (typeof kind === "string" && ADAPTER_KINDS.has(kind)) return true;
    if (typeof message === "string" && PG_MESSAGES.test(message)) return true;
    queue.push(cause, meta?.driverAdapterError);
  }
  return false;
}
