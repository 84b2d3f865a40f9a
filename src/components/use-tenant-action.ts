"use client";

import { useCallback, useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import type { z } from "zod";
import type { ActionResult } from "@/server/next/gate";
import { checkForm } from "./form-helpers";

/**
 * Calls a tenantAction from a client form: pending state, inline field errors, a form-level
 * error, and a router refresh on success so server components re-read.
 */
export function useTenantAction<I, T>(action: (org: string, input: I) => Promise<ActionResult<T>>, org: string) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);

  const run = useCallback(
    (input: I, onSuccess?: (data: T) => void) =>
      new Promise<ActionResult<T>>((resolve) => {
        startTransition(async () => {
          const res = await action(org, input);
          if (res.ok) {
            setFieldErrors({});
            setError(null);
            onSuccess?.(res.data);
            router.refresh();
          } else {
            setFieldErrors(res.fieldErrors ?? {});
            setError(res.fieldErrors && Object.keys(res.fieldErrors).length ? null : res.error);
          }
          resolve(res);
        });
      }),
    [action, org, router],
  );

  return { run, pending, fieldErrors, error };
}

/**
 * useTenantAction for a form: `submit` checks the input with the server's own schema first and
 * only calls the action when it parses; `errors` holds field errors from either side.
 */
export function useTenantForm<I, T>(action: (org: string, input: I) => Promise<ActionResult<T>>, org: string) {
  const { run, pending, fieldErrors, error } = useTenantAction(action, org);
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});

  function submit(schema: z.ZodType<I>, input: unknown, onSuccess?: (data: T) => void) {
    const v = checkForm(schema, input);
    setLocalErrors(v.errors ?? {});
    if (!v.data) return;
    void run(v.data, onSuccess);
  }

  return { submit, pending, error, errors: { ...fieldErrors, ...localErrors } };
}
