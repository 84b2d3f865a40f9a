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

export function isDatabaseUnavailable(e: unknown): boolean {
  for (let cur: unknown = e, depth = 0; cur && typeof cur === "object" && depth < 4; cur = (cur as { cause?: unknown }).cause, depth++) {
    const { code, message } = cur as { code?: unknown; message?: unknown };
    if (typeof code === "string" && (PG_CODES.has(code) || SOCKET_CODES.has(code))) return true;
    if (typeof message === "string" && PG_MESSAGES.test(message)) return true;
  }
  return false;
}
