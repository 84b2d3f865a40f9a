import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { getSessionUserId } from "@/server/next/session";
import { listUserOrgs } from "@/features/tenancy/server/orgs";
import { getUserEmail } from "@/features/tenancy/server/users";
import { CreateOrgForm } from "@/features/tenancy/components/create-org-form";
import { SignOutButton } from "@/features/tenancy/components/sign-out-button";
import { createOrgAction } from "./public-actions";

export const metadata: Metadata = { title: "Create an organization · Tollgate" };

export default async function OnboardingPage() {
  const userId = await getSessionUserId();
  if (!userId) redirect("/sign-in?callbackUrl=%2Fonboarding");
  const [orgs, email] = await Promise.all([listUserOrgs(userId), getUserEmail(userId)]);
  return (
    <div className="flex min-h-screen flex-col items-center justify-center px-4 py-12">
      <div className="w-full max-w-md space-y-6 rounded-lg border border-gray-200 bg-white p-6 shadow-sm sm:p-8">
        <div>
          <h1 className="text-xl font-semibold text-gray-900">{orgs.length ? "Create another organization" : "Create your organization"}</h1>
          <p className="mt-1 text-sm text-gray-600">
            {orgs.length
              ? "Each organization has its own members, connections, budgets and usage."
              : "You're signed in but don't belong to an organization yet. Create one, or ask a teammate to invite you."}
          </p>
        </div>
        <CreateOrgForm action={createOrgAction} />
        {orgs.length ? (
          <div className="border-t border-gray-100 pt-4">
            <p className="mb-2 text-xs font-medium uppercase tracking-wide text-gray-500">Your organizations</p>
            <ul className="space-y-1">
              {orgs.map((o) => (
                <li key={o.slug}>
                  <Link href={`/${o.slug}`} className="text-sm font-medium text-blue-700 hover:underline">
                    {o.name}
                  </Link>
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        <div className="flex items-center justify-between border-t border-gray-100 pt-4 text-sm text-gray-500">
          <span className="truncate">Signed in as {email}</span>
          <SignOutButton />
        </div>
      </div>
    </div>
  );
}
