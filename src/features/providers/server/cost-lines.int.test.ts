import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrg } from "../../../../test/helpers/factory";
import { prisma } from "@/server/db";
import { closeQueues } from "@/server/jobs/queue";
import { startFakeOpenAI, type FakeOpenAI } from "@/providers/openai/fake";
import { pollOpenAI } from "./poll-openai";
import { isTokenLine } from "./cost-lines";
import { makeConnection, noSleep, pushEvents, rollupTotals } from "./pollers.test-helpers";

const HOUR = 3_600_000;
const DAY = 86_400_000;

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI({ seed: 91 });
});
afterAll(async () => {
  await fake.close();
  await closeQueues();
});

describe("OpenAI billed cost is spend", () => {
  it("lines no usage bucket explains (images, speech) become spend for their project, and each closed day's total equals the bill", async () => {
    const { org, workspace, defaultTag } = await createOrg();
    const conn = await makeConnection(org, { provider: "openai", secret: fake.state.adminKey, baseUrl: fake.url, workspaceId: workspace.id });
    const project = fake.state.createProject({ name: "media" });
    const key = fake.state.createApiKey(project.id, { name: "media app", serviceAccountName: "svc" });
    const day = Math.floor(Date.now() / DAY) * DAY - 2 * DAY;
    const chat = Array.from({ length: 4 }, (_, i) => fake.state.record({ at: day + (10 + i) * HOUR, projectId: project.id, apiKeyId: key.id, model: "gpt-4o", inputTokens: 20_000, outputTokens: 2_000 }));
    const image = fake.state.record({ at: day + 11 * HOUR, projectId: project.id, apiKeyId: key.id, model: "gpt-image-1", kind: "images", images: 3 });
    const speech = fake.state.record({ at: day + 12 * HOUR, projectId: project.id, apiKeyId: key.id, model: "tts-1", kind: "audio_speeches", characters: 2_000 });
    const billed = [...chat, image, speech].reduce((s, r) => s + r.costMicros, 0n);
    expect(image.costMicros).toBeGreaterThan(0n);

    expect((await pollOpenAI(conn.id, { sleep: noSleep })).status).toBe("ok");
    const imageEvent = await prisma.usageEvent.findFirstOrThrow({ where: { orgId: org.id, source: "poll", model: { contains: "gpt-image-1" } } });
    expect(imageEvent).toMatchObject({ costMicros: image.costMicros, workspaceId: workspace.id, projectTagId: defaultTag.id });
    expect(imageEvent.externalId).toContain(project.id);
    const dayTotal = async () => (await rollupTotals(org.id, { provider: "openai", from: new Date(day), to: new Date(day + DAY) })).costMicros;
    expect(await dayTotal()).toBe(billed);

    // The app later uploads its chat log for that day (estimated at list prices): still the bill.
    await pushEvents(
      { orgId: org.id, workspaceId: workspace.id, provider: "openai", model: "gpt-4o", projectTagId: defaultTag.id },
      chat.map((r) => ({ occurredAt: new Date(r.at), apiKeyRef: key.id, inputTokens: 20_000, outputTokens: 2_000 })),
    );
    expect(await dayTotal()).toBe(billed);
  });

  it("token lines are told apart by their unit, or by their wording when the API gives none", () => {
    expect(isTokenLine("gpt-4o-2024-08-06, input", "tokens")).toBe(true);
    expect(isTokenLine("gpt-4o-2024-08-06, cached input", null)).toBe(true);
    expect(isTokenLine("input_tokens", null)).toBe(true);
    expect(isTokenLine("Image models", null)).toBe(false);
    expect(isTokenLine("gpt-image-1, images", "images")).toBe(false);
    expect(isTokenLine("web search tool calls", null)).toBe(false);
  });
});
