;; Batched matrix product for tfjs-wasm, 128-bit SIMD: the source of the bytes in bmmSimd.ts
;; (regenerate them with `node scripts/build-wasm-kernels.mjs`; see lib/backend/bmmKernel.ts).
;;
;;   C[t] = A[t] · B[t]  for t < batch,  A[t]: m×k,  B[t]: k×n,  C[t]: m×n (row-major, dense)
;;
;; A and B are read through element strides, so a transposed operand costs nothing extra:
;;   A[t](i, kk) = a[t·sab + i·sai + kk·sak]      B[t](kk, j) = b[t·sbb + kk·sbk + j·sbj]
;; (a broadcast operand has batch stride 0). The memory is tfjs-wasm's own: a, b, c are byte
;; offsets of tensors in its heap, and nothing is copied in or out.
;;
;; Inner loop ("axpy" form): for each row i and each block of 16 output columns, keep the block
;; in four f32x4 registers and add A(i,kk) · B(kk, j..j+15) for kk = 0..k-1, in that order — each
;; output is the plain sum over kk, so results equal a naive loop's. That needs B's rows contiguous
;; (sbj = 1); otherwise B[t] is first copied into `scratch` as a dense k×n matrix.
;;
;; `bmm_nt` is the other form, for A·Bᵀ with both A's rows and B's rows contiguous along k (a
;; query times the cached keys): each output is a dot product of two contiguous rows, four lanes at
;; a time, so nothing is copied; the four lane sums are added at the end.
(module
  (import "env" "memory" (memory 1))
  (func (export "bmm")
    (param $a i32) (param $b i32) (param $c i32)
    (param $batch i32) (param $m i32) (param $k i32) (param $n i32)
    (param $sab i32) (param $sai i32) (param $sak i32)
    (param $sbb i32) (param $sbk i32) (param $sbj i32)
    (param $scratch i32)
    (local $t i32) (local $i i32) (local $j i32) (local $kk i32)
    (local $aT i32) (local $bT i32) (local $bp i32) (local $cRow i32) (local $aRow i32)
    (local $pa i32) (local $pb i32) (local $rowB i32) (local $stepA i32)
    (local $av v128) (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local $s f32)
    ;; strides in bytes from here on
    (local.set $sab (i32.shl (local.get $sab) (i32.const 2)))
    (local.set $sai (i32.shl (local.get $sai) (i32.const 2)))
    (local.set $stepA (i32.shl (local.get $sak) (i32.const 2)))
    (local.set $sbb (i32.shl (local.get $sbb) (i32.const 2)))
    (local.set $sbk (i32.shl (local.get $sbk) (i32.const 2)))
    (local.set $sbj (i32.shl (local.get $sbj) (i32.const 2)))
    (local.set $rowB (i32.shl (local.get $n) (i32.const 2)))
    (local.set $t (i32.const 0))
    (block $doneT (loop $loopT
      (br_if $doneT (i32.ge_u (local.get $t) (local.get $batch)))
      (local.set $aT (i32.add (local.get $a) (i32.mul (local.get $t) (local.get $sab))))
      (local.set $bT (i32.add (local.get $b) (i32.mul (local.get $t) (local.get $sbb))))
      ;; B[t] as a dense k×n block at $bp
      (if (i32.and (i32.eq (local.get $sbj) (i32.const 4)) (i32.eq (local.get $sbk) (local.get $rowB)))
        (then (local.set $bp (local.get $bT)))
        (else
          (local.set $bp (local.get $scratch))
          (local.set $pb (local.get $scratch))
          (local.set $kk (i32.const 0))
          (block $doneP (loop $loopP
            (br_if $doneP (i32.ge_u (local.get $kk) (local.get $k)))
            (local.set $pa (i32.add (local.get $bT) (i32.mul (local.get $kk) (local.get $sbk))))
            (local.set $j (i32.const 0))
            (block $doneQ (loop $loopQ
              (br_if $doneQ (i32.ge_u (local.get $j) (local.get $n)))
              (f32.store (local.get $pb) (f32.load (local.get $pa)))
              (local.set $pb (i32.add (local.get $pb) (i32.const 4)))
              (local.set $pa (i32.add (local.get $pa) (local.get $sbj)))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $loopQ)))
            (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
            (br $loopP)))))
      (local.set $cRow (i32.add (local.get $c) (i32.mul (i32.mul (local.get $t) (local.get $m)) (local.get $rowB))))
      (local.set $aRow (local.get $aT))
      (local.set $i (i32.const 0))
      (block $doneI (loop $loopI
        (br_if $doneI (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $j (i32.const 0))
        ;; 16 columns at a time, four registers
        (block $done16 (loop $loop16
          (br_if $done16 (i32.gt_u (i32.add (local.get $j) (i32.const 16)) (local.get $n)))
          (local.set $acc0 (v128.const i32x4 0 0 0 0))
          (local.set $acc1 (v128.const i32x4 0 0 0 0))
          (local.set $acc2 (v128.const i32x4 0 0 0 0))
          (local.set $acc3 (v128.const i32x4 0 0 0 0))
          (local.set $pa (local.get $aRow))
          (local.set $pb (i32.add (local.get $bp) (i32.shl (local.get $j) (i32.const 2))))
          (local.set $kk (i32.const 0))
          (block $doneK (loop $loopK
            (br_if $doneK (i32.ge_u (local.get $kk) (local.get $k)))
            (local.set $av (f32x4.splat (f32.load (local.get $pa))))
            (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $av) (v128.load (local.get $pb)))))
            (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $av) (v128.load offset=16 (local.get $pb)))))
            (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul (local.get $av) (v128.load offset=32 (local.get $pb)))))
            (local.set $acc3 (f32x4.add (local.get $acc3) (f32x4.mul (local.get $av) (v128.load offset=48 (local.get $pb)))))
            (local.set $pa (i32.add (local.get $pa) (local.get $stepA)))
            (local.set $pb (i32.add (local.get $pb) (local.get $rowB)))
            (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
            (br $loopK)))
          (local.set $pb (i32.add (local.get $cRow) (i32.shl (local.get $j) (i32.const 2))))
          (v128.store (local.get $pb) (local.get $acc0))
          (v128.store offset=16 (local.get $pb) (local.get $acc1))
          (v128.store offset=32 (local.get $pb) (local.get $acc2))
          (v128.store offset=48 (local.get $pb) (local.get $acc3))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $loop16)))
        ;; then 4 at a time
        (block $done4 (loop $loop4
          (br_if $done4 (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $n)))
          (local.set $acc0 (v128.const i32x4 0 0 0 0))
          (local.set $pa (local.get $aRow))
          (local.set $pb (i32.add (local.get $bp) (i32.shl (local.get $j) (i32.const 2))))
          (local.set $kk (i32.const 0))
          (block $doneK4 (loop $loopK4
            (br_if $doneK4 (i32.ge_u (local.get $kk) (local.get $k)))
            (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (f32x4.splat (f32.load (local.get $pa))) (v128.load (local.get $pb)))))
            (local.set $pa (i32.add (local.get $pa) (local.get $stepA)))
            (local.set $pb (i32.add (local.get $pb) (local.get $rowB)))
            (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
            (br $loopK4)))
          (v128.store (i32.add (local.get $cRow) (i32.shl (local.get $j) (i32.const 2))) (local.get $acc0))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br $loop4)))
        ;; then the last columns one by one
        (block $done1 (loop $loop1
          (br_if $done1 (i32.ge_u (local.get $j) (local.get $n)))
          (local.set $s (f32.const 0))
          (local.set $pa (local.get $aRow))
          (local.set $pb (i32.add (local.get $bp) (i32.shl (local.get $j) (i32.const 2))))
          (local.set $kk (i32.const 0))
          (block $doneK1 (loop $loopK1
            (br_if $doneK1 (i32.ge_u (local.get $kk) (local.get $k)))
            (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (local.get $pa)) (f32.load (local.get $pb)))))
            (local.set $pa (i32.add (local.get $pa) (local.get $stepA)))
            (local.set $pb (i32.add (local.get $pb) (local.get $rowB)))
            (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
            (br $loopK1)))
          (f32.store (i32.add (local.get $cRow) (i32.shl (local.get $j) (i32.const 2))) (local.get $s))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $loop1)))
        (local.set $aRow (i32.add (local.get $aRow) (local.get $sai)))
        (local.set $cRow (i32.add (local.get $cRow) (local.get $rowB)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $loopI)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $loopT))))
  (func (export "bmm_nt")
    (param $a i32) (param $b i32) (param $c i32)
    (param $batch i32) (param $m i32) (param $k i32) (param $n i32)
    (param $sab i32) (param $sai i32) (param $sbb i32) (param $sbj i32)
    (local $t i32) (local $i i32) (local $j i32) (local $kk i32) (local $k4 i32)
    (local $aRow i32) (local $bRow i32) (local $bT i32) (local $pc i32)
    (local $acc v128) (local $s f32)
    (local.set $sab (i32.shl (local.get $sab) (i32.const 2)))
    (local.set $sai (i32.shl (local.get $sai) (i32.const 2)))
    (local.set $sbb (i32.shl (local.get $sbb) (i32.const 2)))
    (local.set $sbj (i32.shl (local.get $sbj) (i32.const 2)))
    (local.set $k4 (i32.and (local.get $k) (i32.const -4)))
    (local.set $pc (local.get $c))
    (block $doneT (loop $loopT
      (br_if $doneT (i32.ge_u (local.get $t) (local.get $batch)))
      (local.set $aRow (i32.add (local.get $a) (i32.mul (local.get $t) (local.get $sab))))
      (local.set $bT (i32.add (local.get $b) (i32.mul (local.get $t) (local.get $sbb))))
      (local.set $i (i32.const 0))
      (block $doneI (loop $loopI
        (br_if $doneI (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $bRow (local.get $bT))
        (local.set $j (i32.const 0))
        (block $doneJ (loop $loopJ
          (br_if $doneJ (i32.ge_u (local.get $j) (local.get $n)))
          (local.set $acc (v128.const i32x4 0 0 0 0))
          (local.set $kk (i32.const 0))
          (block $doneK (loop $loopK
            (br_if $doneK (i32.ge_u (local.get $kk) (local.get $k4)))
            (local.set $acc (f32x4.add (local.get $acc)
              (f32x4.mul (v128.load (i32.add (local.get $aRow) (i32.shl (local.get $kk) (i32.const 2))))
                         (v128.load (i32.add (local.get $bRow) (i32.shl (local.get $kk) (i32.const 2)))))))
            (local.set $kk (i32.add (local.get $kk) (i32.const 4)))
            (br $loopK)))
          (local.set $s (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
            (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
          (block $doneR (loop $loopR
            (br_if $doneR (i32.ge_u (local.get $kk) (local.get $k)))
            (local.set $s (f32.add (local.get $s)
              (f32.mul (f32.load (i32.add (local.get $aRow) (i32.shl (local.get $kk) (i32.const 2))))
                       (f32.load (i32.add (local.get $bRow) (i32.shl (local.get $kk) (i32.const 2)))))))
            (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
            (br $loopR)))
          (f32.store (local.get $pc) (local.get $s))
          (local.set $pc (i32.add (local.get $pc) (i32.const 4)))
          (local.set $bRow (i32.add (local.get $bRow) (local.get $sbj)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $loopJ)))
        (local.set $aRow (i32.add (local.get $aRow) (local.get $sai)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $loopI)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $loopT))))
)
