"use client";

import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { signIn } from "next-auth/react";
import type { z } from "zod";
import { checkForm } from "@/components/form-helpers";
import type { PublicActionResult } from "../server/public-action";
import { signInErrorMessage } from "./sign-in-messages";

/** State of a form that calls a public (signed-out) action: field errors, a form error, pending. */
export function usePublicForm() {
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const router = useRouter();

  /** Checks `values` with the action's own schema, calls it, then `onSuccess` in the same transition. */
  function submit<I, T>(schema: z.ZodType<I>, values: unknown, action: (input: I) => Promise<PublicActionResult<T>>, onSuccess: (data: T, input: I) => Promise<void> | void) {
    const v = checkForm(schema, values);
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
      await onSuccess(res.data, input);
    });
  }

  /** The account exists now: sign in with the password just chosen, then go to `target`. */
  async function signInAndGo(email: string, password: string, target: string, done: string) {
    const signedIn = await signIn("credentials", { email, password, redirect: false, callbackUrl: target });
    if (!signedIn || signedIn.error) {
      setError(`${done}, but signing in failed: ${signInErrorMessage(signedIn?.error ?? "Callback")}`);
      return;
    }
    router.push(target);
  }

  return { submit, signInAndGo, fieldErrors, error, pending, router };
}
