import { vi } from "vitest";

/**
 * Integration tests call route handlers and server actions directly. Mock the one session
 * reader (`vi.mock("@/server/next/session", () => sessionMock)`), then `actAs(userId)`.
 */
let current: string | null = null;
export const sessionMock = { getSessionUserId: vi.fn(async () => current) };
export function actAs(userId: string | null) {
  current = userId;
}
