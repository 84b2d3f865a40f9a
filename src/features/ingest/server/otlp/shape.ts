import { z } from "zod";

/**
 * The structure of an OTLP ExportTraceServiceRequest as OTLP/JSON spells it (and as the
 * protobuf decoder renders it), checked before any span is read so that a body of the wrong
 * shape is a 400 naming the place (`resourceSpans.0.scopeSpans.1.spans.3.attributes`), never a
 * TypeError. Only the fields the mapper reads are typed; every other field passes unchecked.
 * Proto3 JSON allows `null` for an absent field, but not as an element of a repeated field.
 */
const num = z.union([z.number(), z.string()]);

type AnyValueShape = {
  stringValue?: string | null;
  boolValue?: boolean | null;
  intValue?: number | string | null;
  doubleValue?: number | string | null;
  arrayValue?: { values?: AnyValueShape[] | null } | null;
  kvlistValue?: { values?: KeyValueShape[] | null } | null;
  bytesValue?: string | null;
};
type KeyValueShape = { key?: string | null; value?: AnyValueShape | null };

const AnyValue: z.ZodType<AnyValueShape> = z.lazy(() =>
  z.looseObject({
    stringValue: z.string().nullish(),
    boolValue: z.boolean().nullish(),
    intValue: num.nullish(),
    doubleValue: num.nullish(),
    arrayValue: z.looseObject({ values: z.array(AnyValue).nullish() }).nullish(),
    kvlistValue: z.looseObject({ values: z.array(KeyValue).nullish() }).nullish(),
    bytesValue: z.string().nullish(),
  }),
);
const KeyValue: z.ZodType<KeyValueShape> = z.lazy(() => z.looseObject({ key: z.string().nullish(), value: AnyValue.nullish() }));
const Attributes = z.array(KeyValue).nullish();

const Span = z.looseObject({
  traceId: z.string().nullish(),
  spanId: z.string().nullish(),
  name: z.string().nullish(),
  startTimeUnixNano: num.nullish(),
  endTimeUnixNano: num.nullish(),
  attributes: Attributes,
  status: z.looseObject({ code: num.nullish(), message: z.string().nullish() }).nullish(),
});
const ScopeSpans = z.looseObject({ spans: z.array(Span).nullish() });
const ResourceSpans = z.looseObject({
  resource: z.looseObject({ attributes: Attributes }).nullish(),
  scopeSpans: z.array(ScopeSpans).nullish(),
  scope_spans: z.array(ScopeSpans).nullish(),
});
export const TraceRequestShape = z.looseObject({
  resourceSpans: z.array(ResourceSpans).nullish(),
  resource_spans: z.array(ResourceSpans).nullish(),
});

/** null when the body has the right shape, else "path: what is wrong" for the first problem. */
export function traceRequestProblem(body: unknown): string | null {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return "the body must be a JSON object with resourceSpans";
  let r: ReturnType<typeof TraceRequestShape.safeParse>;
  try {
    r = TraceRequestShape.safeParse(body);
  } catch {
    return "attributes are nested too deeply";
  }
  if (r.success) return null;
  const i = r.error.issues[0]!;
  return `${i.path.map(String).join(".") || "(root)"}: ${i.message}`;
}
