/**
 * A streamed chat completion, as apps send them: `stream: true` (and OpenAI's
 * `stream_options.include_usage`), reading `text/event-stream` frames until `[DONE]`. Returns
 * the generation id and the usage from the final chunk (OpenRouter: `usage.cost` in USD).
 * Used by the fake providers' live traffic so part of the demo's traffic is streamed.
 */
export type StreamedChat = { id: string | null; text: string; usage: Record<string, unknown> | null; generationId: string | null };

export class StreamedChatError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** The JSON payloads of an SSE body (comment lines and `[DONE]` skipped). */
export async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const part of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(part, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame
        .split("\n")
        .filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).trimStart())
        .join("\n");
      if (!data || data === "[DONE]") continue;
      yield JSON.parse(data) as unknown;
    }
  }
}

export async function streamChatCompletion(baseUrl: string, apiKey: string, body: Record<string, unknown>): Promise<StreamedChat> {
  const res = await fetch(`${baseUrl}/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }),
  });
  if (!res.ok || !res.body) throw new StreamedChatError(res.status, `HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
  const out: StreamedChat = { id: null, text: "", usage: null, generationId: res.headers.get("x-generation-id") };
  for await (const raw of sseData(res.body)) {
    const chunk = raw as { id?: string; choices?: { delta?: { content?: string | null } }[]; usage?: Record<string, unknown> | null; error?: { message?: string; code?: number } };
    if (chunk.error) throw new StreamedChatError(chunk.error.code ?? 500, chunk.error.message ?? "stream error");
    out.id ??= chunk.id ?? null;
    out.text += chunk.choices?.[0]?.delta?.content ?? "";
    if (chunk.usage) out.usage = chunk.usage;
  }
  return out;
}
