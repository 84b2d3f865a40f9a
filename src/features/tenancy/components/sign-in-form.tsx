"use client";

import { useState, useTransition, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import Link from "next/link";
import { signIn } from "next-auth/react";
import { Button } from "@/components/ui/button";
import { Field, FormError } from "@/components/ui/field";
import { MagicLinkInput, SignInInput } from "../schemas";
import { checkForm, formFields } from "@/components/form-helpers";
import { signInErrorMessage } from "./sign-in-messages";

type Props = {
  callbackUrl: string;
  defaultEmail?: string;
  initialError?: string | null;
  checkEmail?: boolean;
  oidc: { enabled: boolean; name: string };
  signUpHref: string;
};

export function SignInForm({ callbackUrl, defaultEmail, initialError, checkEmail, oidc, signUpHref }: Props) {
  const [email, setEmail] = useState(defaultEmail ?? "");
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(signInErrorMessage(initialError));
  const [linkSent, setLinkSent] = useState<string | null>(checkEmail ? "your inbox" : null);
  const [pending, startTransition] = useTransition();
  const router = useRouter();
  const [mode, setMode] = useState<"password" | "link" | null>(null);

  function onPassword(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const v = checkForm(SignInInput, formFields(e.currentTarget));
    setFieldErrors(v.errors ?? {});
    if (!v.data) return;
    const input = v.data;
    setError(null);
    setMode("password");
    startTransition(async () => {
      const res = await signIn("credentials", { email: input.email, password: input.password, redirect: false, callbackUrl });
      if (!res || res.error) {
        setError(signInErrorMessage(res?.error ?? "Callback"));
        return;
      }
      router.push(callbackUrl);
    });
  }

  function onMagicLink() {
    const v = checkForm(MagicLinkInput, { email });
    setFieldErrors(v.errors ?? {});
    if (!v.data) return;
    const input = v.data;
    setError(null);
    setMode("link");
    startTransition(async () => {
      const res = await signIn("email", { email: input.email, redirect: false, callbackUrl });
      if (!res || res.error) {
        setError(signInErrorMessage(res?.error ?? "EmailSignin"));
        return;
      }
      setLinkSent(input.email);
    });
  }

  if (linkSent) {
    return (
      <div className="space-y-4 text-center" role="status">
        <h2 className="text-lg font-semibold text-gray-900">Check your email</h2>
        <p className="text-sm text-gray-600">
          We sent a sign-in link to <strong>{linkSent}</strong>. It works once and expires in 15 minutes.
        </p>
        <Button variant="secondary" onClick={() => setLinkSent(null)}>
          Back to sign in
        </Button>
      </div>
    );
  }

  return (
    <div className="space-y-6">
      <form onSubmit={onPassword} noValidate className="space-y-4">
        <FormError message={error} />
        <Field
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={fieldErrors.email}
          required
        />
        <Field label="Password" name="password" type="password" autoComplete="current-password" error={fieldErrors.password} />
        <Button type="submit" className="w-full" pending={pending && mode === "password"} disabled={pending}>
          Sign in
        </Button>
      </form>
      <div className="flex items-center gap-3 text-xs uppercase text-gray-400">
        <span className="h-px flex-1 bg-gray-200" /> or <span className="h-px flex-1 bg-gray-200" />
      </div>
      <div className="space-y-2">
        <Button type="button" variant="secondary" className="w-full" onClick={onMagicLink} pending={pending && mode === "link"} disabled={pending}>
          Email me a sign-in link
        </Button>
        {oidc.enabled ? (
          <Button type="button" variant="secondary" className="w-full" disabled={pending} onClick={() => void signIn("oidc", { callbackUrl })}>
            Continue with {oidc.name}
          </Button>
        ) : null}
      </div>
      <p className="text-center text-sm text-gray-600">
        New to Tollgate?{" "}
        <Link href={signUpHref} className="font-medium text-blue-700 hover:underline">
          Create an account
        </Link>
      </p>
    </div>
  );
}
