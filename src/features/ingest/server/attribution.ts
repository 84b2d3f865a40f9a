import { prisma } from "@/server/db";
import { systemContext } from "@/server/tenant";
import { writeAudit } from "@/features/audit/server/audit";
import { badRequest, notFound, type Issue } from "@/server/errors";
import type { Provider } from "@/generated/prisma/enums";

/**
 * Per-process caches for attribution on the ingest hot path: one query per workspace/org
 * every few seconds instead of per event. New members, keys and tags are seen within TTL.
 */
const WORKSPACE_TTL_MS = 10_000;
const DIRECTORY_TTL_MS = 5_000;
/** Auto-created project tags stop here, so a buggy client can't create unbounded tags. */
export const MAX_PROJECT_TAGS_PER_WORKSPACE = 1_000;

export type WorkspaceInfo = {
  id: string;
  orgId: string;
  retentionDays: number;
  ingestRateLimit: number;
  defaultTagId: string | null;
  purgedBefore: Date | null;
};

/**
 * The oldest event time ingest accepts: inside retention AND not before what the retention job
 * already deleted. An id deleted by retention must never be inserted again (it would count
 * twice), so a raised retention doesn't reopen the purged range.
 */
export function oldestAcceptedMs(ws: Pick<WorkspaceInfo, "retentionDays" | "purgedBefore">, now: number): number {
  return Math.max(now - ws.retentionDays * 86_400_000, ws.purgedBefore?.getTime() ?? -Infinity);
}

type Entry<T> = { value: T; at: number; loading?: Promise<T> };
type Directory = {
  memberByEmail: Map<string, string>;
  /** Tracked keys by `provider:providerKeyId`: id, the workspace the key belongs to (null: none) and the member an admin attributed it to. */
  keyByRef: Map<string, { id: string; workspaceId: string | null; memberId: string | null }>;
};

const g = globalThis as unknown as {
  tgIngestWs?: Map<string, Entry<WorkspaceInfo>>;
  tgIngestDir?: Map<string, Entry<Directory>>;
  tgIngestTags?: Map<string, Entry<Map<string, string>>>;
};
const wsCache = (g.tgIngestWs ??= new Map());
const dirCache = (g.tgIngestDir ??= new Map());
const tagCache = (g.tgIngestTags ??= new Map());

async function cached<T>(map: Map<string, Entry<T>>, key: string, ttl: number, load: () => Promise<T>): Promise<T> {
  const hit = map.get(key);
  if (hit && Date.now() - hit.at < ttl) return hit.value;
  if (hit?.loading) return hit.loading;
  const loading = load().then(
    (value) => {
      map.set(key, { value, at: Date.now() });
      return value;
    },
    (e: unknown) => {
      if (hit) map.set(key, { value: hit.value, at: hit.at });
      else map.delete(key);
      throw e;
    },
  );
  map.set(key, { value: hit?.value as T, at: hit?.at ?? 0, loading });
  return loading;
}

/** Drops every cached entry (tests, or after settings change in this process). */
export function clearAttributionCaches() {
  wsCache.clear();
  dirCache.clear();
  tagCache.clear();
}

export async function getWorkspaceInfo(workspaceId: string): Promise<WorkspaceInfo> {
  return cached(wsCache, workspaceId, WORKSPACE_TTL_MS, async () => {
    const ws = await prisma.workspace.findUnique({
      where: { id: workspaceId },
      select: { id: true, orgId: true, retentionDays: true, purgedBefore: true, ingestRateLimit: true, projectTags: { where: { isDefault: true }, select: { id: true }, take: 1 } },
    });
    if (!ws) throw notFound("Workspace not found");
    return { id: ws.id, orgId: ws.orgId, retentionDays: ws.retentionDays, purgedBefore: ws.purgedBefore, ingestRateLimit: ws.ingestRateLimit, defaultTagId: ws.projectTags[0]?.id ?? null };
  });
}

async function getDirectory(orgId: string): Promise<Directory> {
  return cached(dirCache, orgId, DIRECTORY_TTL_MS, async () => {
    const [members, keys] = await Promise.all([
      prisma.membership.findMany({ where: { orgId }, select: { userId: true, user: { select: { email: true } } } }),
      prisma.providerKey.findMany({ where: { orgId }, select: { id: true, provider: true, providerKeyId: true, workspaceId: true, memberUserId: true } }),
    ]);
    return {
      memberByEmail: new Map(members.map((m) => [m.user.email.toLowerCase(), m.userId])),
      keyByRef: new Map(keys.map((k) => [`${k.provider}:${k.providerKeyId}`, { id: k.id, workspaceId: k.workspaceId, memberId: k.memberUserId }])),
    };
  });
}

async function getProjectTags(workspaceId: string): Promise<Map<string, string>> {
  return cached(tagCache, workspaceId, DIRECTORY_TTL_MS, async () => {
    const tags = await prisma.projectTag.findMany({ where: { workspaceId }, select: { id: true, slug: true } });
    return new Map(tags.map((t) => [t.slug, t.id]));
  });
}

