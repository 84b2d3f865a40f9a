import { prisma } from "@/server/db";
import { NONE, type Dimension } from "@/features/usage/schemas";

/** id → human label for the id-valued dimensions of one org (what finance reads beside the id). */
export type Labels = {
  label(dim: Dimension, id: string | null | undefined): string;
  /** Every id → label of an id-valued dimension (unattributed ids and unknown ids are label()'s rules). */
  entries(dim: "workspace" | "projectTag" | "member" | "key"): [string, string][];
};

export async function loadLabels(orgId: string): Promise<Labels> {
  const [workspaces, tags, members, keys] = await Promise.all([
    prisma.workspace.findMany({ where: { orgId }, select: { id: true, name: true } }),
    prisma.projectTag.findMany({ where: { orgId }, select: { id: true, slug: true } }),
    prisma.membership.findMany({ where: { orgId }, select: { userId: true, user: { select: { email: true } } } }),
    prisma.providerKey.findMany({ where: { orgId }, select: { id: true, label: true } }),
  ]);
  const maps: Partial<Record<Dimension, Map<string, string>>> = {
    workspace: new Map(workspaces.map((w) => [w.id, w.name])),
    projectTag: new Map(tags.map((t) => [t.id, t.slug])),
    member: new Map(members.map((m) => [m.userId, m.user.email])),
    key: new Map(keys.map((k) => [k.id, k.label])),
  };
  return {
    label(dim, id) {
      if (id === null || id === undefined || id === "" || id === NONE) return "";
      return maps[dim]?.get(id) ?? id;
    },
    entries(dim) {
      return [...(maps[dim] ?? new Map<string, string>())];
    },
  };
}
