import protobuf from "protobufjs";

/**
 * The subset of OTLP we decode, hand-written from opentelemetry-proto
 * (collector/trace/v1/trace_service.proto, trace/v1/trace.proto, common/v1/common.proto,
 * resource/v1/resource.proto). Field numbers match upstream; fields we don't read (events,
 * links, trace_state, dropped counts…) are omitted and skipped by the decoder as unknown.
 */
const descriptor = {
  nested: {
    otlp: {
      nested: {
        ExportTraceServiceRequest: { fields: { resourceSpans: { rule: "repeated", type: "ResourceSpans", id: 1 } } },
        ResourceSpans: {
          fields: {
            resource: { type: "Resource", id: 1 },
            scopeSpans: { rule: "repeated", type: "ScopeSpans", id: 2 },
          },
        },
        Resource: { fields: { attributes: { rule: "repeated", type: "KeyValue", id: 1 } } },
        ScopeSpans: {
          fields: {
            scope: { type: "InstrumentationScope", id: 1 },
            spans: { rule: "repeated", type: "Span", id: 2 },
          },
        },
        InstrumentationScope: {
          fields: {
            name: { type: "string", id: 1 },
            version: { type: "string", id: 2 },
            attributes: { rule: "repeated", type: "KeyValue", id: 3 },
          },
        },
        Span: {
          fields: {
            traceId: { type: "bytes", id: 1 },
            spanId: { type: "bytes", id: 2 },
            parentSpanId: { type: "bytes", id: 4 },
            name: { type: "string", id: 5 },
            kind: { type: "int32", id: 6 },
            startTimeUnixNano: { type: "fixed64", id: 7 },
            endTimeUnixNano: { type: "fixed64", id: 8 },
            attributes: { rule: "repeated", type: "KeyValue", id: 9 },
            status: { type: "Status", id: 15 },
          },
        },
        Status: { fields: { message: { type: "string", id: 2 }, code: { type: "int32", id: 3 } } },
        KeyValue: { fields: { key: { type: "string", id: 1 }, value: { type: "AnyValue", id: 2 } } },
        AnyValue: {
          oneofs: { value: { oneof: ["stringValue", "boolValue", "intValue", "doubleValue", "arrayValue", "kvlistValue", "bytesValue"] } },
          fields: {
            stringValue: { type: "string", id: 1 },
            boolValue: { type: "bool", id: 2 },
            intValue: { type: "int64", id: 3 },
            doubleValue: { type: "double", id: 4 },
            arrayValue: { type: "ArrayValue", id: 5 },
            kvlistValue: { type: "KeyValueList", id: 6 },
            bytesValue: { type: "bytes", id: 7 },
          },
        },
        ArrayValue: { fields: { values: { rule: "repeated", type: "AnyValue", id: 1 } } },
        KeyValueList: { fields: { values: { rule: "repeated", type: "KeyValue", id: 1 } } },
        ExportTraceServiceResponse: { fields: { partialSuccess: { type: "ExportTracePartialSuccess", id: 1 } } },
        ExportTracePartialSuccess: {
          fields: { rejectedSpans: { type: "int64", id: 1 }, errorMessage: { type: "string", id: 2 } },
        },
        // google.rpc.Status, the body of an OTLP/HTTP error response.
        RpcStatus: { fields: { code: { type: "int32", id: 1 }, message: { type: "string", id: 2 } } },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor);
const RequestType = root.lookupType("otlp.ExportTraceServiceRequest");
const ResponseType = root.lookupType("otlp.ExportTraceServiceResponse");
const RpcStatusType = root.lookupType("otlp.RpcStatus");

/**
 * Protobuf → the same shape as OTLP/JSON (ids as lowercase hex, 64-bit ints as decimal
 * strings), so one mapper serves both encodings.
 */
export function decodeTraceRequest(buf: Uint8Array): unknown {
  const msg = RequestType.decode(buf);
  const obj = RequestType.toObject(msg, { longs: String, bytes: String, defaults: false, arrays: true }) as {
    resourceSpans?: { scopeSpans?: { spans?: Record<string, unknown>[] }[] }[];
  };
  // protobufjs renders bytes as base64; OTLP/JSON uses hex for trace and span ids.
  for (const rs of obj.resourceSpans ?? [])
    for (const ss of rs.scopeSpans ?? [])
      for (const span of ss.spans ?? [])
        for (const k of ["traceId", "spanId", "parentSpanId"])
          if (typeof span[k] === "string") span[k] = Buffer.from(span[k], "base64").toString("hex");
  return obj;
}

export function encodeTraceResponse(rejectedSpans: number, errorMessage: string): Uint8Array {
  const payload = rejectedSpans > 0 || errorMessage ? { partialSuccess: { rejectedSpans, errorMessage } } : {};
  return ResponseType.encode(ResponseType.fromObject(payload)).finish();
}

export function encodeRpcStatus(code: number, message: string): Uint8Array {
  return RpcStatusType.encode(RpcStatusType.fromObject({ code, message })).finish();
}

/** For tests and the fake Broadcast sender: encode an OTLP/JSON-shaped request as protobuf. */
export function encodeTraceRequest(json: unknown): Uint8Array {
  const copy = JSON.parse(JSON.stringify(json), (k, v: unknown) =>
    (k === "traceId" || k === "spanId" || k === "parentSpanId") && typeof v === "string" ? Buffer.from(v, "hex").toString("base64") : v,
  ) as Record<string, unknown>;
  return RequestType.encode(RequestType.fromObject(copy)).finish();
}

export function decodeTraceResponse(buf: Uint8Array): { partialSuccess?: { rejectedSpans?: string; errorMessage?: string } } {
  return ResponseType.toObject(ResponseType.decode(buf), { longs: String, defaults: false }) as never;
}
