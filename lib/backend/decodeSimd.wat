;; Decode attention for tfjs-wasm, 128-bit SIMD: the source of the bytes in decodeSimdBytes.ts
;; (regenerate them with `node scripts/build-wasm-kernels.mjs`; used by lib/backend/decodeAttention.ts).
;;
;; One decode step of attention over a paged KV cache is, per group g (a batch row and KV head),
;;   S_g = Σ_terms Q_g · K_gᵀ   (n queries × t cached tokens, block by block)
;;   P_g = softmax(S_g · scale) along the tokens
;;   O_g = Σ_blocks P_g[:, block] · V_g,block
;; `scores`, `softmax` and `pv` are those three steps, each over every group at once, so the
;; kernel calls each once per cache block, not once per group. `rope_rows` and `copy_rows` make
;; MHA's new query, key and value rows (RoPE, the append to the last cache block) for the same step;
;; `silu_mul` is SwiGLU's gate times up (lib/backend/decodeFfn.ts).
;;
;; Pointers are byte offsets into tfjs-wasm's own memory; sizes and strides count float32
;; elements. Widths dk and dv are multiples of 4. Sums run over the width in four lanes that are
;; added at the end, so results equal a plain loop's up to the order of the additions.
(module
  (import "env" "memory" (memory 1))

  ;; Sum of the four lanes.
  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; The four dot products whose lanes are in a0..a3 as one vector (lane m = key j+m), stored at
  ;; $at (added to what is there with $accumulate).
  (func $store4 (param $at i32) (param $a0 v128) (param $a1 v128) (param $a2 v128) (param $a3 v128) (param $accumulate i32)
    (local $out v128)
    (local.set $out (f32x4.replace_lane 3
      (f32x4.replace_lane 2
        (f32x4.replace_lane 1
          (f32x4.splat (call $hsum (local.get $a0)))
          (call $hsum (local.get $a1)))
        (call $hsum (local.get $a2)))
      (call $hsum (local.get $a3))))
    (if (local.get $accumulate)
      (then (local.set $out (f32x4.add (v128.load (local.get $at)) (local.get $out)))))
    (v128.store (local.get $at) (local.get $out)))

  ;; One query against t keys, key after key (so the keys are read strictly in order, which the
  ;; hardware prefetcher follows best when they come from memory): s[j] (+)= q·k_j (+ q2·k2_j), each
  ;; dot product in four accumulators 16 numbers apart. Used by `scores` when a group has one query
  ;; (naive MLA's and MHA's heads), where the keys are streamed once and nothing is reused.
  (func $scores1 (param $q i32) (param $k i32) (param $s i32) (param $row i32) (param $t i32) (param $accumulate i32)
    (param $q2 i32) (param $k2 i32) (param $row2 i32)
    (local $j i32) (local $kk i32) (local $end i32) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $dot f32)
    (block $doneJ (loop $loopJ
      (br_if $doneJ (i32.ge_u (local.get $j) (local.get $t)))
      (local.set $a0 (v128.const i32x4 0 0 0 0))
      (local.set $a1 (v128.const i32x4 0 0 0 0))
      (local.set $a2 (v128.const i32x4 0 0 0 0))
      (local.set $a3 (v128.const i32x4 0 0 0 0))
      ;; the first term: 64 bytes at a time, then 16
      (local.set $kk (i32.const 0))
      (local.set $end (i32.and (local.get $row) (i32.const -64)))
      (block $d64 (loop $l64
        (br_if $d64 (i32.ge_u (local.get $kk) (local.get $end)))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load offset=0 (i32.add (local.get $q) (local.get $kk))) (v128.load offset=0 (i32.add (local.get $k) (local.get $kk))))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (i32.add (local.get $q) (local.get $kk))) (v128.load offset=16 (i32.add (local.get $k) (local.get $kk))))))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load offset=32 (i32.add (local.get $q) (local.get $kk))) (v128.load offset=32 (i32.add (local.get $k) (local.get $kk))))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load offset=48 (i32.add (local.get $q) (local.get $kk))) (v128.load offset=48 (i32.add (local.get $k) (local.get $kk))))))
        (local.set $kk (i32.add (local.get $kk) (i32.const 64)))
        (br $l64)))
      (block $d16 (loop $l16
        (br_if $d16 (i32.ge_u (local.get $kk) (local.get $row)))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (i32.add (local.get $q) (local.get $kk))) (v128.load (i32.add (local.get $k) (local.get $kk))))))
        (local.set $kk (i32.add (local.get $kk) (i32.const 16)))
        (br $l16)))
      ;; the second term, if any
      (local.set $kk (i32.const 0))
      (block $d2 (loop $l2
        (br_if $d2 (i32.ge_u (local.get $kk) (local.get $row2)))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load (i32.add (local.get $q2) (local.get $kk))) (v128.load (i32.add (local.get $k2) (local.get $kk))))))
        (local.set $kk (i32.add (local.get $kk) (i32.const 16)))
        (br $l2)))
      (local.set $dot (call $hsum (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3)))))
      (if (local.get $accumulate) (then (local.set $dot (f32.add (f32.load (local.get $s)) (local.get $dot)))))
      (f32.store (local.get $s) (local.get $dot))
      (local.set $s (i32.add (local.get $s) (i32.const 4)))
      (local.set $k (i32.add (local.get $k) (local.get $row)))
      (local.set $k2 (i32.add (local.get $k2) (local.get $row2)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $loopJ))))

  ;; S[i, j] (+)= Q[i, :] · K[j, :] + Q2[i, :] · K2[j, :] for every group: Q_g at q + g·qStride
  ;; (n×dk rows), K_g at k + g·kStride (t×dk rows); an optional second term (dk2 = 0: none) with
  ;; Q2_g at q2 + g·n·dk2, K2_g at k2 + g·t·dk2 goes into the same sums (MLA's rope term); S_g at s + g·n·ldS (rows of ldS; the caller offsets s to the block's
  ;; first column). Four keys at a time (each query vector loaded once serves four keys, and those
  ;; keys stay in L1 while every query passes over them), two queries at a time (each key vector
  ;; serves both); the last query and the last t mod 4 keys one at a time.
  (func (export "scores")
    (param $q i32) (param $k i32) (param $s i32)
    (param $groups i32) (param $n i32) (param $dk i32) (param $t i32) (param $ldS i32)
    (param $qStride i32) (param $kStride i32) (param $accumulate i32)
    (param $q2 i32) (param $k2 i32) (param $dk2 i32)
    (local $g i32) (local $i i32) (local $j i32) (local $kk i32) (local $row i32) (local $t4 i32)
    (local $qg i32) (local $kg i32) (local $sg i32) (local $qi i32) (local $k0 i32) (local $si i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $qv v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128) (local $qw v128) (local $kv v128)
    (local $row2 i32) (local $qg2 i32) (local $kg2 i32) (local $qi2 i32) (local $k02 i32)
    (local.set $row (i32.shl (local.get $dk) (i32.const 2)))
    (local.set $row2 (i32.shl (local.get $dk2) (i32.const 2)))
    (local.set $ldS (i32.shl (local.get $ldS) (i32.const 2)))
    (local.set $qStride (i32.shl (local.get $qStride) (i32.const 2)))
    (local.set $kStride (i32.shl (local.get $kStride) (i32.const 2)))
    (local.set $t4 (i32.and (local.get $t) (i32.const -4)))
    (block $doneG (loop $loopG
      (br_if $doneG (i32.ge_u (local.get $g) (local.get $groups)))
      (local.set $qg (i32.add (local.get $q) (i32.mul (local.get $g) (local.get $qStride))))
      (local.set $kg (i32.add (local.get $k) (i32.mul (local.get $g) (local.get $kStride))))
      (local.set $sg (i32.add (local.get $s) (i32.mul (i32.mul (local.get $g) (local.get $n)) (local.get $ldS))))
      (local.set $qg2 (i32.add (local.get $q2) (i32.mul (i32.mul (local.get $g) (local.get $n)) (local.get $row2))))
      (local.set $kg2 (i32.add (local.get $k2) (i32.mul (i32.mul (local.get $g) (local.get $t)) (local.get $row2))))
      (if (i32.eq (local.get $n) (i32.const 1))
        (then
          (call $scores1 (local.get $qg) (local.get $kg) (local.get $sg) (local.get $row) (local.get $t) (local.get $accumulate)
            (local.get $qg2) (local.get $kg2) (local.get $row2))
          (local.set $g (i32.add (local.get $g) (i32.const 1)))
          (br $loopG)))
      ;; four keys at a time
      (local.set $j (i32.const 0))
      (block $doneJ (loop $loopJ
        (br_if $doneJ (i32.ge_u (local.get $j) (local.get $t4)))
        (local.set $k0 (i32.add (local.get $kg) (i32.mul (local.get $j) (local.get $row))))
        (local.set $k02 (i32.add (local.get $kg2) (i32.mul (local.get $j) (local.get $row2))))
        (local.set $i (i32.const 0))
        ;; two queries at a time: six loads per eight products (each key vector serves both)
        (block $doneP (loop $loopP
          (br_if $doneP (i32.ge_u (i32.add (local.get $i) (i32.const 1)) (local.get $n)))
          (local.set $qi (i32.add (local.get $qg) (i32.mul (local.get $i) (local.get $row))))
          (local.set $a0 (v128.const i32x4 0 0 0 0))
          (local.set $a1 (v128.const i32x4 0 0 0 0))
          (local.set $a2 (v128.const i32x4 0 0 0 0))
          (local.set $a3 (v128.const i32x4 0 0 0 0))
          (local.set $b0 (v128.const i32x4 0 0 0 0))
          (local.set $b1 (v128.const i32x4 0 0 0 0))
          (local.set $b2 (v128.const i32x4 0 0 0 0))
          (local.set $b3 (v128.const i32x4 0 0 0 0))
          (local.set $kk (i32.const 0))
          (block $doneKP (loop $loopKP
            (br_if $doneKP (i32.ge_u (local.get $kk) (local.get $row)))
            (local.set $qv (v128.load (i32.add (local.get $qi) (local.get $kk))))
            (local.set $qw (v128.load (i32.add (i32.add (local.get $qi) (local.get $row)) (local.get $kk))))
            (local.set $kv (v128.load (i32.add (local.get $k0) (local.get $kk))))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $qv) (local.get $kv))))
            (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $qw) (local.get $kv))))
            (local.set $kv (v128.load (i32.add (i32.add (local.get $k0) (local.get $row)) (local.get $kk))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $qv) (local.get $kv))))
            (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $qw) (local.get $kv))))
            (local.set $kv (v128.load (i32.add (i32.add (local.get $k0) (i32.shl (local.get $row) (i32.const 1))) (local.get $kk))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $qv) (local.get $kv))))
            (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $qw) (local.get $kv))))
            (local.set $kv (v128.load (i32.add (i32.add (local.get $k0) (i32.mul (local.get $row) (i32.const 3))) (local.get $kk))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $qv) (local.get $kv))))
            (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $qw) (local.get $kv))))
            (local.set $kk (i32.add (local.get $kk) (i32.const 16)))
            (br $loopKP)))
          ;; the second score term, into the same sums
          (local.set $qi2 (i32.add (local.get $qg2) (i32.mul (local.get $i) (local.get $row2))))
          (local.set $kk (i32.const 0))
          (block $doneKP2 (loop $loopKP2
            (br_if $doneKP2 (i32.ge_u (local.get $kk) (local.get $row2)))
            (local.set $qv (v128.load (i32.add (local.get $qi2) (local.get $kk))))
            (local.set $qw (v128.load (i32.add (i32.add (local.get $qi2) (local.get $row2)) (local.get $kk))))
            (local.set $kv (v128.load (i32.add (local.get $k02) (local.get $kk))))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $qv) (local.get $kv))))
            (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $qw) (local.get $kv))))
            (local.set $kv (v128.load (i32.add (i32.add (local.get $k02) (local.get $row2)) (local.get $kk))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $qv) (local.get $kv))))
            (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $qw) (local.get $kv))))
            (local.set $kv (v128.load (i32.add (i32.add (local.get $k02) (i32.shl (local.get $row2) (i32.const 1))) (local.get $kk))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $qv) (local.get $kv))))
            (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $qw) (local.get $kv))))
            (local.set $kv (v128.load (i32.add (i32.add (local.get $k02) (i32.mul (local.get $row2) (i32.const 3))) (local.get $kk))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $qv) (local.get $kv))))
            (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $qw) (local.get $kv))))
            (local.set $kk (i32.add (local.get $kk) (i32.const 16)))
            (br $loopKP2)))
          (local.set $si (i32.add (i32.add (local.get $sg) (i32.mul (local.get $i) (local.get $ldS))) (i32.shl (local.get $j) (i32.const 2))))
          (call $store4 (local.get $si) (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3) (local.get $accumulate))
          (call $store4 (i32.add (local.get $si) (local.get $ldS)) (local.get $b0) (local.get $b1) (local.get $b2) (local.get $b3) (local.get $accumulate))
          (local.set $i (i32.add (local.get $i) (i32.const 2)))
          (br $loopP)))
        ;; the last query, if n is odd
        (block $doneI (loop $loopI
          (br_if $doneI (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $qi (i32.add (local.get $qg) (i32.mul (local.get $i) (local.get $row))))
          (local.set $a0 (v128.const i32x4 0 0 0 0))
          (local.set $a1 (v128.const i32x4 0 0 0 0))
          (local.set $a2 (v128.const i32x4 0 0 0 0))
          (local.set $a3 (v128.const i32x4 0 0 0 0))
          (local.set $kk (i32.const 0))
          (block $doneK (loop $loopK
            (br_if $doneK (i32.ge_u (local.get $kk) (local.get $row)))
            (local.set $qv (v128.load (i32.add (local.get $qi) (local.get $kk))))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $qv)
              (v128.load (i32.add (local.get $k0) (local.get $kk))))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $qv)
              (v128.load (i32.add (i32.add (local.get $k0) (local.get $row)) (local.get $kk))))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $qv)
              (v128.load (i32.add (i32.add (local.get $k0) (i32.shl (local.get $row) (i32.const 1))) (local.get $kk))))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $qv)
              (v128.load (i32.add (i32.add (local.get $k0) (i32.mul (local.get $row) (i32.const 3))) (local.get $kk))))))
            (local.set $kk (i32.add (local.get $kk) (i32.const 16)))
            (br $loopK)))
          (local.set $qi2 (i32.add (local.get $qg2) (i32.mul (local.get $i) (local.get $row2))))
          (local.set $kk (i32.const 0))
          (block $doneK2 (loop $loopK2
            (br_if $doneK2 (i32.ge_u (local.get $kk) (local.get $row2)))
            (local.set $qv (v128.load (i32.add (local.get $qi2) (local.get $kk))))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $qv)
              (v128.load (i32.add (local.get $k02) (local.get $kk))))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $qv)
              (v128.load (i32.add (i32.add (local.get $k02) (local.get $row2)) (local.get $kk))))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $qv)
              (v128.load (i32.add (i32.add (local.get $k02) (i32.shl (local.get $row2) (i32.const 1))) (local.get $kk))))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $qv)
              (v128.load (i32.add (i32.add (local.get $k02) (i32.mul (local.get $row2) (i32.const 3))) (local.get $kk))))))
            (local.set $kk (i32.add (local.get $kk) (i32.const 16)))
            (br $loopK2)))
          (local.set $si (i32.add (i32.add (local.get $sg) (i32.mul (local.get $i) (local.get $ldS))) (i32.shl (local.get $j) (i32.const 2))))
          (call $store4 (local.get $si) (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3) (local.get $accumulate))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $loopI)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $loopJ)))
      ;; the last keys one at a time
      (block $doneJ1 (loop $loopJ1
        (br_if $doneJ1 (i32.ge_u (local.get $j) (local.get $t)))
        (local.set $k0 (i32.add (local.get $kg) (i32.mul (local.get $j) (local.get $row))))
        (local.set $k02 (i32.add (local.get $kg2) (i32.mul (local.get $j) (local.get $row2))))
        (local.set $i (i32.const 0))
        (block $doneI1 (loop $loopI1
          (br_if $doneI1 (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $qi (i32.add (local.get $qg) (i32.mul (local.get $i) (local.get $row))))
          (local.set $a0 (v128.const i32x4 0 0 0 0))
          (local.set $kk (i32.const 0))
          (block $doneK1 (loop $loopK1
            (br_if $doneK1 (i32.ge_u (local.get $kk) (local.get $row)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul
              (v128.load (i32.add (local.get $qi) (local.get $kk)))
              (v128.load (i32.add (local.get $k0) (local.get $kk))))))
            (local.set $kk (i32.add (local.get $kk) (i32.const 16)))
            (br $loopK1)))
          (local.set $qi2 (i32.add (local.get $qg2) (i32.mul (local.get $i) (local.get $row2))))
          (local.set $kk (i32.const 0))
          (block $doneK12 (loop $loopK12
            (br_if $doneK12 (i32.ge_u (local.get $kk) (local.get $row2)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul
              (v128.load (i32.add (local.get $qi2) (local.get $kk)))
              (v128.load (i32.add (local.get $k02) (local.get $kk))))))
            (local.set $kk (i32.add (local.get $kk) (i32.const 16)))
            (br $loopK12)))
          (local.set $si (i32.add (i32.add (local.get $sg) (i32.mul (local.get $i) (local.get $ldS))) (i32.shl (local.get $j) (i32.const 2))))
          (f32.store (local.get $si)
            (if (result f32) (local.get $accumulate)
              (then (f32.add (f32.load (local.get $si)) (call $hsum (local.get $a0))))
              (else (call $hsum (local.get $a0)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $loopI1)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $loopJ1)))
      (local.set $g (i32.add (local.get $g) (i32.const 1)))
      (br $loopG))))

  ;; e^x lane by lane (Cephes' expf: x = m·ln2 + r with |r| ≤ ln2/2, e^r by a degree-6 polynomial,
  ;; 2^m by the exponent bits; about 1 ulp). x is clamped to [-87, 88], where 2^m stays a normal float.
  ;; m comes from adding 1.5·2^23, which rounds x·log2(e) to the nearest integer and leaves it in the
  ;; low mantissa bits (cheaper in wasm than nearest + a saturating conversion); pmin/pmax are plain
  ;; minps/maxps (no NaN comes in: scores are finite).
  (func $exp4 (param $x v128) (result v128)
    (local $n v128) (local $m v128) (local $r v128) (local $p v128)
    (local.set $x (f32x4.pmin (f32x4.splat (f32.const 88)) (f32x4.pmax (f32x4.splat (f32.const -87)) (local.get $x))))
    (local.set $n (f32x4.add (f32x4.mul (local.get $x) (f32x4.splat (f32.const 1.44269504088896341))) (f32x4.splat (f32.const 12582912))))
    (local.set $m (f32x4.sub (local.get $n) (f32x4.splat (f32.const 12582912))))
    ;; r = x − m·ln2, ln2 in two parts so that m·C1 is exact
    (local.set $r (f32x4.sub
      (f32x4.sub (local.get $x) (f32x4.mul (local.get $m) (f32x4.splat (f32.const 0.693359375))))
      (f32x4.mul (local.get $m) (f32x4.splat (f32.const -2.12194440e-4)))))
    (local.set $p (f32x4.splat (f32.const 1.9875691500e-4)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.3981999507e-3))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 8.3334519073e-3))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 4.1665795894e-2))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.6666665459e-1))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 5.0000001201e-1))))
    ;; e^r = 1 + r + r²·p
    (local.set $p (f32x4.add
      (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $r)) (local.get $r)) (local.get $r))
      (f32x4.splat (f32.const 1))))
    ;; 2^m: (m + 127) << 23, m read from n's low bits (the shift drops n's exponent bits)
    (f32x4.mul (local.get $p)
      (i32x4.shl (i32x4.add (local.get $n) (i32x4.splat (i32.const 127))) (i32.const 23))))

  ;; Each of `rows` rows of length t (stride ldS), in place: e^((s − max s)·scale) / Σ e^((s − max s)·scale)
  ;; (scale > 0, so the largest score is the largest scaled one): one pass for the maximum, one
  ;; for the exponentials and their sum, one multiplying by the sum's reciprocal.
  (func (export "softmax") (param $s i32) (param $rows i32) (param $t i32) (param $ldS i32) (param $scale f32)
    (local $r i32) (local $j i32) (local $t4 i32) (local $bytes i32) (local $p i32)
    (local $sc v128) (local $mx v128) (local $sum v128) (local $e v128) (local $m f32) (local $tot f32) (local $x f32)
    (local.set $sc (f32x4.splat (local.get $scale)))
    (local.set $ldS (i32.shl (local.get $ldS) (i32.const 2)))
    (local.set $bytes (i32.shl (local.get $t) (i32.const 2)))
    (local.set $t4 (i32.shl (i32.and (local.get $t) (i32.const -4)) (i32.const 2)))
    (block $doneR (loop $loopR
      (br_if $doneR (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $p (i32.add (local.get $s) (i32.mul (local.get $r) (local.get $ldS))))
      ;; the largest score
      (local.set $mx (f32x4.splat (f32.const -inf)))
      (local.set $m (f32.const -inf))
      (local.set $j (i32.const 0))
      (block $d1 (loop $l1
        (br_if $d1 (i32.ge_u (local.get $j) (local.get $t4)))
        (local.set $mx (f32x4.pmax (local.get $mx) (v128.load (i32.add (local.get $p) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $l1)))
      (block $d1b (loop $l1b
        (br_if $d1b (i32.ge_u (local.get $j) (local.get $bytes)))
        (local.set $m (f32.max (local.get $m) (f32.load (i32.add (local.get $p) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $l1b)))
      (local.set $m (f32.max (local.get $m)
        (f32.max (f32.max (f32x4.extract_lane 0 (local.get $mx)) (f32x4.extract_lane 1 (local.get $mx)))
                 (f32.max (f32x4.extract_lane 2 (local.get $mx)) (f32x4.extract_lane 3 (local.get $mx))))))
      (local.set $mx (f32x4.splat (local.get $m)))
      ;; exponentials and their sum
      (local.set $sum (v128.const i32x4 0 0 0 0))
      (local.set $tot (f32.const 0))
      (local.set $j (i32.const 0))
      (block $d2 (loop $l2
        (br_if $d2 (i32.ge_u (local.get $j) (local.get $t4)))
        (local.set $e (call $exp4 (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $p) (local.get $j))) (local.get $mx)) (local.get $sc))))
        (v128.store (i32.add (local.get $p) (local.get $j)) (local.get $e))
        (local.set $sum (f32x4.add (local.get $sum) (local.get $e)))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $l2)))
      (block $d2b (loop $l2b
        (br_if $d2b (i32.ge_u (local.get $j) (local.get $bytes)))
        (local.set $x (f32x4.extract_lane 0 (call $exp4 (f32x4.splat
          (f32.mul (f32.sub (f32.load (i32.add (local.get $p) (local.get $j))) (local.get $m)) (local.get $scale))))))
        (f32.store (i32.add (local.get $p) (local.get $j)) (local.get $x))
        (local.set $tot (f32.add (local.get $tot) (local.get $x)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $l2b)))
      (local.set $tot (f32.div (f32.const 1) (f32.add (local.get $tot) (call $hsum (local.get $sum)))))
      (local.set $sum (f32x4.splat (local.get $tot)))
      ;; normalise
      (local.set $j (i32.const 0))
      (block $d3 (loop $l3
        (br_if $d3 (i32.ge_u (local.get $j) (local.get $t4)))
        (v128.store (i32.add (local.get $p) (local.get $j))
          (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $j))) (local.get $sum)))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $l3)))
      (block $d3b (loop $l3b
        (br_if $d3b (i32.ge_u (local.get $j) (local.get $bytes)))
        (f32.store (i32.add (local.get $p) (local.get $j))
          (f32.mul (f32.load (i32.add (local.get $p) (local.get $j))) (local.get $tot)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $l3b)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $loopR))))

  ;; O[i, :] += Σ_j P[i, j] · V[j, :] for every group: P_g at p + g·n·ldP (the caller offsets p to
  ;; the block's first column), V_g at v + g·vStride (t×dv rows), O_g at o + g·n·dv (the caller
  ;; zeroes O before the first block). Sixteen output columns at a time, every query over that
  ;; slice of V (16 columns × t tokens stay in L1), two queries at a time (each V vector serves
  ;; both); then the last query, and the last dv mod 16 columns four at a time.
  (func (export "pv")
    (param $p i32) (param $v i32) (param $o i32)
    (param $groups i32) (param $n i32) (param $t i32) (param $dv i32) (param $ldP i32) (param $vStride i32)
    (local $g i32) (local $i i32) (local $j i32) (local $c i32) (local $row i32) (local $c16 i32)
    (local $pg i32) (local $vg i32) (local $og i32) (local $pi i32) (local $oi i32) (local $vj i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $w v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128) (local $w2 v128) (local $x v128) (local $pe i32)
    (local.set $row (i32.shl (local.get $dv) (i32.const 2)))
    (local.set $ldP (i32.shl (local.get $ldP) (i32.const 2)))
    (local.set $vStride (i32.shl (local.get $vStride) (i32.const 2)))
    (local.set $c16 (i32.and (local.get $row) (i32.const -64)))
    (block $doneG (loop $loopG
      (br_if $doneG (i32.ge_u (local.get $g) (local.get $groups)))
      (local.set $pg (i32.add (local.get $p) (i32.mul (i32.mul (local.get $g) (local.get $n)) (local.get $ldP))))
      (local.set $vg (i32.add (local.get $v) (i32.mul (local.get $g) (local.get $vStride))))
      (local.set $og (i32.add (local.get $o) (i32.mul (i32.mul (local.get $g) (local.get $n)) (local.get $row))))
      (local.set $c (i32.const 0))
      (block $doneC (loop $loopC
        (br_if $doneC (i32.ge_u (local.get $c) (local.get $c16)))
        (local.set $i (i32.const 0))
        ;; two queries at a time: each V vector loaded once serves both
        (block $doneP (loop $loopP
          (br_if $doneP (i32.ge_u (i32.add (local.get $i) (i32.const 1)) (local.get $n)))
          (local.set $pi (i32.add (local.get $pg) (i32.mul (local.get $i) (local.get $ldP))))
          (local.set $oi (i32.add (i32.add (local.get $og) (i32.mul (local.get $i) (local.get $row))) (local.get $c)))
          (local.set $a0 (v128.load offset=0 (local.get $oi)))
          (local.set $a1 (v128.load offset=16 (local.get $oi)))
          (local.set $a2 (v128.load offset=32 (local.get $oi)))
          (local.set $a3 (v128.load offset=48 (local.get $oi)))
          (local.set $b0 (v128.load offset=0 (i32.add (local.get $oi) (local.get $row))))
          (local.set $b1 (v128.load offset=16 (i32.add (local.get $oi) (local.get $row))))
          (local.set $b2 (v128.load offset=32 (i32.add (local.get $oi) (local.get $row))))
          (local.set $b3 (v128.load offset=48 (i32.add (local.get $oi) (local.get $row))))
          (local.set $vj (i32.add (local.get $vg) (local.get $c)))
          (local.set $pe (i32.add (local.get $pi) (i32.shl (local.get $t) (i32.const 2))))
          (block $doneJP (loop $loopJP
            (br_if $doneJP (i32.ge_u (local.get $pi) (local.get $pe)))
            (local.set $w (v128.load32_splat (local.get $pi)))
            (local.set $w2 (v128.load32_splat (i32.add (local.get $pi) (local.get $ldP))))
            (local.set $x (v128.load offset=0 (local.get $vj)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w) (local.get $x))))
            (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $w2) (local.get $x))))
            (local.set $x (v128.load offset=16 (local.get $vj)))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w) (local.get $x))))
            (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $w2) (local.get $x))))
            (local.set $x (v128.load offset=32 (local.get $vj)))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $w) (local.get $x))))
            (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $w2) (local.get $x))))
            (local.set $x (v128.load offset=48 (local.get $vj)))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $w) (local.get $x))))
            (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $w2) (local.get $x))))
            (local.set $vj (i32.add (local.get $vj) (local.get $row)))
            (local.set $pi (i32.add (local.get $pi) (i32.const 4)))
            (br $loopJP)))
          (v128.store offset=0 (local.get $oi) (local.get $a0))
          (v128.store offset=16 (local.get $oi) (local.get $a1))
          (v128.store offset=32 (local.get $oi) (local.get $a2))
          (v128.store offset=48 (local.get $oi) (local.get $a3))
          (v128.store offset=0 (i32.add (local.get $oi) (local.get $row)) (local.get $b0))
          (v128.store offset=16 (i32.add (local.get $oi) (local.get $row)) (local.get $b1))
          (v128.store offset=32 (i32.add (local.get $oi) (local.get $row)) (local.get $b2))
          (v128.store offset=48 (i32.add (local.get $oi) (local.get $row)) (local.get $b3))
          (local.set $i (i32.add (local.get $i) (i32.const 2)))
          (br $loopP)))
        ;; the last query, if n is odd
        (block $doneI (loop $loopI
          (br_if $doneI (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $pi (i32.add (local.get $pg) (i32.mul (local.get $i) (local.get $ldP))))
          (local.set $oi (i32.add (i32.add (local.get $og) (i32.mul (local.get $i) (local.get $row))) (local.get $c)))
          (local.set $a0 (v128.load offset=0 (local.get $oi)))
          (local.set $a1 (v128.load offset=16 (local.get $oi)))
          (local.set $a2 (v128.load offset=32 (local.get $oi)))
          (local.set $a3 (v128.load offset=48 (local.get $oi)))
          (local.set $vj (i32.add (local.get $vg) (local.get $c)))
          (local.set $j (i32.const 0))
          (block $doneJ (loop $loopJ
            (br_if $doneJ (i32.ge_u (local.get $j) (local.get $t)))
            (local.set $w (v128.load32_splat (i32.add (local.get $pi) (i32.shl (local.get $j) (i32.const 2)))))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $w) (v128.load offset=0 (local.get $vj)))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $w) (v128.load offset=16 (local.get $vj)))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $w) (v128.load offset=32 (local.get $vj)))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $w) (v128.load offset=48 (local.get $vj)))))
            (local.set $vj (i32.add (local.get $vj) (local.get $row)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $loopJ)))
          (v128.store offset=0 (local.get $oi) (local.get $a0))
          (v128.store offset=16 (local.get $oi) (local.get $a1))
          (v128.store offset=32 (local.get $oi) (local.get $a2))
          (v128.store offset=48 (local.get $oi) (local.get $a3))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $loopI)))
        (local.set $c (i32.add (local.get $c) (i32.const 64)))
        (br $loopC)))
      ;; the last dv mod 16 columns, four at a time
      (block $doneC4 (loop $loopC4
        (br_if $doneC4 (i32.ge_u (local.get $c) (local.get $row)))
        (local.set $i (i32.const 0))
        (block $doneI4 (loop $loopI4
          (br_if $doneI4 (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $pi (i32.add (local.get $pg) (i32.mul (local.get $i) (local.get $ldP))))
          (local.set $oi (i32.add (i32.add (local.get $og) (i32.mul (local.get $i) (local.get $row))) (local.get $c)))
          (local.set $a0 (v128.load (local.get $oi)))
          (local.set $vj (i32.add (local.get $vg) (local.get $c)))
          (local.set $j (i32.const 0))
          (block $doneJ4 (loop $loopJ4
            (br_if $doneJ4 (i32.ge_u (local.get $j) (local.get $t)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul
              (v128.load32_splat (i32.add (local.get $pi) (i32.shl (local.get $j) (i32.const 2))))
              (v128.load (local.get $vj)))))
            (local.set $vj (i32.add (local.get $vj) (local.get $row)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $loopJ4)))
          (v128.store (local.get $oi) (local.get $a0))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $loopI4)))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br $loopC4)))
      (local.set $g (i32.add (local.get $g) (i32.const 1)))
      (br $loopG))))

  ;; Rows of width d (d % 4 == 0) picked out of a packed projection into contiguous places: row r
  ;; comes from src + (r / perRow)·srcStride + (r mod perRow)·headStride and goes to dst + r·dstStride.
  ;; With $rotate, RoPE at one position: out = x·cos + turn(x)·sin, turn(x) = (−x₁, x₀, −x₃, x₂, …),
  ;; cos/sin that position's [d] rows (each pair's angle on both lanes) — the same arithmetic as
  ;; fusedSimd.wat's rope; without, a copy. (A decode step's q and new k, v out of x·[Wq|Wk|Wv];
  ;; MLA's rope parts of q and of x·W_KR.)
  (func (export "rope_rows")
    (param $src i32) (param $dst i32) (param $rows i32) (param $d i32) (param $perRow i32) (param $headStride i32)
    (param $srcStride i32) (param $dstStride i32) (param $cos i32) (param $sin i32) (param $rotate i32)
    (local $r i32) (local $i i32) (local $bytes i32) (local $from i32) (local $to i32) (local $xv v128)
    (local.set $bytes (i32.shl (local.get $d) (i32.const 2)))
    (local.set $srcStride (i32.shl (local.get $srcStride) (i32.const 2)))
    (local.set $dstStride (i32.shl (local.get $dstStride) (i32.const 2)))
    (local.set $headStride (i32.shl (local.get $headStride) (i32.const 2)))
    (block $doneR (loop $loopR
      (br_if $doneR (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $from (i32.add (local.get $src) (i32.add
        (i32.mul (i32.div_u (local.get $r) (local.get $perRow)) (local.get $srcStride))
        (i32.mul (i32.rem_u (local.get $r) (local.get $perRow)) (local.get $headStride)))))
      (local.set $to (i32.add (local.get $dst) (i32.mul (local.get $r) (local.get $dstStride))))
      (local.set $i (i32.const 0))
      (block $doneI (loop $loopI
        (br_if $doneI (i32.ge_u (local.get $i) (local.get $bytes)))
        (local.set $xv (v128.load (i32.add (local.get $from) (local.get $i))))
        (if (local.get $rotate)
          (then (local.set $xv (f32x4.add
            (f32x4.mul (local.get $xv) (v128.load (i32.add (local.get $cos) (local.get $i))))
            (f32x4.mul
              (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $xv) (local.get $xv))
              (f32x4.mul (v128.const f32x4 -1 1 -1 1) (v128.load (i32.add (local.get $sin) (local.get $i)))))))))
        (v128.store (i32.add (local.get $to) (local.get $i)) (local.get $xv))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $loopI)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $loopR))))

  ;; Group g's n floats (n % 4 == 0) from src + g·n to dst + g·dstStride: a cache block's tokens
  ;; copied into the block that extends it by one.
  (func (export "copy_rows") (param $src i32) (param $dst i32) (param $groups i32) (param $n i32) (param $dstStride i32)
    (local $g i32) (local $i i32) (local $bytes i32)
    (local.set $bytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $dstStride (i32.shl (local.get $dstStride) (i32.const 2)))
    (block $doneG (loop $loopG
      (br_if $doneG (i32.ge_u (local.get $g) (local.get $groups)))
      (local.set $i (i32.const 0))
      (block $doneI (loop $loopI
        (br_if $doneI (i32.ge_u (local.get $i) (local.get $bytes)))
        (v128.store (i32.add (local.get $dst) (local.get $i)) (v128.load (i32.add (local.get $src) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $loopI)))
      (local.set $src (i32.add (local.get $src) (local.get $bytes)))
      (local.set $dst (i32.add (local.get $dst) (local.get $dstStride)))
      (local.set $g (i32.add (local.get $g) (i32.const 1)))
      (br $loopG))))

  ;; SwiGLU's middle at decode: row r of src holds [g (h numbers) | u (h numbers)] (x·[W1 | W3]);
  ;; dst row r = (g·sigmoid(g))·u, sigmoid(g) = 1 / (1 + e^(−g)), h % 4 == 0.
  (func (export "silu_mul") (param $src i32) (param $dst i32) (param $rows i32) (param $h i32)
    (local $r i32) (local $i i32) (local $bytes i32) (local $g v128)
    (local.set $bytes (i32.shl (local.get $h) (i32.const 2)))
    (block $doneR (loop $loopR
      (br_if $doneR (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $i (i32.const 0))
      (block $doneI (loop $loopI
        (br_if $doneI (i32.ge_u (local.get $i) (local.get $bytes)))
        (local.set $g (v128.load (i32.add (local.get $src) (local.get $i))))
        (v128.store (i32.add (local.get $dst) (local.get $i))
          (f32x4.mul
            (f32x4.mul (local.get $g)
              (f32x4.div (f32x4.splat (f32.const 1))
                (f32x4.add (f32x4.splat (f32.const 1)) (call $exp4 (f32x4.neg (local.get $g))))))
            (v128.load (i32.add (i32.add (local.get $src) (local.get $bytes)) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $loopI)))
      (local.set $src (i32.add (local.get $src) (i32.shl (local.get $bytes) (i32.const 1))))
      (local.set $dst (i32.add (local.get $dst) (local.get $bytes)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $loopR))))
)
