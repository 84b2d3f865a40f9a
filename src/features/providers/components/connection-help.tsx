/** How to get each provider's key and what Tollgate does with it (server component, static). */
export function ConnectionHelp() {
  return (
    <div className="grid gap-4 text-sm text-gray-700 md:grid-cols-2">
      <div className="space-y-2">
        <h3 className="font-semibold text-gray-900">OpenRouter: management key</h3>
        <ol className="list-decimal space-y-1 pl-5">
          <li>
            Sign in at openrouter.ai and open <strong>Settings → Management keys</strong> (openrouter.ai/settings/management-keys).
          </li>
          <li>Create a key and paste it here (it starts with sk-or-v1-).</li>
        </ol>
        <p>
          A management key can&apos;t make completion requests; it only administers the account. Tollgate uses it to read your API keys with their usage and limits, credits
          and daily activity, and, under a <strong>hard budget</strong>, to pause a key (disable it) and keep its credit limit at the remaining budget.
        </p>
      </div>
      <div className="space-y-2">
        <h3 className="font-semibold text-gray-900">OpenAI: admin key</h3>
        <ol className="list-decimal space-y-1 pl-5">
          <li>
            An <strong>organization owner</strong> opens platform.openai.com → Settings → Organization → <strong>Admin keys</strong>.
          </li>
          <li>Create a key and paste it here (it starts with sk-admin-).</li>
        </ol>
        <p>
          Admin keys only work on administration endpoints. Tollgate uses it to read usage (per project, key, model and user), costs, projects and project API keys, and,
          under a <strong>hard budget</strong>, to pause spending: OpenAI can&apos;t disable a single key, so Tollgate sets the project&apos;s hard spend limit at its
          current spend, and removes it again on resume.
        </p>
      </div>
      <p className="text-xs text-gray-500 md:col-span-2">
        Keys are encrypted with AES-256-GCM before they are stored and never sent back to the browser: after saving you only see the last 4 characters. Rotate a key
        here whenever you replace it at the provider.
      </p>
    </div>
  );
}
