import { redirect } from "next/navigation";
import { getSessionUserId } from "@/server/next/session";
import { listUserOrgs } from "@/features/tenancy/server/orgs";

export const dynamic = "force-dynamic";

export default async function Home() {
  const userId = await getSessionUserId();
  if (!userId) redirect("/sign-in");
  const orgs = await listUserOrgs(userId);
  redirect(orgs[0] ? `/${orgs[0].slug}` : "/onboarding");
}
