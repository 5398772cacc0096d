// The one rounding rule TFLite uses everywhere on the float side (TfLiteRound, std::round):
// ties go away from zero. JS Math.round sends ties toward +infinity, so negatives are mirrored.
export function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) + 0 : Math.round(x); // + 0 turns -0 into 0
}
