import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { env, oidcEnabled } from "@/env";
import { getSessionUserId } from "@/server/next/session";
import { safeCallbackPath } from "@/features/tenancy/schemas";
import { SignInForm } from "@/features/tenancy/components/sign-in-form";

export const metadata: Metadata = { title: "Sign in · Tollgate" };

type Search = { callbackUrl?: string; error?: string; "check-email"?: string; email?: string };

export default async function SignInPage({ searchParams }: { searchParams: Promise<Search> }) {
  const sp = await searchParams;
  const callbackUrl = safeCallbackPath(sp.callbackUrl);
  if (!sp.error && (await getSessionUserId())) redirect(callbackUrl);
  return (
    <>
      <h1 className="mb-1 text-xl font-semibold text-gray-900">Sign in</h1>
      <p className="mb-6 text-sm text-gray-600">Welcome back. Sign in to see your organization&apos;s LLM spend.</p>
      <SignInForm
        callbackUrl={callbackUrl}
        defaultEmail={sp.email}
        initialError={sp.error ?? null}
        checkEmail={sp["check-email"] === "1"}
        oidc={{ enabled: oidcEnabled, name: env.OIDC_NAME }}
        signUpHref="/sign-up"
      />
    </>
  );
}
