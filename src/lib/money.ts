// Money is integer micro-USD (1 USD = 1_000_000) as bigint. Floats never touch a sum.

export const MICROS_PER_USD = 1_000_000n;

/**
 * Parses a USD amount given as a decimal string or number into micro-USD, exactly.
 * Digits beyond the 6th decimal are rounded half-up. Numbers are converted through
 * their shortest decimal representation, so 0.1 becomes "0.1", not 0.1000000000000000055.
 */
export function usdToMicros(value: string | number | bigint): bigint {
  if (typeof value === "bigint") return value * MICROS_PER_USD;
  let s = typeof value === "number" ? numberToPlainString(value) : value.trim();
  if (!/^-?\d*(\.\d*)?$/.test(s) || s === "" || s === "-" || s === ".") throw new Error(`Not a decimal amount: "${value}"`);
  const negative = s.startsWith("-");
  if (negative) s = s.slice(1);
  const [intPart = "0", fracPart = ""] = s.split(".");
  const frac = (fracPart + "0000000").slice(0, 7);
  let micros = BigInt(intPart || "0") * MICROS_PER_USD + BigInt(frac.slice(0, 6));
  if (Number(frac[6]) >= 5) micros += 1n;
  return negative ? -micros : micros;
}

function numberToPlainString(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`Not a finite amount: ${n}`);
  const s = String(n);
  if (!/e/i.test(s)) return s;
  // Expand exponent notation (e.g. 1e-7) without going through float arithmetic.
  const [mantissa = "0", expStr = "0"] = s.toLowerCase().split("e");
  const exp = Number(expStr);
  const negative = mantissa.startsWith("-");
  const [i = "0", f = ""] = mantissa.replace("-", "").split(".");
  const digits = i + f;
  const point = i.length + exp;
  let out: string;
  if (point <= 0) out = "0." + "0".repeat(-point) + digits;
  else if (point >= digits.length) out = digits + "0".repeat(point - digits.length);
  else out = digits.slice(0, point) + "." + digits.slice(point);
  return (negative ? "-" : "") + out;
}

/** micro-USD → "12.345678" (exact, no float). */
export function microsToDecimalString(micros: bigint, decimals = 6): string {
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const whole = abs / MICROS_PER_USD;
  const frac = (abs % MICROS_PER_USD).toString().padStart(6, "0").slice(0, decimals);
  return `${negative ? "-" : ""}${whole}${decimals > 0 ? "." + frac : ""}`;
}

/** micro-USD → "$1,234.57" for display (rounded half-up to cents). */
export function formatUsd(micros: bigint, opts: { cents?: boolean } = {}): string {
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const decimals = opts.cents === false ? 4 : 2;
  const unit = 10n ** BigInt(6 - decimals);
  const rounded = (abs + unit / 2n) / unit;
  const scale = 10n ** BigInt(decimals);
  const whole = (rounded / scale).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const frac = (rounded % scale).toString().padStart(decimals, "0");
  return `${negative && rounded > 0n ? "-" : ""}$${whole}.${frac}`; // never "-$0.00"
}

/** Micro-USD as a JS number of USD, for charts only (never for sums). */
export function microsToUsdNumber(micros: bigint): number {
  return Number(micros) / 1_000_000;
}

/** tokens × (micro-USD per 1M tokens) → micro-USD, rounded half-up. */
export function priceTokens(tokens: bigint | number, perMTokMicros: bigint): bigint {
  const t = BigInt(tokens);
  return (t * perMTokMicros + 500_000n) / 1_000_000n;
}
