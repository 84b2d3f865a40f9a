import type { Provider } from "@/generated/prisma/enums";

// Browser-safe: what Tollgate knows about each provider, in one table. Every decision that
// depends on the provider (what to call it, which key it takes, what it can do) reads this
// table or a `Record<Provider, …>` of its own beside the code that acts (the pollers in
// poll-job.ts, pause/resume in enforcement/server/control.ts, the default base URLs in
// server/base-url.ts). A third provider is then a type error at each of those places, not a
// silent fall into the OpenAI branch of an `=== "openrouter" ? … : …`.

export const PROVIDERS = ["openrouter", "openai"] as const satisfies readonly Provider[];

export type ProviderInfo = {
  label: string;
  /** What the connection's secret is called at this provider. */
  secretLabel: string;
  /** The public API base (a placeholder in the connection form; the server default is in env). */
  publicBaseUrl: string;
  /** Hard budgets can also set the key's own spending limit at the provider. */
  syncsKeyLimits: boolean;
  /** Pausing a key stops only that key ("key"), or its whole project ("project"). */
  pauseScope: "key" | "project";
  /** The provider reports each key's own usage (shown on the keys list). */
  reportsKeyUsage: boolean;
  /** Prepaid credits with a balance (credits card, runway and low-balance alerts). */
  hasCredits: boolean;
  /** Provider-side workspaces that can be mapped to Tollgate workspaces. */
  hasWorkspaces: boolean;
};

export const PROVIDER_INFO = {
  openrouter: {
    label: "OpenRouter",
    secretLabel: "Management key",
    publicBaseUrl: "https://openrouter.ai/api/v1",
    syncsKeyLimits: true,
    pauseScope: "key",
    reportsKeyUsage: true,
    hasCredits: true,
    hasWorkspaces: true,
  },
  openai: {
    label: "OpenAI",
    secretLabel: "Admin key",
    publicBaseUrl: "https://api.openai.com/v1",
    syncsKeyLimits: false,
    pauseScope: "project",
    reportsKeyUsage: false,
    hasCredits: false,
    hasWorkspaces: false,
  },
} as const satisfies Record<Provider, ProviderInfo>;

export const PROVIDER_LABELS: Record<Provider, string> = { openrouter: PROVIDER_INFO.openrouter.label, openai: PROVIDER_INFO.openai.label };

/** Select options for a provider filter, in the registry's order. */
export const providerOptions = () => PROVIDERS.map((p) => ({ value: p, label: PROVIDER_INFO[p].label }));

export const providerInfo = (p: Provider): ProviderInfo => PROVIDER_INFO[p];
