;; Float32 elementwise ops and sums for WebAssembly SIMD128 (driven by `elementwise.ts`). Results
;; equal the JavaScript kernels' bit for bit (same IEEE operations, same NaN and signed-zero rules:
;; `maximum`/`minimum` propagate NaN and otherwise pick as `a > b ? a : b` does; `relu` keeps NaN
;; and maps -0 to 0), except that sums add in another order (both in float64).
;;
;; Operands are laid out by the caller as `rows` rows of `cols` floats; each row is processed in
;; whole vectors of 4, so the last vector of a row may read up to 12 bytes past its end and write
;; up to 12 bytes past the end of its output row. The caller leaves 16 bytes of slack after every
;; region, and rows are written in order, so an overrun into the next output row is overwritten
;; by that row. All addresses are byte offsets into the imported memory; rows, cols >= 1.
(module
  (import "env" "memory" (memory 1))

  ;; out[r][j] = a[r][j] op b[r][j]. Row r of a starts at a + r*aRow (bytes) and moves aStep bytes
  ;; per vector: 16 for a contiguous row, 0 for one value repeated (the caller stores it 4 times).
  ;; op: 0 add, 1 sub, 2 mul, 3 div, 4 maximum, 5 minimum.
  (func (export "binary")
    (param $op i32) (param $a i32) (param $aRow i32) (param $aStep i32)
    (param $b i32) (param $bRow i32) (param $bStep i32) (param $out i32) (param $rows i32) (param $cols i32)
    (local $pa i32) (local $pb i32) (local $po i32) (local $end i32) (local $x v128) (local $y v128)
    (local $r v128)
    (loop $row
      (local.set $pa (local.get $a))
      (local.set $pb (local.get $b))
      (local.set $po (local.get $out))
      (local.set $end (i32.add (local.get $out) (i32.shl (local.get $cols) (i32.const 2))))
      (loop $vec
        (local.set $x (v128.load (local.get $pa)))
        (local.set $y (v128.load (local.get $pb)))
        ;; The op is the same for the whole call, so this branch is always predicted.
        (block $done
          (block $min
            (block $max
              (block $div
                (block $mul
                  (block $sub
                    (block $add
                      (br_table $add $sub $mul $div $max $min (local.get $op)))
                    (local.set $r (f32x4.add (local.get $x) (local.get $y)))
                    (br $done))
                  (local.set $r (f32x4.sub (local.get $x) (local.get $y)))
                  (br $done))
                (local.set $r (f32x4.mul (local.get $x) (local.get $y)))
                (br $done))
              (local.set $r (f32x4.div (local.get $x) (local.get $y)))
              (br $done))
            ;; pmax(y, x) = y < x ? x : y, i.e. `x > y ? x : y`; NaN lanes take x + y (a NaN).
            (local.set $r
              (v128.bitselect
                (f32x4.add (local.get $x) (local.get $y))
                (f32x4.pmax (local.get $y) (local.get $x))
                (v128.or (f32x4.ne (local.get $x) (local.get $x)) (f32x4.ne (local.get $y) (local.get $y)))))
            (br $done))
          ;; pmin(y, x) = x < y ? x : y.
          (local.set $r
            (v128.bitselect
              (f32x4.add (local.get $x) (local.get $y))
              (f32x4.pmin (local.get $y) (local.get $x))
              (v128.or (f32x4.ne (local.get $x) (local.get $x)) (f32x4.ne (local.get $y) (local.get $y))))))
        (v128.store (local.get $po) (local.get $r))
        (local.set $pa (i32.add (local.get $pa) (local.get $aStep)))
        (local.set $pb (i32.add (local.get $pb) (local.get $bStep)))
        (local.set $po (i32.add (local.get $po) (i32.const 16)))
        (br_if $vec (i32.lt_u (local.get $po) (local.get $end))))
      (local.set $a (i32.add (local.get $a) (local.get $aRow)))
      (local.set $b (i32.add (local.get $b) (local.get $bRow)))
      (local.set $out (local.get $end))
      (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
      (br_if $row (local.get $rows))))

  ;; out[r][j] = op(a[r][j]); a's rows and steps as in `binary`.
  ;; op: 0 neg, 1 abs, 2 relu, 3 sqrt, 4 square.
  (func (export "unary")
    (param $op i32) (param $a i32) (param $aRow i32) (param $aStep i32) (param $out i32) (param $rows i32)
    (param $cols i32)
    (local $pa i32) (local $po i32) (local $end i32) (local $x v128) (local $r v128)
    (loop $row
      (local.set $pa (local.get $a))
      (local.set $po (local.get $out))
      (local.set $end (i32.add (local.get $out) (i32.shl (local.get $cols) (i32.const 2))))
      (loop $vec
        (local.set $x (v128.load (local.get $pa)))
        (block $done
          (block $square
            (block $sqrt
              (block $relu
                (block $abs
                  (block $neg
                    (br_table $neg $abs $relu $sqrt $square (local.get $op)))
                  (local.set $r (f32x4.neg (local.get $x)))
                  (br $done))
                (local.set $r (f32x4.abs (local.get $x)))
                (br $done))
              ;; pmax(0, x) = 0 < x ? x : 0 (so -0 gives 0); NaN lanes keep x.
              (local.set $r
                (v128.bitselect
                  (local.get $x)
                  (f32x4.pmax (v128.const i32x4 0 0 0 0) (local.get $x))
                  (f32x4.ne (local.get $x) (local.get $x))))
              (br $done))
            (local.set $r (f32x4.sqrt (local.get $x)))
            (br $done))
          (local.set $r (f32x4.mul (local.get $x) (local.get $x))))
        (v128.store (local.get $po) (local.get $r))
        (local.set $pa (i32.add (local.get $pa) (local.get $aStep)))
        (local.set $po (i32.add (local.get $po) (i32.const 16)))
        (br_if $vec (i32.lt_u (local.get $po) (local.get $end))))
      (local.set $a (i32.add (local.get $a) (local.get $aRow)))
      (local.set $out (local.get $end))
      (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
      (br_if $row (local.get $rows))))

  ;; out[o] = sum of the n contiguous floats of row o of x (rows back to back), in float64 like
  ;; the JavaScript kernel. Reads nothing past a row: the last n mod 4 values are added one by one.
  (func (export "sumRows") (param $x i32) (param $out i32) (param $rows i32) (param $n i32)
    (local $end4 i32) (local $end i32) (local $v v128) (local $lo v128) (local $hi v128) (local $s f64)
    (loop $row
      (local.set $end (i32.add (local.get $x) (i32.shl (local.get $n) (i32.const 2))))
      (local.set $end4 (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
      (local.set $lo (v128.const i32x4 0 0 0 0))
      (local.set $hi (v128.const i32x4 0 0 0 0))
      (block $vecs
        (br_if $vecs (i32.ge_u (local.get $x) (local.get $end4)))
        (loop $vec
          (local.set $v (v128.load (local.get $x)))
          (local.set $lo (f64x2.add (local.get $lo) (f64x2.promote_low_f32x4 (local.get $v))))
          (local.set $hi
            (f64x2.add (local.get $hi)
              (f64x2.promote_low_f32x4
                (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
          (local.set $x (i32.add (local.get $x) (i32.const 16)))
          (br_if $vec (i32.lt_u (local.get $x) (local.get $end4)))))
      (local.set $lo (f64x2.add (local.get $lo) (local.get $hi)))
      (local.set $s (f64.add (f64x2.extract_lane 0 (local.get $lo)) (f64x2.extract_lane 1 (local.get $lo))))
      (block $tail
        (br_if $tail (i32.ge_u (local.get $x) (local.get $end)))
        (loop $one
          (local.set $s (f64.add (local.get $s) (f64.promote_f32 (f32.load (local.get $x)))))
          (local.set $x (i32.add (local.get $x) (i32.const 4)))
          (br_if $one (i32.lt_u (local.get $x) (local.get $end)))))
      (f32.store (local.get $out) (f32.demote_f64 (local.get $s)))
      (local.set $out (i32.add (local.get $out) (i32.const 4)))
      (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
      (br_if $row (local.get $rows))))

  ;; out[o][i] = sum over r < n of x[o][r][i] (x is outer x n x inner floats, back to back), in
  ;; float64 accumulators at `acc` (inner rounded up to 4 doubles, 16 bytes of slack after).
  (func (export "sumCols")
    (param $x i32) (param $out i32) (param $acc i32) (param $outer i32) (param $n i32) (param $inner i32)
    (local $r i32) (local $p i32) (local $q i32) (local $end i32) (local $v v128)
    (local.set $end (i32.add (local.get $acc) (i32.shl (local.get $inner) (i32.const 3))))
    (loop $block
      (memory.fill (local.get $acc) (i32.const 0)
        (i32.shl (i32.and (i32.add (local.get $inner) (i32.const 3)) (i32.const -4)) (i32.const 3)))
      (local.set $r (local.get $n))
      (loop $rowsum
        (local.set $q (local.get $acc))
        (loop $vec
          (local.set $v (v128.load (local.get $x)))
          (v128.store (local.get $q)
            (f64x2.add (v128.load (local.get $q)) (f64x2.promote_low_f32x4 (local.get $v))))
          (v128.store offset=16 (local.get $q)
            (f64x2.add (v128.load offset=16 (local.get $q))
              (f64x2.promote_low_f32x4
                (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
          (local.set $x (i32.add (local.get $x) (i32.const 16)))
          (local.set $q (i32.add (local.get $q) (i32.const 32)))
          (br_if $vec (i32.lt_u (local.get $q) (local.get $end))))
        ;; The vector loop ran past the row by (inner rounded up to 4) - inner floats: step back.
        (local.set $x
          (i32.sub (local.get $x) (i32.shl (i32.sub (i32.and (i32.add (local.get $inner) (i32.const 3)) (i32.const -4)) (local.get $inner)) (i32.const 2))))
        (local.set $r (i32.sub (local.get $r) (i32.const 1)))
        (br_if $rowsum (local.get $r)))
      ;; Two sums per step: f32x4.demote_f64x2_zero leaves them in the low 8 bytes.
      (local.set $p (local.get $acc))
      (loop $store
        (v128.store64_lane 0 (local.get $out) (f32x4.demote_f64x2_zero (v128.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (br_if $store (i32.lt_u (local.get $p) (local.get $end))))
      ;; An odd inner wrote one float too many: the next block starts there.
      (local.set $out (i32.sub (local.get $out) (i32.shl (i32.and (local.get $inner) (i32.const 1)) (i32.const 2))))
      (local.set $outer (i32.sub (local.get $outer) (i32.const 1)))
      (br_if $block (local.get $outer))))
)
