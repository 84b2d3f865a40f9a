"use client";

import type { FormEvent } from "react";
import Link from "next/link";
import { Button } from "@/components/ui/button";
import { Field, FormError } from "@/components/ui/field";
import type { PublicActionResult } from "../server/public-action";
import { SignUpInput } from "../schemas";
import { formFields } from "@/components/form-helpers";
import { usePublicForm } from "./use-public-form";

type Props = {
  action: (input: SignUpInput) => Promise<PublicActionResult<{ orgSlug: string }>>;
  signInHref: string;
};

/** Creates the account and org on the server, then signs in with the same credentials. */
export function SignUpForm({ action, signInHref }: Props) {
  const { submit, signInAndGo, fieldErrors, error, pending } = usePublicForm();

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    submit(SignUpInput, formFields(e.currentTarget), action, (data, input) => signInAndGo(input.email, input.password, `/${data.orgSlug}`, "Your account was created"));
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
