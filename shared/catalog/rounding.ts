// The rounding every API applies to its figures: half away from zero at a number of decimals. Node-free.

/** Half away from zero at the given number of decimals, without binary artefacts (1.005 → 1.01). */
export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.sign(value) * (Math.round((Math.abs(value) + Number.EPSILON) * f) / f);
}
