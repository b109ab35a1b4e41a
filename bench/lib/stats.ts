/** The statistics every benchmark table uses, in one place. */

/** The median; NaN for no values. */
export function median(values: number[]): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** The smallest and largest value; NaNs for no values. */
export function range(values: number[]): [min: number, max: number] {
  return values.length === 0 ? [NaN, NaN] : [Math.min(...values), Math.max(...values)]
}
