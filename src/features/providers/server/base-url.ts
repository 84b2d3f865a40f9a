import type { Provider } from "@/generated/prisma/enums";
import { env } from "@/env";

/** Where a provider's API is when a connection doesn't override it (env: the public API, or the fakes). */
const DEFAULT_BASE_URL: Record<Provider, () => string> = {
  openrouter: () => env.OPENROUTER_BASE_URL,
  openai: () => env.OPENAI_BASE_URL,
};

/** The base URL a connection's calls go to: its own override, else the provider's default. */
export const baseUrlOf = (conn: { provider: Provider; baseUrl: string | null }): string => conn.baseUrl ?? DEFAULT_BASE_URL[conn.provider]();
