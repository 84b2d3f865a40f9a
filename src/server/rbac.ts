import type { Role } from "@/generated/prisma/enums";

// Code checks permissions, never roles. One table maps roles to permissions;
// an unknown role gets nothing.
export const PERMISSIONS = [
  "org:read",
  "org:write",
  "members:read",
  "members:write",
  "workspaces:read",
  "workspaces:write",
  "connections:read",
  "connections:write",
  "keys:read",
  "keys:write",
  "ingest_tokens:read",
  "ingest_tokens:write",
  "budgets:read",
  "budgets:write",
  "alerts:read",
  "alerts:write",
  "reports:read",
  "schedules:read",
  "schedules:write",
  "pricing:write",
  "audit:read",
  "api_tokens:read",
  "api_tokens:write",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const READ: Permission[] = PERMISSIONS.filter((p) => p.endsWith(":read"));

const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  owner: PERMISSIONS,
  admin: PERMISSIONS,
  // Members see everything and manage their own ingest tokens, API tokens and scheduled reports.
  member: [...READ, "ingest_tokens:write", "api_tokens:write", "schedules:write"],
  viewer: READ,
};

export function permissionsFor(role: string): ReadonlySet<Permission> {
  const list = (ROLE_PERMISSIONS as Record<string, readonly Permission[] | undefined>)[role];
  return new Set(list ?? []);
}

export function can(role: string, permission: Permission): boolean {
  return permissionsFor(role).has(permission);
}

/** Roles a member with `actor` role may assign: nobody but an owner makes owners. */
export function assignableRoles(actor: Role | "token"): Role[] {
  if (actor === "owner") return ["owner", "admin", "member", "viewer"];
  if (actor === "admin") return ["admin", "member", "viewer"];
  return [];
}
