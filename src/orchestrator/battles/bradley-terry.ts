/**
 * Fits a Bradley-Terry model, P(i beats j) = p_i / (p_i + p_j), to pairwise results, for the
 * battle leaderboard (leaderboard.ts). A player that won (or lost) every game has no
 * maximum-likelihood strength, and groups of players that never met have no common scale;
 * so every player also plays `priorGames` virtual tied games against a reference player
 * whose log-strength is fixed at 0. That prior makes the penalised negative log-likelihood
 * strictly convex: the fit exists, is unique and finite, and a player with no games sits at
 * the reference.
 *
 * The fit is Newton's method with a backtracking line search, from all log-strengths at 0.
 * Newton rather than Hunter's MM algorithm: MM crawls when strengths spread far apart (a
 * hierarchy of 20 players that never upset each other took over 10,000 MM steps), and the
 * Hessian Newton needs is the Fisher information the intervals need anyway. The covariance
 * of the log-strengths is the inverse of that observed information at the fit.
 */

/** What players `a` and `b` (indices) did against each other, summed over all their games. */
export interface PairResult {
  a: number;
  b: number;
  /** Games `a` won, a tie counting half. */
  winsA: number;
  /** Games between them, ties included. */
  games: number;
}

export interface BradleyTerryOptions {
  /** Virtual tied games each player plays against the reference. */
  priorGames?: number;
  /** Stop when no log-strength moves by more than this in one step. */
  toleranceLog?: number;
  iterationsMax?: number;
}

export interface BradleyTerryFit {
  /** ln p_i, relative to the reference (0). */
  logStrengths: number[];
  /** Covariance of the log-strengths: the inverse of the observed Fisher information. */
  covariance: number[][];
  iterations: number;
  /** False when `iterationsMax` ran out before the tolerance was met. */
  converged: boolean;
}

export const bradleyTerryDefaults = {
  priorGames: 1,
  toleranceLog: 1e-10,
  iterationsMax: 100,
} as const;

/** A pairing with the reference as player −1, whose log-strength is 0. */
interface Pairing {
  a: number;
  b: number;
  winsA: number;
  games: number;
}

const at = (theta: readonly number[], i: number): number => (i < 0 ? 0 : (theta[i] ?? 0));

/** ln(1 + eˣ) without overflow. */
const softplus = (x: number): number =>
  x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));

/** P(a beats b). */
const winChance = (theta: readonly number[], a: number, b: number): number =>
  1 / (1 + Math.exp(at(theta, b) - at(theta, a)));

function pairingsOf(playerCount: number, pairs: readonly PairResult[], priorGames: number) {
  const pairings: Pairing[] = pairs.filter(
    ({ a, b, games }) => a !== b && games > 0 && a >= 0 && b >= 0,
  );
  for (let i = 0; i < playerCount; i++) {
    pairings.push({ a: i, b: -1, winsA: priorGames / 2, games: priorGames });
  }
  return pairings;
}

/** The penalised negative log-likelihood. */
function objective(theta: readonly number[], pairings: readonly Pairing[]): number {
  let sum = 0;
  for (const { a, b, winsA, games } of pairings) {
    const gap = at(theta, a) - at(theta, b);
    sum += winsA * softplus(-gap) + (games - winsA) * softplus(gap);
  }
  return sum;
}

/** The objective's gradient and Hessian (the observed Fisher information). */
function derivatives(theta: readonly number[], pairings: readonly Pairing[]) {
  const n = theta.length;
  const gradient = new Array<number>(n).fill(0);
  const hessian = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const add = (i: number, j: number, value: number) => {
    const row = hessian[i];
    if (row !== undefined && j >= 0) row[j] = (row[j] ?? 0) + value;
  };
  for (const { a, b, winsA, games } of pairings) {
    const chance = winChance(theta, a, b);
    const residual = games * chance - winsA;
    const weight = games * chance * (1 - chance);
    gradient[a] = (gradient[a] ?? 0) + residual;
    if (b >= 0) gradient[b] = (gradient[b] ?? 0) - residual;
    add(a, a, weight);
    add(b, b, weight);
    add(a, b, -weight);
    add(b, a, -weight);
  }
  return { gradient, hessian };
}

/** Inverts a symmetric positive-definite matrix by Gauss-Jordan elimination. */
export function invertMatrix(matrix: readonly (readonly number[])[]): number[][] {
  const n = matrix.length;
  const work = matrix.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => +(i === j))]);
  for (let col = 0; col < n; col++) {
    // Partial pivoting: cheap, and it keeps a badly scaled information matrix usable.
    let pivot = col;
    for (let r = col + 1; r < n; r++) {
      if (Math.abs(work[r]![col]!) > Math.abs(work[pivot]![col]!)) pivot = r;
    }
    [work[col], work[pivot]] = [work[pivot]!, work[col]!];
    const pivotRow = work[col]!;
    const scale = pivotRow[col]!;
    for (let c = 0; c < 2 * n; c++) pivotRow[c] = pivotRow[c]! / scale;
    for (let r = 0; r < n; r++) {
      const row = work[r]!;
      const factor = row[col]!;
      if (r === col || factor === 0) continue;
      for (let c = 0; c < 2 * n; c++) row[c] = row[c]! - factor * pivotRow[c]!;
    }
  }
  return work.map((row) => row.slice(n));
}

/** A Newton step, shortened until the objective does not rise (it is convex, so it stops). */
function newtonStep(theta: number[], pairings: readonly Pairing[]): number[] {
  const { gradient, hessian } = derivatives(theta, pairings);
  const inverse = invertMatrix(hessian);
  const step = inverse.map((row) => row.reduce((sum, h, j) => sum + h * (gradient[j] ?? 0), 0));
  const before = objective(theta, pairings);
  for (let length = 1; length > 1e-12; length /= 2) {
    const next = theta.map((t, i) => t - length * (step[i] ?? 0));
    if (objective(next, pairings) <= before) return next;
  }
  return theta;
}

/**
 * Fits the log-strengths of players 0 … `playerCount` − 1 to `pairs`.
 *
 * @example
 * fitBradleyTerry(2, [{ a: 0, b: 1, winsA: 3, games: 4 }]).logStrengths; // [0.474…, −0.474…]
 */
export function fitBradleyTerry(
  playerCount: number,
  pairs: readonly PairResult[],
  options: BradleyTerryOptions = {},
): BradleyTerryFit {
  const { priorGames, toleranceLog, iterationsMax } = { ...bradleyTerryDefaults, ...options };
  const pairings = pairingsOf(playerCount, pairs, priorGames);
  let theta = new Array<number>(playerCount).fill(0);
  let iterations = 0;
  let converged = playerCount === 0;
  while (!converged && iterations < iterationsMax) {
    const next = newtonStep(theta, pairings);
    iterations++;
    converged = next.every((t, i) => Math.abs(t - (theta[i] ?? 0)) <= toleranceLog);
    theta = next;
  }
  return {
    logStrengths: theta,
    covariance: invertMatrix(derivatives(theta, pairings).hessian),
    iterations,
    converged,
  };
}
