"use client";

import { useState, useTransition, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { Field, FormError } from "@/components/ui/field";
import type { PublicActionResult } from "../server/public-action";
import { InviteSignUpInput, type InvitationTokenInput } from "../schemas";
import { formFields } from "@/components/form-helpers";
import { usePublicForm } from "./use-public-form";

type Joined = PublicActionResult<{ orgSlug: string }>;

/** A signed-in invitee with the right email: one button. */
export function AcceptInvitationButton({ token, orgName, action }: { token: string; orgName: string; action: (input: InvitationTokenInput) => Promise<Joined> }) {
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const router = useRouter();
  return (
    <div className="space-y-3">
      <FormError message={error} />
      <Button
        className="w-full"
        pending={pending}
        onClick={() =>
          startTransition(async () => {
            const res = await action({ token });
            if (!res.ok) return setError(res.error);
            router.push(`/${res.data.orgSlug}`);
          })
        }
      >
        Join {orgName}
      </Button>
    </div>
  );
}

/** A new person: name + password, the email is the invitation's. No org of their own. */
export function InvitationSignUpForm({ token, email, action }: { token: string; email: string; action: (input: InviteSignUpInput) => Promise<Joined> }) {
  const { submit, signInAndGo, fieldErrors, error, pending } = usePublicForm();

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    submit(InviteSignUpInput, { ...formFields(e.currentTarget), token }, action, (data, input) => signInAndGo(email, input.password, `/${data.orgSlug}`, "You joined"));
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4">
      <FormError message={error} />
      <Field label="Email" name="email-display" value={email} readOnly disabled hint="The address this invitation was sent to." />
      <Field label="Your name" name="name" autoComplete="name" error={fieldErrors.name} />
      <Field label="Password" name="password" type="password" autoComplete="new-password" error={fieldErrors.password} hint="At least 10 characters." />
      <Button type="submit" className="w-full" pending={pending}>
        Create account and join
      </Button>
    </form>
  );
}
