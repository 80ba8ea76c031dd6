;; AdamW's update for tfjs-wasm, 128-bit SIMD: the source of the bytes in adamwSimdBytes.ts
;; (regenerate them with `node scripts/build-wasm-kernels.mjs`; used by lib/backend/adamwKernel.ts).
;;
;; Pointers are byte offsets into tfjs-wasm's own memory; n counts float32 elements (any n: four
;; lanes at a time, then one at a time). Every step is one float32 operation, rounded as the tfjs
;; ops of lib/model/adamw.ts round it (f32 sqrt and division are correctly rounded), so the result
;; is the ops' result bit for bit.
(module
  (import "env" "memory" (memory 1))

  ;; sum of g[j]^2, four partial sums added at the end.
  (func (export "sumsq") (param $g i32) (param $n i32) (result f32)
    (local $i i32) (local $end i32) (local $acc v128) (local $x v128) (local $s f32) (local $y f32)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $x (v128.load (i32.add (local.get $g) (local.get $i))))
      (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $x) (local.get $x))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l)))
    (local.set $s (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
      (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $doneT (loop $t
      (br_if $doneT (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $y (f32.load (i32.add (local.get $g) (local.get $i))))
      (local.set $s (f32.add (local.get $s) (f32.mul (local.get $y) (local.get $y))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $t)))
    (local.get $s))

  ;; One weight's update (g is scaled first; scale = 1 leaves it exact):
  ;;   m2 = m*b1 + g*ob1      v2 = v*b2 + (g*g)*ob2      (ob = 1 - b, precomputed)
  ;;   u  = (m2/c1) / (sqrt(v2/c2) + eps)   [+ w*decay when decay != 0]
  ;;   w2 = w - u*lr
  (func (export "adamw")
    (param $w i32) (param $g i32) (param $m i32) (param $v i32)
    (param $w2 i32) (param $m2 i32) (param $v2 i32) (param $n i32)
    (param $scale f32) (param $b1 f32) (param $ob1 f32) (param $b2 f32) (param $ob2 f32)
    (param $c1 f32) (param $c2 f32) (param $eps f32) (param $lr f32) (param $decay f32)
    (local $i i32) (local $end i32) (local $gv v128) (local $mv v128) (local $vv v128) (local $u v128) (local $wv v128)
    (local $gs f32) (local $ms f32) (local $vs f32) (local $us f32) (local $ws f32)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $gv (f32x4.mul (v128.load (i32.add (local.get $g) (local.get $i))) (f32x4.splat (local.get $scale))))
      (local.set $mv (f32x4.add
        (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $i))) (f32x4.splat (local.get $b1)))
        (f32x4.mul (local.get $gv) (f32x4.splat (local.get $ob1)))))
      (local.set $vv (f32x4.add
        (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $i))) (f32x4.splat (local.get $b2)))
        (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (f32x4.splat (local.get $ob2)))))
      (local.set $u (f32x4.div
        (f32x4.div (local.get $mv) (f32x4.splat (local.get $c1)))
        (f32x4.add (f32x4.sqrt (f32x4.div (local.get $vv) (f32x4.splat (local.get $c2)))) (f32x4.splat (local.get $eps)))))
      (local.set $wv (v128.load (i32.add (local.get $w) (local.get $i))))
      (if (f32.ne (local.get $decay) (f32.const 0))
        (then (local.set $u (f32x4.add (local.get $u) (f32x4.mul (local.get $wv) (f32x4.splat (local.get $decay)))))))
      (v128.store (i32.add (local.get $m2) (local.get $i)) (local.get $mv))
      (v128.store (i32.add (local.get $v2) (local.get $i)) (local.get $vv))
      (v128.store (i32.add (local.get $w2) (local.get $i))
        (f32x4.sub (local.get $wv) (f32x4.mul (local.get $u) (f32x4.splat (local.get $lr)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $doneT (loop $t
      (br_if $doneT (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $gs (f32.mul (f32.load (i32.add (local.get $g) (local.get $i))) (local.get $scale)))
      (local.set $ms (f32.add
        (f32.mul (f32.load (i32.add (local.get $m) (local.get $i))) (local.get $b1))
        (f32.mul (local.get $gs) (local.get $ob1))))
      (local.set $vs (f32.add
        (f32.mul (f32.load (i32.add (local.get $v) (local.get $i))) (local.get $b2))
        (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $ob2))))
      (local.set $us (f32.div
        (f32.div (local.get $ms) (local.get $c1))
        (f32.add (f32.sqrt (f32.div (local.get $vs) (local.get $c2))) (local.get $eps))))
      (local.set $ws (f32.load (i32.add (local.get $w) (local.get $i))))
      (if (f32.ne (local.get $decay) (f32.const 0))
        (then (local.set $us (f32.add (local.get $us) (f32.mul (local.get $ws) (local.get $decay))))))
      (f32.store (i32.add (local.get $m2) (local.get $i)) (local.get $ms))
      (f32.store (i32.add (local.get $v2) (local.get $i)) (local.get $vs))
      (f32.store (i32.add (local.get $w2) (local.get $i)) (f32.sub (local.get $ws) (f32.mul (local.get $us) (local.get $lr))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $t)))))
