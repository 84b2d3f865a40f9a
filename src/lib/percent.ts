/**
 * A percentage for people: rounded half away from zero at `decimals`, and never "-0.00 %": a
 * negative share too small to show is shown as zero. `sign` puts "+" before a positive one.
 */
export function formatPercent(p: number, decimals: number, opts: { sign?: boolean } = {}): string {
  const scale = 10 ** decimals;
  // toFixed on the scaled integer avoids binary artefacts (6.545 is 6.54499… as a double).
  const scaled = Math.round(Math.abs(p) * scale + 1e-9) * Math.sign(p);
  const shown = scaled === 0 ? 0 : scaled / scale;
  return `${opts.sign && shown > 0 ? "+" : ""}${shown.toFixed(decimals)} %`;
}
