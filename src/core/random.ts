/** A uniform random source in [0, 1); inject a seeded one where results must be reproducible. */
export type RandomSource = () => number;

/**
 * Mulberry32: a small, fast, seedable 32-bit generator. Ample for shuffling, dropout seeds and randomised
 * threshold decisions; never for DP noise, which needs a secret source (see `dp/dpSgd.ts` `secureRandom`).
 */
export function seededRandom(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
