import { prisma } from "@/server/db";
import { NONE, type Dimension } from "../schemas";

/** Human labels for dimension values, always looked up inside the org. */
export type Labels = Partial<Record<Dimension, Map<string, string>>>;

const NONE_LABEL: Partial<Record<Dimension, string>> = {
  member: "unattributed",
  projectTag: "untagged",
  key: "no key reported",
  service: "no service",
  language: "no language",
};

export async function dimensionLabels(orgId: string, ids: Partial<Record<Dimension, Iterable<string>>>): Promise<Labels> {
  const list = (d: Dimension) => [...new Set(ids[d] ?? [])].filter((v) => v !== NONE);
  const [users, tags, keys, workspaces] = await Promise.all([
    list("member").length ? prisma.user.findMany({ where: { id: { in: list("member") }, memberships: { some: { orgId } } }, select: { id: true, email: true } }) : [],
    list("projectTag").length
      ? prisma.projectTag.findMany({ where: { id: { in: list("projectTag") }, workspace: { orgId } }, select: { id: true, slug: true, workspace: { select: { name: true } } } })
      : [],
    list("key").length ? prisma.providerKey.findMany({ where: { id: { in: list("key") }, orgId }, select: { id: true, label: true } }) : [],
    list("workspace").length ? prisma.workspace.findMany({ where: { id: { in: list("workspace") }, orgId }, select: { id: true, name: true } }) : [],
  ]);
  return {
    member: new Map(users.map((u) => [u.id, u.email])),
    projectTag: new Map(tags.map((t) => [t.id, `${t.workspace.name} / ${t.slug}`])),
    key: new Map(keys.map((k) => [k.id, k.label])),
    workspace: new Map(workspaces.map((w) => [w.id, w.name])),
  };
}

/** The label of one value (ids without a label — a former member, a deleted key — say so). */
export function labelOf(labels: Labels, dim: Dimension, value: string): string {
  if (value === NONE) return NONE_LABEL[dim] ?? "none";
  const map = labels[dim];
  if (!map) return value;
  return map.get(value) ?? (dim === "member" ? "former member" : dim === "key" ? "untracked key" : value);
}
