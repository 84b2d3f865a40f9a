import { describe, expect, it } from "vitest";
import { modelFamily } from "./model-family";

describe("modelFamily", () => {
  it("groups dated versions under their family and leaves undated names alone", () => {
    expect(modelFamily("gpt-4o-2024-08-06")).toBe("gpt-4o");
    expect(modelFamily("anthropic/claude-3-5-sonnet-20241022")).toBe("anthropic/claude-3-5-sonnet");
    expect(modelFamily("gpt-4-0613")).toBe("gpt-4");
    expect(modelFamily("gpt-4o-mini")).toBe("gpt-4o-mini");
    expect(modelFamily("openai/gpt-4.1")).toBe("openai/gpt-4.1");
  });
});
