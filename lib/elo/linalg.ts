/**
 * The two dense linear-algebra routines lib/elo needs: a Cholesky factorisation and the solve
 * that uses it, on row-major Float64Arrays. Newton's method for Bradley–Terry (bradley-terry.ts)
 * and the sandwich interval (uncertainty.ts) solve with a graph Laplacian made positive definite.
 */

/**
 * In-place Cholesky factorisation A = L·Lᵀ of a symmetric positive-definite matrix.
 * @param a [n*n] row-major; on return its lower triangle holds L (the upper triangle is left as is).
 * @returns false when A is not (numerically) positive definite.
 */
export function choleskyInPlace(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    let d = a[rowJ + j]!;
    for (let k = 0; k < j; k++) d -= a[rowJ + k]! * a[rowJ + k]!;
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    a[rowJ + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      let s = a[rowI + j]!;
      for (let k = 0; k < j; k++) s -= a[rowI + k]! * a[rowJ + k]!;
      a[rowI + j] = s / ljj;
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
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    const row = i * n;
    for (let k = 0; k < i; k++) s -= l[row + k]! * b[k]!;
    b[i] = s / l[row + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * b[k]!;
    b[i] = s / l[i * n + i]!;
  }
  return b;
}
