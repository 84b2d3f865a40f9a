// Next.js calls register() once per server process before it handles requests.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { installPeerAddressHeader } = await import("@/server/peer-address");
  installPeerAddressHeader();
  const { favourFlatHeap } = await import("@/server/heap");
  favourFlatHeap();
}
