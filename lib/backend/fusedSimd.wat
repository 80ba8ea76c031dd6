;; RoPE and RMSNorm for tfjs-wasm, 128-bit SIMD: the source of the bytes in fusedSimdBytes.ts
;; (regenerate them with `node scripts/build-wasm-kernels.mjs`; used by lib/backend/fusedKernels.ts
;; when the last axis is a multiple of 4, which every lesson's shapes are).
;;
;; Pointers are byte offsets into tfjs-wasm's own memory; sizes count float32 elements. Each
;; function reads `rows` rows of width `d` (d % 4 == 0).
(module
  (import "env" "memory" (memory 1))

  ;; out = x*cos + turn(x)*sin, turn(x) = (-x1, x0, -x3, x2, ...); `inverse` rotates the other way.
  ;; Row r of x sits at position floor(r / heads) mod seq of the [seq, d] cos/sin tables.
  (func (export "rope")
    (param $x i32) (param $cos i32) (param $sin i32) (param $out i32)
    (param $rows i32) (param $d i32) (param $heads i32) (param $seq i32) (param $inverse i32)
    (local $row i32) (local $i i32) (local $rowBytes i32) (local $t i32) (local $xv v128) (local $sign v128)
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 2)))
    (local.set $sign (select (result v128)
      (v128.const f32x4 1 -1 1 -1)
      (v128.const f32x4 -1 1 -1 1)
      (local.get $inverse)))
    (block $doneR (loop $loopR
      (br_if $doneR (i32.ge_u (local.get $row) (local.get $rows)))
      (local.set $t (i32.mul (i32.rem_u (i32.div_u (local.get $row) (local.get $heads)) (local.get $seq)) (local.get $rowBytes)))
      (local.set $i (i32.const 0))
      (block $doneI (loop $loopI
        (br_if $doneI (i32.ge_u (local.get $i) (local.get $rowBytes)))
        (local.set $xv (v128.load (i32.add (local.get $x) (local.get $i))))
        (v128.store (i32.add (local.get $out) (local.get $i))
          (f32x4.add
            (f32x4.mul (local.get $xv) (v128.load (i32.add (local.get $cos) (i32.add (local.get $t) (local.get $i)))))
            (f32x4.mul
              (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $xv) (local.get $xv))
              (f32x4.mul (local.get $sign) (v128.load (i32.add (local.get $sin) (i32.add (local.get $t) (local.get $i))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $loopI)))
      (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
      (local.set $out (i32.add (local.get $out) (local.get $rowBytes)))
      (local.set $row (i32.add (local.get $row) (i32.const 1)))
      (br $loopR))))

  ;; sum over a row of a[j]*b[j]*c[j] (c = 0: of a[j]*b[j]), four lanes then added up.
  (func $dot3 (param $a i32) (param $b i32) (param $c i32) (param $bytes i32) (result f32)
    (local $i i32) (local $acc v128) (local $p v128)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $bytes)))
      (local.set $p (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $i))) (v128.load (i32.add (local.get $b) (local.get $i)))))
      (if (local.get $c) (then (local.set $p (f32x4.mul (local.get $p) (v128.load (i32.add (local.get $c) (local.get $i)))))))
      (local.set $acc (f32x4.add (local.get $acc) (local.get $p)))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l)))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
      (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))

  ;; y = x*r*w with r = 1/sqrt(mean(x^2) + eps) per row; r is written to $r (one per row).
  (func (export "rmsnorm")
    (param $x i32) (param $w i32) (param $y i32) (param $r i32) (param $rows i32) (param $d i32) (param $eps f32)
    (local $row i32) (local $i i32) (local $rowBytes i32) (local $rr f32) (local $rv v128)
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 2)))
    (block $doneR (loop $loopR
      (br_if $doneR (i32.ge_u (local.get $row) (local.get $rows)))
      (local.set $rr (f32.div (f32.const 1)
        (f32.sqrt (f32.add
          (f32.div (call $dot3 (local.get $x) (local.get $x) (i32.const 0) (local.get $rowBytes)) (f32.convert_i32_u (local.get $d)))
          (local.get $eps)))))
      (f32.store (local.get $r) (local.get $rr))
      (local.set $rv (f32x4.splat (local.get $rr)))
      (local.set $i (i32.const 0))
      (block $doneI (loop $loopI
        (br_if $doneI (i32.ge_u (local.get $i) (local.get $rowBytes)))
        (v128.store (i32.add (local.get $y) (local.get $i))
          (f32x4.mul (f32x4.mul (v128.load (i32.add (local.get $x) (local.get $i))) (local.get $rv))
                     (v128.load (i32.add (local.get $w) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $loopI)))
      (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
      (local.set $y (i32.add (local.get $y) (local.get $rowBytes)))
      (local.set $r (i32.add (local.get $r) (i32.const 4)))
      (local.set $row (i32.add (local.get $row) (i32.const 1)))
      (br $loopR))))

  ;; dx = r*(w*dy) - x*(r^3/d)*sum_j x_j*w_j*dy_j, per row.
  (func (export "rmsnorm_dx")
    (param $x i32) (param $w i32) (param $r i32) (param $dy i32) (param $dx i32) (param $rows i32) (param $d i32)
    (local $row i32) (local $i i32) (local $rowBytes i32) (local $rr f32) (local $rv v128) (local $kv v128)
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 2)))
    (block $doneR (loop $loopR
      (br_if $doneR (i32.ge_u (local.get $row) (local.get $rows)))
      (local.set $rr (f32.load (local.get $r)))
      (local.set $rv (f32x4.splat (local.get $rr)))
      (local.set $kv (f32x4.splat
        (f32.div
          (f32.mul (f32.mul (f32.mul (local.get $rr) (local.get $rr)) (local.get $rr))
                   (call $dot3 (local.get $x) (local.get $w) (local.get $dy) (local.get $rowBytes)))
          (f32.convert_i32_u (local.get $d)))))
      (local.set $i (i32.const 0))
      (block $doneI (loop $loopI
        (br_if $doneI (i32.ge_u (local.get $i) (local.get $rowBytes)))
        (v128.store (i32.add (local.get $dx) (local.get $i))
          (f32x4.sub
            (f32x4.mul (local.get $rv) (f32x4.mul (v128.load (i32.add (local.get $w) (local.get $i))) (v128.load (i32.add (local.get $dy) (local.get $i)))))
            (f32x4.mul (v128.load (i32.add (local.get $x) (local.get $i))) (local.get $kv))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $loopI)))
      (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
      (local.set $dy (i32.add (local.get $dy) (local.get $rowBytes)))
      (local.set $dx (i32.add (local.get $dx) (local.get $rowBytes)))
      (local.set $r (i32.add (local.get $r) (i32.const 4)))
      (local.set $row (i32.add (local.get $row) (i32.const 1)))
      (br $loopR))))

  ;; dw = sum over rows of x*r*dy (dw is overwritten).
  (func (export "rmsnorm_dw")
    (param $x i32) (param $r i32) (param $dy i32) (param $dw i32) (param $rows i32) (param $d i32)
    (local $row i32) (local $i i32) (local $rowBytes i32) (local $rv v128) (local $p i32)
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 2)))
    (block $doneZ (loop $loopZ
      (br_if $doneZ (i32.ge_u (local.get $i) (local.get $rowBytes)))
      (v128.store (i32.add (local.get $dw) (local.get $i)) (v128.const i32x4 0 0 0 0))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $loopZ)))
    (block $doneR (loop $loopR
      (br_if $doneR (i32.ge_u (local.get $row) (local.get $rows)))
      (local.set $rv (f32x4.splat (f32.load (local.get $r))))
      (local.set $i (i32.const 0))
      (block $doneI (loop $loopI
        (br_if $doneI (i32.ge_u (local.get $i) (local.get $rowBytes)))
        (local.set $p (i32.add (local.get $dw) (local.get $i)))
        (v128.store (local.get $p)
          (f32x4.add (v128.load (local.get $p))
            (f32x4.mul (f32x4.mul (v128.load (i32.add (local.get $x) (local.get $i))) (local.get $rv))
                       (v128.load (i32.add (local.get $dy) (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $loopI)))
      (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
      (local.set $dy (i32.add (local.get $dy) (local.get $rowBytes)))
      (local.set $r (i32.add (local.get $r) (i32.const 4)))
      (local.set $row (i32.add (local.get $row) (i32.const 1)))
      (br $loopR)))))