export type Attributor = {
  /** `user`: a member's email → { memberId }, anything else → { endUser }. */
  user(value: string | null | undefined): { memberId: string | null; endUser: string | null };
  /**
   * `api_key`: a tracked ProviderKey of this org and provider → its id and the member an admin
   * attributed it to; the raw ref is kept either way.
   */
  key(provider: Provider, value: string | null | undefined): { providerKeyId: string | null; apiKeyRef: string | null; memberId: string | null };
  /**
   * True when `api_key` is a tracked key that belongs to ANOTHER workspace of the org: a token of
   * this workspace may not put spend on it (README "Keys and workspaces"). Keys without a
   * workspace, and keys Tollgate doesn't track, are never foreign.
   */
  foreignKey(provider: Provider, value: string | null | undefined): boolean;
  /** Project slug → tag id; absent → the workspace's default tag. */
  project(slug: string | null | undefined): string | null;
};

/**
 * Prepares attribution for one batch. Unknown project slugs are created as project tags
 * in the workspace (the friendlier choice: a new service shows up in reports at once,
 * named by its slug, and can be renamed or given an owner later). Creation is audited
 * and capped at MAX_PROJECT_TAGS_PER_WORKSPACE; past the cap the batch is rejected with
 * the paths of the offending events before anything is written.
 */
export async function prepareAttribution(
  ws: WorkspaceInfo,
  projectSlugs: Map<string, number[]>,
  actorLabel: string,
  issuePath: (index: number) => string,
  keyRefs?: { provider: Provider; value: string | null | undefined; path: string }[],
): Promise<Attributor> {
  const [dir, initialTags] = await Promise.all([getDirectory(ws.orgId), getProjectTags(ws.id)]);
  const wsId = ws.id;
  if (keyRefs) {
    // Checked before any project tag is created: a refused batch writes nothing.
    const issues: Issue[] = [];
    for (const k of keyRefs) {
      const owner = k.value ? dir.keyByRef.get(`${k.provider}:${k.value}`)?.workspaceId : null;
      if (owner && owner !== wsId) issues.push({ path: k.path, message: "this API key belongs to another workspace of the organization; send its usage with that workspace's ingest token" });
    }
    if (issues.length > 0) throw badRequest("The batch puts usage on API keys of another workspace", issues.slice(0, 50));
  }
  let tags = initialTags;
  const missing = [...projectSlugs.keys()].filter((s) => !tags.has(s));
  if (missing.length > 0) tags = await createProjectTags(ws, missing, projectSlugs, actorLabel, issuePath);
  return {
    user(value) {
      if (!value) return { memberId: null, endUser: null };
      const memberId = value.includes("@") ? dir.memberByEmail.get(value.toLowerCase()) : undefined;
      return memberId ? { memberId, endUser: null } : { memberId: null, endUser: value };
    },
    key(provider, value) {
      if (!value) return { providerKeyId: null, apiKeyRef: null, memberId: null };
      const k = dir.keyByRef.get(`${provider}:${value}`);
      return { providerKeyId: k?.id ?? null, apiKeyRef: value, memberId: k?.memberId ?? null };
    },
    foreignKey(provider, value) {
      const ws = value ? dir.keyByRef.get(`${provider}:${value}`)?.workspaceId : null;
      return !!ws && ws !== wsId;
    },
    project(slug) {
      if (!slug) return ws.defaultTagId;
      return tags.get(slug) ?? ws.defaultTagId;
    },
  };
}

async function createProjectTags(
  ws: WorkspaceInfo,
  slugs: string[],
  usedBy: Map<string, number[]>,
  actorLabel: string,
  issuePath: (index: number) => string,
): Promise<Map<string, string>> {
  const existing = await prisma.projectTag.count({ where: { workspaceId: ws.id } });
  if (existing + slugs.length > MAX_PROJECT_TAGS_PER_WORKSPACE) {
    const issues: Issue[] = slugs.flatMap((s) =>
      (usedBy.get(s) ?? []).slice(0, 5).map((i) => ({
        path: issuePath(i),
        message: `Unknown project "${s}" and this workspace already has ${existing} project tags (max ${MAX_PROJECT_TAGS_PER_WORKSPACE}); create or reuse a tag`,
      })),
    );
    throw badRequest("The batch names project tags that cannot be created", issues.slice(0, 50));
  }
  const created = await prisma.projectTag.createManyAndReturn({
    data: slugs.map((slug) => ({ orgId: ws.orgId, workspaceId: ws.id, slug, name: slug })),
    skipDuplicates: true,
    select: { id: true, slug: true },
  });
  if (created.length > 0) {
    const ctx = await systemContext(ws.orgId, actorLabel);
    for (const t of created) {
      await writeAudit(ctx, { action: "project_tag.auto_created", targetType: "project_tag", targetId: t.id, after: { slug: t.slug, workspaceId: ws.id } });
    }
  }
  tagCache.delete(ws.id);
  return getProjectTags(ws.id);
}
