import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getSessionUserId } from "@/server/next/session";
import { SignUpForm } from "@/features/tenancy/components/sign-up-form";
import { signUpAction } from "./public-actions";

export const metadata: Metadata = { title: "Create your account · Tollgate" };

export default async function SignUpPage() {
  if (await getSessionUserId()) redirect("/");
  return (
    <>
      <h1 className="mb-1 text-xl font-semibold text-gray-900">Create your account</h1>
      <p className="mb-6 text-sm text-gray-600">Track and cap what your teams spend on OpenRouter and OpenAI.</p>
      <SignUpForm action={signUpAction} signInHref="/sign-in" />
    </>
  );
}
