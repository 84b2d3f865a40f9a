export type Issue = { path: string; message: string };

/** An error with an HTTP status and a message meant for the caller. */
export class AppError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
    public readonly issues?: Issue[],
    public readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const notFound = (what = "Not found") => new AppError(404, "not_found", what);
export const forbidden = (message = "You do not have permission to do that") => new AppError(403, "forbidden", message);
export const unauthorized = (message = "Sign in first") => new AppError(401, "unauthorized", message);
export const badRequest = (message: string, issues?: Issue[]) => new AppError(400, "bad_request", message, issues);
export const conflict = (message: string) => new AppError(409, "conflict", message);

/** zod issues → our flat `{path, message}` list ("events.3.input_tokens"). */
export function zodIssues(error: { issues: { path: PropertyKey[]; message: string }[] }): Issue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}

export function errorBody(e: AppError) {
  return { error: { code: e.code, message: e.message, ...(e.issues ? { issues: e.issues } : {}) } };
}
