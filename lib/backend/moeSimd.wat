;; An MoE layer's routing and expert products for tfjs-wasm, 128-bit SIMD: the source of the bytes
;; in moeSimdBytes.ts (regenerate them with `node scripts/build-wasm-kernels.mjs`; used by
;; lib/backend/routeKernel.ts and lib/backend/expertKernels.ts).
;;
;; Pointers are byte offsets into tfjs-wasm's own memory; sizes count elements. Every sum is taken
;; in the order the composite ops take it (tf.sum, SeekLab's SIMD matMul: one output is 0 + a₀b₀ +
;; a₁b₁ + … in order, no fused multiply-add), so the results are the same numbers, bit for bit.
(module
  (import "env" "memory" (memory 1))
  ;; Where $touch leaves the sum of what it read, so that no engine can drop the reads.
  (global $sink (mut i32) (i32.const 0))

  ;; 1 when all n float32 values at $p are finite (x − x is 0 exactly for finite x, NaN otherwise).
  (func (export "all_finite") (param $p i32) (param $n i32) (result i32)
    (local $end i32) (local $v v128)
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $v (v128.load (local.get $p)))
      (if (i32.eqz (i32x4.all_true (f32x4.eq (f32x4.sub (local.get $v) (local.get $v)) (v128.const f32x4 0 0 0 0))))
        (then (return (i32.const 0))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $l)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $done1 (loop $l1
      (br_if $done1 (i32.ge_u (local.get $p) (local.get $end)))
      (if (f32.ne (f32.sub (f32.load (local.get $p)) (f32.load (local.get $p))) (f32.const 0))
        (then (return (i32.const 0))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $l1)))
    (i32.const 1))

  ;; 1 when any of the n float32 values at $p is NaN.
  (func (export "has_nan") (param $p i32) (param $n i32) (result i32)
    (local $end i32) (local $v v128)
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $v (v128.load (local.get $p)))
      (if (v128.any_true (f32x4.ne (local.get $v) (local.get $v))) (then (return (i32.const 1))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $l)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $n) (i32.const 3)) (i32.const 2))))
    (block $done1 (loop $l1
      (br_if $done1 (i32.ge_u (local.get $p) (local.get $end)))
      (if (f32.ne (f32.load (local.get $p)) (f32.load (local.get $p))) (then (return (i32.const 1))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $l1)))
    (i32.const 0))

  ;; Offers (v, j) to a list of at most $cap (value, index) pairs kept best first; returns the new
  ;; length. A value equal to one already kept goes after it: scanning j upward, ties keep the
  ;; lower index first, tf.topk's rule.
  (func $offer (param $vals i32) (param $idxs i32) (param $have i32) (param $cap i32) (param $v f32) (param $j i32) (result i32)
    (local $p i32) (local $q i32)
    (if (i32.lt_u (local.get $have) (local.get $cap))
      (then
        (local.set $p (local.get $have))
        (local.set $have (i32.add (local.get $have) (i32.const 1))))
      (else
        (if (i32.eqz (f32.gt (local.get $v) (f32.load (i32.add (local.get $vals) (i32.shl (i32.sub (local.get $cap) (i32.const 1)) (i32.const 2))))))
          (then (return (local.get $have))))
        (local.set $p (i32.sub (local.get $cap) (i32.const 1)))))
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $p)))
      (local.set $q (i32.shl (i32.sub (local.get $p) (i32.const 1)) (i32.const 2)))
      (br_if $done (i32.eqz (f32.lt (f32.load (i32.add (local.get $vals) (local.get $q))) (local.get $v))))
      (f32.store (i32.add (local.get $vals) (i32.add (local.get $q) (i32.const 4))) (f32.load (i32.add (local.get $vals) (local.get $q))))
      (i32.store (i32.add (local.get $idxs) (i32.add (local.get $q) (i32.const 4))) (i32.load (i32.add (local.get $idxs) (local.get $q))))
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (br $l)))
    (f32.store (i32.add (local.get $vals) (i32.shl (local.get $p) (i32.const 2))) (local.get $v))
    (i32.store (i32.add (local.get $idxs) (i32.shl (local.get $p) (i32.const 2))) (local.get $j))
    (local.get $have))

  ;; Offers sel[from..to) in order; once the list is full, four values at a time are skipped when
  ;; none beats the last kept one (most of them, for k ≪ n). (Also skipping, while the list fills,
  ;; values below the smallest of 8 lane-wise maxima offered 2× fewer values but ran 20% slower.)
  (func $scan (param $sel i32) (param $from i32) (param $to i32) (param $vals i32) (param $idxs i32) (param $have i32) (param $cap i32) (result i32)
    (local $j i32) (local $last i32)
    (local.set $j (local.get $from))
    (local.set $last (i32.add (local.get $vals) (i32.shl (i32.sub (local.get $cap) (i32.const 1)) (i32.const 2))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $j) (local.get $to)))
      (if (i32.and (i32.eq (local.get $have) (local.get $cap)) (i32.le_u (i32.add (local.get $j) (i32.const 4)) (local.get $to)))
        (then
          (if (i32.eqz (v128.any_true (f32x4.gt
                (v128.load (i32.add (local.get $sel) (i32.shl (local.get $j) (i32.const 2))))
                (f32x4.splat (f32.load (local.get $last))))))
            (then
              (local.set $j (i32.add (local.get $j) (i32.const 4)))
              (br $l)))))
      (local.set $have (call $offer (local.get $vals) (local.get $idxs) (local.get $have) (local.get $cap)
        (f32.load (i32.add (local.get $sel) (i32.shl (local.get $j) (i32.const 2)))) (local.get $j)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $l)))
    (local.get $have))

  ;; For k ≤ 8 the list is eight lanes in two vectors each for values and indices (at $list and
  ;; $list + 32), best first, lanes past k unused, −∞ when empty. $ins8 puts (v, j) after every
  ;; value ≥ v without a branch: lane i keeps its value where it is ≥ v, takes v where the lane
  ;; before it (or none) does, and the lane before's value otherwise. A v not above lane k − 1
  ;; changes only the unused lanes, so a block of four with one candidate inserts all four.
  (func $ins8 (param $list i32) (param $v f32) (param $j i32)
    (local $a v128) (local $b v128) (local $ia v128) (local $ib v128) (local $vs v128) (local $js v128)
    (local $geA v128) (local $geB v128) (local $prevA v128) (local $prevB v128)
    (local.set $a (v128.load (local.get $list)))
    (local.set $b (v128.load offset=16 (local.get $list)))
    (local.set $ia (v128.load offset=32 (local.get $list)))
    (local.set $ib (v128.load offset=48 (local.get $list)))
    (local.set $vs (f32x4.splat (local.get $v)))
    (local.set $js (i32x4.splat (local.get $j)))
    (local.set $geA (f32x4.ge (local.get $a) (local.get $vs)))
    (local.set $geB (f32x4.ge (local.get $b) (local.get $vs)))
    ;; [1, geA0, geA1, geA2] and [geA3, geB0, geB1, geB2]
    (local.set $prevA (i8x16.shuffle 16 17 18 19 0 1 2 3 4 5 6 7 8 9 10 11 (local.get $geA) (v128.const i32x4 -1 -1 -1 -1)))
    (local.set $prevB (i8x16.shuffle 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 (local.get $geA) (local.get $geB)))
    (v128.store offset=16 (local.get $list) (v128.bitselect (local.get $b)
      (v128.bitselect (local.get $vs) (i8x16.shuffle 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 (local.get $a) (local.get $b)) (local.get $prevB))
      (local.get $geB)))
    (v128.store (local.get $list) (v128.bitselect (local.get $a)
      (v128.bitselect (local.get $vs) (i8x16.shuffle 0 1 2 3 0 1 2 3 4 5 6 7 8 9 10 11 (local.get $a) (local.get $a)) (local.get $prevA))
      (local.get $geA)))
    (v128.store offset=48 (local.get $list) (v128.bitselect (local.get $ib)
      (v128.bitselect (local.get $js) (i8x16.shuffle 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 (local.get $ia) (local.get $ib)) (local.get $prevB))
      (local.get $geB)))
    (v128.store offset=32 (local.get $list) (v128.bitselect (local.get $ia)
      (v128.bitselect (local.get $js) (i8x16.shuffle 0 1 2 3 0 1 2 3 4 5 6 7 8 9 10 11 (local.get $ia) (local.get $ia)) (local.get $prevA))
      (local.get $geA))))

  ;; $ins8 when v is above lane k − 1 (byte offset $last).
  (func $ins8if (param $list i32) (param $last i32) (param $v f32) (param $j i32)
    (if (f32.gt (local.get $v) (f32.load (i32.add (local.get $list) (local.get $last))))
      (then (call $ins8 (local.get $list) (local.get $v) (local.get $j)))))

  ;; $scan for k ≤ 8 with $ins8: a block of four is skipped unless one of its values is above
  ;; lane k − 1 (read through $last, the byte offset of that lane); the last E mod 4 one by one.
  (func $scan8 (param $sel i32) (param $from i32) (param $to i32) (param $list i32) (param $last i32)
    (local $j i32) (local $p i32)
    (local.set $j (local.get $from))
    (block $done (loop $l
      (br_if $done (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $to)))
      (local.set $p (i32.add (local.get $sel) (i32.shl (local.get $j) (i32.const 2))))
      (if (v128.any_true (f32x4.gt (v128.load (local.get $p)) (f32x4.splat (f32.load (i32.add (local.get $list) (local.get $last))))))
        (then
          (call $ins8if (local.get $list) (local.get $last) (f32.load (local.get $p)) (local.get $j))
          (call $ins8if (local.get $list) (local.get $last) (f32.load offset=4 (local.get $p)) (i32.add (local.get $j) (i32.const 1)))
          (call $ins8if (local.get $list) (local.get $last) (f32.load offset=8 (local.get $p)) (i32.add (local.get $j) (i32.const 2)))
          (call $ins8if (local.get $list) (local.get $last) (f32.load offset=12 (local.get $p)) (i32.add (local.get $j) (i32.const 3)))))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $l)))
    (block $done1 (loop $l1
      (br_if $done1 (i32.ge_u (local.get $j) (local.get $to)))
      (call $ins8 (local.get $list) (f32.load (i32.add (local.get $sel) (i32.shl (local.get $j) (i32.const 2)))) (local.get $j))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $l1))))

  ;; The k best of sel[from..to), added to the list: $scan8 for k ≤ 8, else $scan.
  (func $take (param $sel i32) (param $from i32) (param $to i32) (param $vals i32) (param $idxs i32) (param $have i32) (param $K i32) (result i32)
    (if (i32.le_u (local.get $K) (i32.const 8))
      (then
        (call $scan8 (local.get $sel) (local.get $from) (local.get $to) (local.get $vals) (i32.shl (i32.sub (local.get $K) (i32.const 1)) (i32.const 2)))
        (return (local.get $K))))
    (call $scan (local.get $sel) (local.get $from) (local.get $to) (local.get $vals) (local.get $idxs) (local.get $have) (local.get $K)))

  ;; DeepSeek-V3's gate after the scores (lib/moe/gate.ts): for each of T rows of E scores,
  ;; sel = s + bias (if $hasBias); with group limiting (nGroups > 1, topKGroups < nGroups) a group
  ;; scores its best sel (no bias) or its two best added (bias), the best topKGroups groups stay
  ;; eligible; the K best eligible sel → outIdx [T, K] (best first, ties to the lower index); their
  ;; unbiased s → outW, divided by (Σ s + epsK) after adding eps to each when $normalize (sigmoid),
  ;; then times $scale. $tmp holds E + 2·nGroups + 2·topKGroups + 2·max(K, 8) words.
  (func (export "route")
    (param $s i32) (param $bias i32) (param $hasBias i32) (param $T i32) (param $E i32) (param $K i32)
    (param $nGroups i32) (param $topKGroups i32) (param $normalize i32) (param $scale f32) (param $eps f32) (param $epsK f32)
    (param $outIdx i32) (param $outW i32) (param $tmp i32)
    (local $t i32) (local $j i32) (local $g i32) (local $per i32) (local $have i32) (local $gHave i32)
    (local $row i32) (local $sel i32) (local $gScore i32) (local $gVals i32) (local $gIdx i32) (local $keep i32)
    (local $vals i32) (local $idxs i32) (local $e4 i32) (local $grouped i32)
    (local $m1 f32) (local $m2 f32) (local $v f32) (local $sum f32) (local $p f32)
    (local.set $gScore (i32.add (local.get $tmp) (i32.shl (local.get $E) (i32.const 2))))
    (local.set $keep (i32.add (local.get $gScore) (i32.shl (local.get $nGroups) (i32.const 2))))
    (local.set $gVals (i32.add (local.get $keep) (i32.shl (local.get $nGroups) (i32.const 2))))
    (local.set $gIdx (i32.add (local.get $gVals) (i32.shl (local.get $topKGroups) (i32.const 2))))
    (local.set $vals (i32.add (local.get $gIdx) (i32.shl (local.get $topKGroups) (i32.const 2))))
    (local.set $idxs (i32.add (local.get $vals) (select (i32.const 32) (i32.shl (local.get $K) (i32.const 2)) (i32.le_u (local.get $K) (i32.const 8)))))
    (local.set $e4 (i32.and (local.get $E) (i32.const -4)))
    (local.set $per (i32.div_u (local.get $E) (local.get $nGroups)))
    (local.set $grouped (i32.and (i32.gt_u (local.get $nGroups) (i32.const 1)) (i32.lt_u (local.get $topKGroups) (local.get $nGroups))))
    (block $doneT (loop $loopT
      (br_if $doneT (i32.ge_u (local.get $t) (local.get $T)))
      (local.set $row (i32.add (local.get $s) (i32.shl (i32.mul (local.get $t) (local.get $E)) (i32.const 2))))
      ;; sel: the biased scores, for choosing only
      (local.set $sel (local.get $row))
      (if (local.get $hasBias) (then
        (local.set $sel (local.get $tmp))
        (local.set $j (i32.const 0))
        (block $doneB (loop $loopB
          (br_if $doneB (i32.ge_u (local.get $j) (local.get $e4)))
          (v128.store (i32.add (local.get $tmp) (i32.shl (local.get $j) (i32.const 2)))
            (f32x4.add (v128.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2))))
                       (v128.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))))))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br $loopB)))
        (block $doneB1 (loop $loopB1
          (br_if $doneB1 (i32.ge_u (local.get $j) (local.get $E)))
          (f32.store (i32.add (local.get $tmp) (i32.shl (local.get $j) (i32.const 2)))
            (f32.add (f32.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2))))
                     (f32.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $loopB1)))))
      (local.set $have (i32.const 0))
      (if (i32.le_u (local.get $K) (i32.const 8)) (then
        (v128.store (local.get $vals) (v128.const f32x4 -inf -inf -inf -inf))
        (v128.store offset=16 (local.get $vals) (v128.const f32x4 -inf -inf -inf -inf))))
      (if (local.get $grouped)
        (then
          ;; score each group, keep the best topKGroups (ties: lower group), then scan the kept
          ;; groups in ascending order so that expert ties still go to the lower index
          (local.set $gHave (i32.const 0))
          (local.set $g (i32.const 0))
          (block $doneG (loop $loopG
            (br_if $doneG (i32.ge_u (local.get $g) (local.get $nGroups)))
            (local.set $m1 (f32.const -inf))
            (local.set $m2 (f32.const -inf))
            (local.set $j (i32.mul (local.get $g) (local.get $per)))
            (block $doneM (loop $loopM
              (br_if $doneM (i32.ge_u (local.get $j) (i32.mul (i32.add (local.get $g) (i32.const 1)) (local.get $per))))
              (local.set $v (f32.load (i32.add (local.get $sel) (i32.shl (local.get $j) (i32.const 2)))))
              (if (f32.gt (local.get $v) (local.get $m1))
                (then (local.set $m2 (local.get $m1)) (local.set $m1 (local.get $v)))
                (else (if (f32.gt (local.get $v) (local.get $m2)) (then (local.set $m2 (local.get $v))))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $loopM)))
            ;; with a bias: the sum of the two best (one expert per group: that one)
            (if (i32.and (local.get $hasBias) (i32.gt_u (local.get $per) (i32.const 1)))
              (then (local.set $m1 (f32.add (local.get $m1) (local.get $m2)))))
            (local.set $gHave (call $offer (local.get $gVals) (local.get $gIdx) (local.get $gHave) (local.get $topKGroups) (local.get $m1) (local.get $g)))
            (i32.store (i32.add (local.get $keep) (i32.shl (local.get $g) (i32.const 2))) (i32.const 0))
            (local.set $g (i32.add (local.get $g) (i32.const 1)))
            (br $loopG)))
          (local.set $g (i32.const 0))
          (block $doneK (loop $loopK
            (br_if $doneK (i32.ge_u (local.get $g) (local.get $topKGroups)))
            (i32.store (i32.add (local.get $keep) (i32.shl (i32.load (i32.add (local.get $gIdx) (i32.shl (local.get $g) (i32.const 2)))) (i32.const 2))) (i32.const 1))
            (local.set $g (i32.add (local.get $g) (i32.const 1)))
            (br $loopK)))
          (local.set $g (i32.const 0))
          (block $doneS (loop $loopS
            (br_if $doneS (i32.ge_u (local.get $g) (local.get $nGroups)))
            (if (i32.load (i32.add (local.get $keep) (i32.shl (local.get $g) (i32.const 2))))
              (then (local.set $have (call $take (local.get $sel) (i32.mul (local.get $g) (local.get $per))
                (i32.mul (i32.add (local.get $g) (i32.const 1)) (local.get $per))
                (local.get $vals) (local.get $idxs) (local.get $have) (local.get $K)))))
            (local.set $g (i32.add (local.get $g) (i32.const 1)))
            (br $loopS))))
        (else
          (local.set $have (call $take (local.get $sel) (i32.const 0) (local.get $E) (local.get $vals) (local.get $idxs) (i32.const 0) (local.get $K)))))
      ;; the chosen experts, and their unbiased scores as weights (summed in order, as tf.sum)
      (local.set $sum (f32.const 0))
      (local.set $j (i32.const 0))
      (block $doneW (loop $loopW
        (br_if $doneW (i32.ge_u (local.get $j) (local.get $K)))
        (local.set $g (i32.load (i32.add (local.get $idxs) (i32.shl (local.get $j) (i32.const 2)))))
        (i32.store (local.get $outIdx) (local.get $g))
        (local.set $p (f32.load (i32.add (local.get $row) (i32.shl (local.get $g) (i32.const 2)))))
        (f32.store (i32.add (local.get $outW) (i32.shl (local.get $j) (i32.const 2))) (local.get $p))
        (local.set $sum (f32.add (local.get $sum) (local.get $p)))
        (local.set $outIdx (i32.add (local.get $outIdx) (i32.const 4)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $loopW)))
      (local.set $sum (f32.add (local.get $sum) (local.get $epsK)))
      (local.set $j (i32.const 0))
      (block $doneN (loop $loopN
        (br_if $doneN (i32.ge_u (local.get $j) (local.get $K)))
        (local.set $p (f32.load (local.get $outW)))
        (if (local.get $normalize)
          (then (local.set $p (f32.div (f32.add (local.get $p) (local.get $eps)) (local.get $sum)))))
        (f32.store (local.get $outW) (f32.mul (local.get $p) (local.get $scale)))
        (local.set $outW (i32.add (local.get $outW) (i32.const 4)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $loopN)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $loopT))))

  ;; c_r = a_r · B for four rows r (a_r: k contiguous floats; B: k × n row-major; c_r: n floats).
  ;; Eight columns at a time in eight registers (each B vector serves four rows), then four, then
  ;; one; every output is 0 + Σ_kk a·b in kk order, as SeekLab's batched matMul (bmmSimd.wat).
  (func $mm4 (param $a0 i32) (param $a1 i32) (param $a2 i32) (param $a3 i32) (param $b i32)
    (param $c0 i32) (param $c1 i32) (param $c2 i32) (param $c3 i32) (param $k i32) (param $n i32)
    (local $j i32) (local $off i32) (local $end i32) (local $pb i32) (local $rowB i32) (local $jb i32)
    (local $av v128) (local $b0 v128) (local $b1 v128)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local $acc4 v128) (local $acc5 v128) (local $acc6 v128) (local $acc7 v128)
    (local $s0 f32) (local $s1 f32) (local $s2 f32) (local $s3 f32) (local $bv f32)
    (local.set $rowB (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end (i32.shl (local.get $k) (i32.const 2)))
    (block $done8 (loop $loop8
      (br_if $done8 (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $n)))
      (local.set $acc0 (v128.const i32x4 0 0 0 0)) (local.set $acc1 (v128.const i32x4 0 0 0 0))
      (local.set $acc2 (v128.const i32x4 0 0 0 0)) (local.set $acc3 (v128.const i32x4 0 0 0 0))
      (local.set $acc4 (v128.const i32x4 0 0 0 0)) (local.set $acc5 (v128.const i32x4 0 0 0 0))
      (local.set $acc6 (v128.const i32x4 0 0 0 0)) (local.set $acc7 (v128.const i32x4 0 0 0 0))
      (local.set $jb (i32.shl (local.get $j) (i32.const 2)))
      (local.set $pb (i32.add (local.get $b) (local.get $jb)))
      (local.set $off (i32.const 0))
      (block $doneK (loop $loopK
        (br_if $doneK (i32.ge_u (local.get $off) (local.get $end)))
        (local.set $b0 (v128.load (local.get $pb)))
        (local.set $b1 (v128.load offset=16 (local.get $pb)))
        (local.set $av (f32x4.splat (f32.load (i32.add (local.get $a0) (local.get $off)))))
        (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $av) (local.get $b0))))
        (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $av) (local.get $b1))))
        (local.set $av (f32x4.splat (f32.load (i32.add (local.get $a1) (local.get $off)))))
        (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul (local.get $av) (local.get $b0))))
        (local.set $acc3 (f32x4.add (local.get $acc3) (f32x4.mul (local.get $av) (local.get $b1))))
        (local.set $av (f32x4.splat (f32.load (i32.add (local.get $a2) (local.get $off)))))
        (local.set $acc4 (f32x4.add (local.get $acc4) (f32x4.mul (local.get $av) (local.get $b0))))
        (local.set $acc5 (f32x4.add (local.get $acc5) (f32x4.mul (local.get $av) (local.get $b1))))
        (local.set $av (f32x4.splat (f32.load (i32.add (local.get $a3) (local.get $off)))))
        (local.set $acc6 (f32x4.add (local.get $acc6) (f32x4.mul (local.get $av) (local.get $b0))))
        (local.set $acc7 (f32x4.add (local.get $acc7) (f32x4.mul (local.get $av) (local.get $b1))))
        (local.set $off (i32.add (local.get $off) (i32.const 4)))
        (local.set $pb (i32.add (local.get $pb) (local.get $rowB)))
        (br $loopK)))
      (v128.store (i32.add (local.get $c0) (local.get $jb)) (local.get $acc0))
      (v128.store offset=16 (i32.add (local.get $c0) (local.get $jb)) (local.get $acc1))
      (v128.store (i32.add (local.get $c1) (local.get $jb)) (local.get $acc2))
      (v128.store offset=16 (i32.add (local.get $c1) (local.get $jb)) (local.get $acc3))
      (v128.store (i32.add (local.get $c2) (local.get $jb)) (local.get $acc4))
      (v128.store offset=16 (i32.add (local.get $c2) (local.get $jb)) (local.get $acc5))
      (v128.store (i32.add (local.get $c3) (local.get $jb)) (local.get $acc6))
      (v128.store offset=16 (i32.add (local.get $c3) (local.get $jb)) (local.get $acc7))
      (local.set $j (i32.add (local.get $j) (i32.const 8)))
      (br $loop8)))
    (block $done4 (loop $loop4
      (br_if $done4 (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $n)))
      (local.set $acc0 (v128.const i32x4 0 0 0 0)) (local.set $acc2 (v128.const i32x4 0 0 0 0))
      (local.set $acc4 (v128.const i32x4 0 0 0 0)) (local.set $acc6 (v128.const i32x4 0 0 0 0))
      (local.set $jb (i32.shl (local.get $j) (i32.const 2)))
      (local.set $pb (i32.add (local.get $b) (local.get $jb)))
      (local.set $off (i32.const 0))
      (block $doneK4 (loop $loopK4
        (br_if $doneK4 (i32.ge_u (local.get $off) (local.get $end)))
        (local.set $b0 (v128.load (local.get $pb)))
        (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (f32x4.splat (f32.load (i32.add (local.get $a0) (local.get $off)))) (local.get $b0))))
        (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul (f32x4.splat (f32.load (i32.add (local.get $a1) (local.get $off)))) (local.get $b0))))
        (local.set $acc4 (f32x4.add (local.get $acc4) (f32x4.mul (f32x4.splat (f32.load (i32.add (local.get $a2) (local.get $off)))) (local.get $b0))))
        (local.set $acc6 (f32x4.add (local.get $acc6) (f32x4.mul (f32x4.splat (f32.load (i32.add (local.get $a3) (local.get $off)))) (local.get $b0))))
        (local.set $off (i32.add (local.get $off) (i32.const 4)))
        (local.set $pb (i32.add (local.get $pb) (local.get $rowB)))
        (br $loopK4)))
      (v128.store (i32.add (local.get $c0) (local.get $jb)) (local.get $acc0))
      (v128.store (i32.add (local.get $c1) (local.get $jb)) (local.get $acc2))
      (v128.store (i32.add (local.get $c2) (local.get $jb)) (local.get $acc4))
      (v128.store (i32.add (local.get $c3) (local.get $jb)) (local.get $acc6))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $loop4)))
    (block $done1 (loop $loop1
      (br_if $done1 (i32.ge_u (local.get $j) (local.get $n)))
      (local.set $s0 (f32.const 0)) (local.set $s1 (f32.const 0)) (local.set $s2 (f32.const 0)) (local.set $s3 (f32.const 0))
      (local.set $jb (i32.shl (local.get $j) (i32.const 2)))
      (local.set $pb (i32.add (local.get $b) (local.get $jb)))
      (local.set $off (i32.const 0))
      (block $doneK1 (loop $loopK1
        (br_if $doneK1 (i32.ge_u (local.get $off) (local.get $end)))
        (local.set $bv (f32.load (local.get $pb)))
        (local.set $s0 (f32.add (local.get $s0) (f32.mul (f32.load (i32.add (local.get $a0) (local.get $off))) (local.get $bv))))
        (local.set $s1 (f32.add (local.get $s1) (f32.mul (f32.load (i32.add (local.get $a1) (local.get $off))) (local.get $bv))))
        (local.set $s2 (f32.add (local.get $s2) (f32.mul (f32.load (i32.add (local.get $a2) (local.get $off))) (local.get $bv))))
        (local.set $s3 (f32.add (local.get $s3) (f32.mul (f32.load (i32.add (local.get $a3) (local.get $off))) (local.get $bv))))
        (local.set $off (i32.add (local.get $off) (i32.const 4)))
        (local.set $pb (i32.add (local.get $pb) (local.get $rowB)))
        (br $loopK1)))
      (f32.store (i32.add (local.get $c0) (local.get $jb)) (local.get $s0))
      (f32.store (i32.add (local.get $c1) (local.get $jb)) (local.get $s1))
      (f32.store (i32.add (local.get $c2) (local.get $jb)) (local.get $s2))
      (f32.store (i32.add (local.get $c3) (local.get $jb)) (local.get $s3))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $loop1))))

  ;; Row r of a block of four, clamped to the last of $m rows (a short last block recomputes that
  ;; row; its extra outputs go to a spare row).
  (func $clamp (param $i i32) (param $m i32) (result i32)
    (select (local.get $i) (i32.sub (local.get $m) (i32.const 1)) (i32.lt_u (local.get $i) (local.get $m))))

  ;; Reads one byte of every 64-byte line of [$p, $p + $bytes), in order. An expert's weights are
  ;; used four rows at a time, eight columns wide: read that way straight from memory (256 experts
  ;; of 128 × 64 are 24 MB, more than this machine's cache holds for one process) each line waited
  ;; for the memory in turn; read in order first they stream at the memory's full speed, and the
  ;; product then finds them in the cache (`npm run bench -- moe`: about 10% at 256 experts).
  (func $touch (param $p i32) (param $bytes i32)
    (local $end i32) (local $acc i32)
    (local.set $end (i32.add (local.get $p) (local.get $bytes)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $acc (i32.add (local.get $acc) (i32.load8_u (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 64)))
      (br $l)))
    (global.set $sink (i32.add (global.get $sink) (local.get $acc))))

  ;; One product of one expert on its m tokens, read straight from x [T, k] through rows[0..m):
  ;; c[i] = x[rows[i]] · W (W: k × n, c: m × n). $spare: n words. (Called once for W1, once for
  ;; W3: one weight matrix at a time stays in the L1 cache across the expert's blocks of rows.)
  (func (export "gather_mm")
    (param $x i32) (param $rows i32) (param $m i32) (param $w i32) (param $c i32) (param $k i32) (param $n i32) (param $spare i32)
    (local $i i32) (local $rowA i32) (local $rowC i32)
    (local.set $rowA (i32.shl (local.get $k) (i32.const 2)))
    (local.set $rowC (i32.shl (local.get $n) (i32.const 2)))
    (call $touch (local.get $w) (i32.mul (local.get $k) (local.get $rowC)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
      (call $mm4
        (i32.add (local.get $x) (i32.mul (local.get $rowA) (i32.load (i32.add (local.get $rows) (i32.shl (local.get $i) (i32.const 2))))))
        (i32.add (local.get $x) (i32.mul (local.get $rowA) (i32.load (i32.add (local.get $rows) (i32.shl (call $clamp (i32.add (local.get $i) (i32.const 1)) (local.get $m)) (i32.const 2))))))
        (i32.add (local.get $x) (i32.mul (local.get $rowA) (i32.load (i32.add (local.get $rows) (i32.shl (call $clamp (i32.add (local.get $i) (i32.const 2)) (local.get $m)) (i32.const 2))))))
        (i32.add (local.get $x) (i32.mul (local.get $rowA) (i32.load (i32.add (local.get $rows) (i32.shl (call $clamp (i32.add (local.get $i) (i32.const 3)) (local.get $m)) (i32.const 2))))))
        (local.get $w)
        (call $outRow (local.get $c) (local.get $i) (local.get $m) (local.get $rowC) (local.get $spare))
        (call $outRow (local.get $c) (i32.add (local.get $i) (i32.const 1)) (local.get $m) (local.get $rowC) (local.get $spare))
        (call $outRow (local.get $c) (i32.add (local.get $i) (i32.const 2)) (local.get $m) (local.get $rowC) (local.get $spare))
        (call $outRow (local.get $c) (i32.add (local.get $i) (i32.const 3)) (local.get $m) (local.get $rowC) (local.get $spare))
        (local.get $k) (local.get $n))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l))))

  ;; Output row i of c (rows of $rowC bytes), or the spare row past the last of $m.
  (func $outRow (param $c i32) (param $i i32) (param $m i32) (param $rowC i32) (param $spare i32) (result i32)
    (select (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $rowC))) (local.get $spare) (i32.lt_u (local.get $i) (local.get $m))))

  ;; One expert's last product, weighted and added back: for i < m, y[rows[i]] += (h[i] · W2) ·
  ;; w[widx[i]] (h: m × k, W2: k × n, y: [T, n]; the product rounded, then the weight, then the
  ;; add, as tf.mul and tf.scatterND do). Rows are added in order. $tmp: 4·n words.
  (func (export "experts_down")
    (param $h i32) (param $rows i32) (param $widx i32) (param $w i32) (param $m i32) (param $w2 i32) (param $y i32)
    (param $k i32) (param $n i32) (param $tmp i32)
    (local $i i32) (local $r i32) (local $j i32) (local $rowA i32) (local $rowC i32) (local $n4 i32)
    (local $yRow i32) (local $tRow i32) (local $wt f32) (local $wv v128)
    (local.set $rowA (i32.shl (local.get $k) (i32.const 2)))
    (local.set $rowC (i32.shl (local.get $n) (i32.const 2)))
    (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
    (call $touch (local.get $w2) (i32.mul (local.get $k) (local.get $rowC)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $m)))
      (call $mm4
        (i32.add (local.get $h) (i32.mul (local.get $rowA) (local.get $i)))
        (i32.add (local.get $h) (i32.mul (local.get $rowA) (call $clamp (i32.add (local.get $i) (i32.const 1)) (local.get $m))))
        (i32.add (local.get $h) (i32.mul (local.get $rowA) (call $clamp (i32.add (local.get $i) (i32.const 2)) (local.get $m))))
        (i32.add (local.get $h) (i32.mul (local.get $rowA) (call $clamp (i32.add (local.get $i) (i32.const 3)) (local.get $m))))
        (local.get $w2)
        (local.get $tmp)
        (i32.add (local.get $tmp) (local.get $rowC))
        (i32.add (local.get $tmp) (i32.shl (local.get $rowC) (i32.const 1)))
        (i32.add (local.get $tmp) (i32.mul (local.get $rowC) (i32.const 3)))
        (local.get $k) (local.get $n))
      (local.set $r (i32.const 0))
      (block $doneR (loop $loopR
        (br_if $doneR (i32.or (i32.ge_u (local.get $r) (i32.const 4)) (i32.ge_u (i32.add (local.get $i) (local.get $r)) (local.get $m))))
        (local.set $j (i32.shl (i32.add (local.get $i) (local.get $r)) (i32.const 2)))
        (local.set $yRow (i32.add (local.get $y) (i32.mul (local.get $rowC) (i32.load (i32.add (local.get $rows) (local.get $j))))))
        (local.set $wt (f32.load (i32.add (local.get $w) (i32.shl (i32.load (i32.add (local.get $widx) (local.get $j))) (i32.const 2)))))
        (local.set $wv (f32x4.splat (local.get $wt)))
        (local.set $tRow (i32.add (local.get $tmp) (i32.mul (local.get $rowC) (local.get $r))))
        (local.set $j (i32.const 0))
        (block $doneJ (loop $loopJ
          (br_if $doneJ (i32.ge_u (local.get $j) (i32.shl (local.get $n4) (i32.const 2))))
          (v128.store (i32.add (local.get $yRow) (local.get $j))
            (f32x4.add (v128.load (i32.add (local.get $yRow) (local.get $j)))
                       (f32x4.mul (v128.load (i32.add (local.get $tRow) (local.get $j))) (local.get $wv))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $loopJ)))
        (block $doneJ1 (loop $loopJ1
          (br_if $doneJ1 (i32.ge_u (local.get $j) (local.get $rowC)))
          (f32.store (i32.add (local.get $yRow) (local.get $j))
            (f32.add (f32.load (i32.add (local.get $yRow) (local.get $j)))
                     (f32.mul (f32.load (i32.add (local.get $tRow) (local.get $j))) (local.get $wt))))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br $loopJ1)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $loopR)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l))))
)
