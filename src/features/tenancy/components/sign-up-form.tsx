"use client";

import { useState, useTransition, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import Link from "next/link";
import { signIn } from "next-auth/react";
import { Button } from "@/components/ui/button";
import { Field, FormError } from "@/components/ui/field";
import type { PublicActionResult } from "../server/public-action";
import { SignUpInput } from "../schemas";
import { checkForm, formFields } from "@/components/form-helpers";
import { signInErrorMessage } from "./sign-in-messages";

type Props = {
  action: (input: SignUpInput) => Promise<PublicActionResult<{ orgSlug: string }>>;
  signInHref: string;
};

/** Creates the account and org on the server, then signs in with the same credentials. */
export function SignUpForm({ action, signInHref }: Props) {
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const router = useRouter();

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const v = checkForm(SignUpInput, formFields(e.currentTarget));
    setFieldErrors(v.errors ?? {});
    if (!v.data) return;
    const input = v.data;
    setError(null);
    startTransition(async () => {
      const res = await action(input);
      if (!res.ok) {
        setFieldErrors(res.fieldErrors ?? {});
        setError(res.fieldErrors ? null : res.error);
        return;
      }
      const target = `/${res.data.orgSlug}`;
      const signedIn = await signIn("credentials", { email: input.email, password: input.password, redirect: false, callbackUrl: target });
      if (!signedIn || signedIn.error) {
        setError(`Your account was created, but signing in failed: ${signInErrorMessage(signedIn?.error ?? "Callback")}`);
        return;
      }
      router.push(target);
    });
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4">
      <FormError message={error} />
      <Field label="Your name" name="name" autoComplete="name" error={fieldErrors.name} />
      <Field label="Work email" name="email" type="email" autoComplete="email" error={fieldErrors.email} />
      <Field label="Password" name="password" type="password" autoComplete="new-password" error={fieldErrors.password} hint="At least 10 characters." />
      <Field label="Organization name" name="orgName" autoComplete="organization" error={fieldErrors.orgName} hint="Your company or team. You can invite others later." />
      <Button type="submit" className="w-full" pending={pending}>
        Create account
      </Button>
      <p className="text-center text-sm text-gray-600">
        Already have an account?{" "}
        <Link href={signInHref} className="font-medium text-blue-700 hover:underline">
          Sign in
        </Link>
      </p>
    </form>
  );
}
