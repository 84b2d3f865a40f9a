import { getServerSession } from "next-auth";
import { authOptions } from "@/server/auth/options";

/** The signed-in user's id, or null. The only place pages and gates read the session. */
export async function getSessionUserId(): Promise<string | null> {
  const session = await getServerSession(authOptions);
  return (session?.user as { id?: string } | undefined)?.id ?? null;
}
