/**
 * The dense linear algebra lib/elo needs: a Cholesky factorisation, the solve that uses it, and an
 * inverse, on row-major Float64Arrays (behind the fits of notebooks/04_elo_rankings.ipynb). Newton's method for Bradley–Terry (bradleyTerry.ts), its
 * bootstrap and the sandwich interval (uncertainty.ts) solve with a graph Laplacian made positive
 * definite. Inner loops run over contiguous rows with four accumulators, which is what lets V8
 * keep up with LAPACK at these sizes (n ≈ 100–200).
 */

/** Σ_k x[xo + k] · y[yo + k] for k < len, with four independent accumulators. */
function dot(x: Float64Array, xo: number, y: Float64Array, yo: number, len: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let k = 0;
  for (; k + 3 < len; k += 4) {
    s0 += x[xo + k]! * y[yo + k]!;
    s1 += x[xo + k + 1]! * y[yo + k + 1]!;
    s2 += x[xo + k + 2]! * y[yo + k + 2]!;
    s3 += x[xo + k + 3]! * y[yo + k + 3]!;
  }
  for (; k < len; k++) s0 += x[xo + k]! * y[yo + k]!;
  return s0 + s1 + s2 + s3;
}

/**
 * In-place Cholesky factorisation A = L·Lᵀ of a symmetric positive-definite matrix.
 * @param a [n*n] row-major; on return its lower triangle holds L (the upper triangle is left as is).
 * @returns false when A is not (numerically) positive definite.
 */
export function choleskyInPlace(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    const d = a[rowJ + j]! - dot(a, rowJ, a, rowJ, j);
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    a[rowJ + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      a[rowI + j] = (a[rowI + j]! - dot(a, rowI, a, rowJ, j)) / ljj;
    }
  }
  return true;
}

/**
 * Solves L·Lᵀ·x = b given the factor from `choleskyInPlace`.
 * @param l [n*n] factor (lower triangle used)
 * @param b [n] right-hand side; overwritten by x, which is also returned.
 */
export function choleskySolveInPlace(l: Float64Array, n: number, b: Float64Array): Float64Array {
  // forward: L·y = b, row by row
  for (let i = 0; i < n; i++) b[i] = (b[i]! - dot(l, i * n, b, 0, i)) / l[i * n + i]!;
  // backward: Lᵀ·x = y, column-oriented so that row i of L is read contiguously
  for (let i = n - 1; i >= 0; i--) {
    const row = i * n;
    const xi = b[i]! / l[row + i]!;
    b[i] = xi;
    for (let k = 0; k < i; k++) b[k]! -= l[row + k]! * xi;
  }
  return b;
}

/** A⁻¹ of a symmetric positive-definite A ([n*n], not modified), or null if A is not positive definite. */
export function inverseSpd(a: Float64Array, n: number): Float64Array | null {
  const l = a.slice();
  if (!choleskyInPlace(l, n)) return null;
  const inv = new Float64Array(n * n);
  const col = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    col.fill(0);
    col[c] = 1;
    choleskySolveInPlace(l, n, col);
    inv.set(col, c * n); // symmetric: column c = row c
  }
  return inv;
}

/** y = M·x for a row-major [n*n] M. */
export function matVec(m: Float64Array, n: number, x: Float64Array, y: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) y[i] = dot(m, i * n, x, 0, n);
  return y;
}
