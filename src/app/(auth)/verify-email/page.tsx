import type { Metadata } from "next";
import Link from "next/link";
import { AppError } from "@/server/errors";
import { verifyEmail } from "@/features/tenancy/server/email-verification";

export const metadata: Metadata = { title: "Verify email · Tollgate" };
export const dynamic = "force-dynamic";

type Search = { email?: string; token?: string };

export default async function VerifyEmailPage({ searchParams }: { searchParams: Promise<Search> }) {
  const sp = await searchParams;
  let verified: string | null = null;
  let problem: string | null = null;
  try {
    verified = (await verifyEmail(String(sp.email ?? ""), String(sp.token ?? ""))).email;
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    problem = e.message;
  }
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold text-gray-900">{verified ? "Email verified" : "Verification failed"}</h1>
      <p className="text-sm text-gray-600">{verified ? `${verified} is confirmed. You can now accept invitations to other organizations.` : problem}</p>
      <Link href="/" className="text-sm font-medium text-blue-700 hover:underline">
        Go to Tollgate
      </Link>
    </div>
  );
}
