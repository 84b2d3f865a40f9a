"use client";

import { useState, type FormEvent } from "react";
import { FormFooter } from "@/components/ui/form-footer";
import { Field, FormError } from "@/components/ui/field";
import { useTenantAction } from "@/components/use-tenant-action";
import type { ActionResult } from "@/server/next/gate";
import { PauseKeyInput, ResumeKeyInput } from "@/features/budgets/schemas";

/** "Resume" with a mandatory reason (audited); the budget won't re-pause the key this period. */
export function ResumeKeyForm({ org, keyId, action }: { org: string; keyId: string; action: (org: string, input: ResumeKeyInput) => Promise<ActionResult<unknown>> }) {
  const { run, pending, fieldErrors, error } = useTenantAction(action, org);
  const [reason, setReason] = useState("");
  const [local, setLocal] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const parsed = ResumeKeyInput.safeParse({ keyId, reason });
    if (!parsed.success) return setLocal(parsed.error.issues[0]?.message ?? "Give a reason");
    setLocal(null);
    // The server names the resume action it queued, or the one already queued (a 409 with the
    // reason shows as the form's error), so this message never claims more than happened.
    void run(parsed.data, (data) =>
      setDone(
        (data as { status?: string } | null)?.status === "already_requested"
          ? "A resume of this key is already queued; it shows as confirmed once the provider reports the key enabled, or as failed with the reason."
          : "Resume requested; it shows as confirmed once the provider reports the key enabled, or as failed with the reason.",
      ),
    );
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3" aria-label="Resume key">
      <FormError message={error} />
      <Field label="Reason" name="reason" value={reason} error={local ?? fieldErrors.reason} onChange={(e) => setReason(e.target.value)} placeholder="Approved by finance for the launch" />
      <FormFooter submitLabel="Resume key" pending={pending} status={done} />
    </form>
  );
}

/** "Pause" by hand with a mandatory reason (audited); it holds until an admin resumes the key. */
export function PauseKeyForm({ org, keyId, action }: { org: string; keyId: string; action: (org: string, input: PauseKeyInput) => Promise<ActionResult<unknown>> }) {
  const { run, pending, fieldErrors, error } = useTenantAction(action, org);
  const [reason, setReason] = useState("");
  const [local, setLocal] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    const parsed = PauseKeyInput.safeParse({ keyId, reason });
    if (!parsed.success) return setLocal(parsed.error.issues[0]?.message ?? "Give a reason");
    setLocal(null);
    void run(parsed.data, (data) =>
      setDone(
        (data as { status?: string } | null)?.status === "already_requested"
          ? "This key is already paused by hand (or that pause is queued)."
          : "Pause requested; it shows as confirmed once the provider reports the key disabled, or as failed with the reason.",
      ),
    );
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3" aria-label="Pause key">
      <FormError message={error} />
      <Field label="Reason" name="reason" value={reason} error={local ?? fieldErrors.reason} onChange={(e) => setReason(e.target.value)} placeholder="Leaked in a public repo" />
      <FormFooter submitLabel="Pause key" pending={pending} status={done} />
    </form>
  );
}
