/**
 * One account, one connection. Two connections to the same provider account would each write
 * their own fills for the same spend (every polled dollar counted twice) and fight over the
 * account's keys. The key list identifies the account: when a poll lists a key that an OLDER
 * connection of the org already tracks, this connection is refused (marked broken with the
 * reason, which alerts its admins) before it writes anything. The oldest connection wins, so the
 * outcome doesn't depend on which of the two polls first.
 */
import { prisma } from "@/server/db";
import type { Provider } from "@/generated/prisma/enums";

export class AccountAlreadyConnected extends Error {}

export async function assertAccountNotConnected(conn: { id: string; orgId: string }, provider: Provider, keyRefs: string[]): Promise<void> {
  if (keyRefs.length === 0) return;
  const me = await prisma.providerConnection.findUnique({ where: { id: conn.id }, select: { createdAt: true } });
  if (!me) return;
  const clash = await prisma.providerKey.findFirst({
    where: {
      orgId: conn.orgId,
      provider,
      providerKeyId: { in: keyRefs },
      connectionId: { not: conn.id },
      connection: { OR: [{ createdAt: { lt: me.createdAt } }, { createdAt: me.createdAt, id: { lt: conn.id } }] },
    },
    select: { connection: { select: { name: true } } },
  });
  if (clash?.connection) {
    throw new AccountAlreadyConnected(
      `This account is already connected as "${clash.connection.name}" (they share API keys). Polling it twice would count its spend twice: delete this connection, or use a different account.`,
    );
  }
}
