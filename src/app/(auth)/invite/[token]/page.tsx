import type { Metadata } from "next";
import Link from "next/link";
import { getSessionUserId } from "@/server/next/session";
import { getUserEmail } from "@/features/tenancy/server/users";
import { describeInvitation } from "@/features/tenancy/server/invitations";
import { roleWithArticle } from "@/features/tenancy/schemas";
import { AcceptInvitationButton, InvitationSignUpForm } from "@/features/tenancy/components/invitation-accept";
import { SignOutButton } from "@/features/tenancy/components/sign-out-button";
import { acceptInvitationAction, inviteSignUpAction } from "./public-actions";

export const metadata: Metadata = { title: "Invitation · Tollgate" };

const DEAD: Record<string, string> = {
  invalid: "This invitation link is not valid. Check that you copied the whole link.",
  expired: "This invitation has expired. Ask an admin of the organization to resend it.",
  revoked: "This invitation was revoked. Ask an admin of the organization for a new one.",
  accepted: "This invitation was already accepted.",
};

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const inv = await describeInvitation(token);
  if (inv.status !== "pending") {
    return (
      <div className="space-y-4">
        <h1 className="text-xl font-semibold text-gray-900">Invitation unavailable</h1>
        <p className="text-sm text-gray-600">{DEAD[inv.status]}</p>
        <Link href="/" className="text-sm font-medium text-blue-700 hover:underline">
          Go to Tollgate
        </Link>
      </div>
    );
  }

  const userId = await getSessionUserId();
  const signedInAs = userId ? await getUserEmail(userId) : null;
  const here = `/invite/${token}`;
  const signInHref = `/sign-in?${new URLSearchParams({ callbackUrl: here, email: inv.email })}`;

  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-xl font-semibold text-gray-900">Join {inv.orgName}</h1>
        <p className="mt-1 text-sm text-gray-600">
          You were invited to <strong>{inv.orgName}</strong> as {roleWithArticle(inv.role)}. The invitation is for <strong>{inv.email}</strong>.
        </p>
      </div>
      {signedInAs && signedInAs.toLowerCase() === inv.email.toLowerCase() ? (
        <AcceptInvitationButton token={token} orgName={inv.orgName} action={acceptInvitationAction} />
      ) : signedInAs ? (
        <div className="space-y-3 rounded-md border border-amber-200 bg-amber-50 p-4 text-sm text-amber-900">
          <p>
            You are signed in as <strong>{signedInAs}</strong>. Sign out, then open this link again and sign in as {inv.email}.
          </p>
          <SignOutButton className="border border-amber-300 bg-white" callbackUrl={here} />
        </div>
      ) : inv.hasAccount ? (
        <div className="space-y-3">
          <p className="text-sm text-gray-600">You already have a Tollgate account. Sign in to accept.</p>
          <Link href={signInHref} className="inline-flex w-full items-center justify-center rounded-md bg-blue-700 px-3 py-2 text-sm font-medium text-white hover:bg-blue-800">
            Sign in to accept
          </Link>
        </div>
      ) : (
        <div className="space-y-4">
          <InvitationSignUpForm token={token} email={inv.email} action={inviteSignUpAction} />
          <p className="text-center text-sm text-gray-600">
            Have an account under this email?{" "}
            <Link href={signInHref} className="font-medium text-blue-700 hover:underline">
              Sign in
            </Link>
          </p>
        </div>
      )}
    </div>
  );
}
