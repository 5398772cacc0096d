// Pruning, framework-independent pieces: schedules, masks, the per-model state a callback drives, the report.
export { constantSparsity, polynomialDecay, shouldPrune, type ConstantSparsityConfig, type PolynomialDecayConfig, type PruningSchedule, type ScheduleConfig, type ScheduleDecision } from './schedule.js';
export { applyMask, blockMask, computeMask, countKept, factorizedPool, isPrunedMByN, keptCount, magnitudeMask, mByNMask, roundHalfEven, validateMaskOptions, type BlockPooling, type MaskOptions, type MaskResult } from './mask.js';
export { PruningState, type MaskUpdate, type PrunableTensor, type PruneConfig, type PruningSnapshot } from './pruning_state.js';
export { formatSparsityReport, sparsityReport, type NamedTensor, type SparsityReport, type SparsityRow } from './report.js';
export { isPruningWrapped, pruneLowMagnitude, pruningStateOf, pruningSummary, stripPruning, updatePruningStep, type PruneLowMagnitudeOptions, type UpdatePruningStepOptions } from './wrap.js';
