;; Packed single-precision GEMM for WebAssembly SIMD128 (the `bmm` kernel of the WASM kernel set;
;; `gemm.ts` drives it). The BLIS scheme: the caller cuts C = A @ B into blocks of KC depth, packs
;; a block of B into panels of NR columns (`packB`) and a block of A into panels of MR rows
;; (`packA`), then `macro` runs the MR x NR register tile over every pair of panels.
;;
;; Two tiles, because the best shape depends on the multiply-add (measured here, x86-64):
;; - 4x8 (`tile4x8`): with separate mul + add, 4x8 ~ 2x16 > 6x8 > 4x12 > 5x8 > 8x4 > 3x12;
;; - 3x12 (`tile3x12`): with fused multiply-adds, 3x12 is ~17% faster than 4x8 (9 accumulator
;;   chains fit the FMA latency better; 3 B vectors + 1 broadcast stay within 16 registers).
;;
;; This file is the relaxed-SIMD source: `f32x4.relaxed_madd` is one fused multiply-add where the
;; engine has it. `generate.mjs` also assembles a SIMD128-only variant from it by rewriting every
;; `(f32x4.relaxed_madd x y z)` as `(f32x4.add (f32x4.mul x y) z)`, so write each one in exactly
;; that form, with `local.get` operands.
;;
;; All addresses are byte offsets into the imported memory; strides are in elements. Callers
;; guarantee kc >= 1, mc >= 1, nc >= 1 and that every address touched lies inside the memory.
(module
  (import "env" "memory" (memory 1))

  ;; Packs the mc x kc block of A at `src` (element strides rs, cs) into panels of mr rows at
  ;; `dst`: panel p holds, for k = 0..kc-1, the mr values A[mr*p .. mr*p+mr-1][k]. Rows past mc
  ;; are zeros, so the tile never needs an edge case.
  (func (export "packA")
    (param $src i32) (param $rs i32) (param $cs i32) (param $mc i32) (param $kc i32) (param $dst i32)
    (param $mr i32)
    (local $i i32) (local $r i32) (local $s i32) (local $d i32) (local $end i32) (local $panel i32)
    (local $step i32)
    (local.set $rs (i32.shl (local.get $rs) (i32.const 2)))
    (local.set $cs (i32.shl (local.get $cs) (i32.const 2)))
    (local.set $step (i32.shl (local.get $mr) (i32.const 2)))
    (local.set $panel (i32.mul (local.get $kc) (local.get $step)))
    (loop $panels
      (local.set $r (i32.const 0))
      (loop $rows
        ;; Row i + r goes to every mr-th float of the panel, starting at float r.
        (local.set $d (i32.add (local.get $dst) (i32.shl (local.get $r) (i32.const 2))))
        (local.set $end (i32.add (local.get $d) (local.get $panel)))
        (if (i32.lt_u (i32.add (local.get $i) (local.get $r)) (local.get $mc))
          (then
            (local.set $s
              (i32.add (local.get $src) (i32.mul (i32.add (local.get $i) (local.get $r)) (local.get $rs))))
            (loop $k
              (f32.store (local.get $d) (f32.load (local.get $s)))
              (local.set $s (i32.add (local.get $s) (local.get $cs)))
              (local.set $d (i32.add (local.get $d) (local.get $step)))
              (br_if $k (i32.lt_u (local.get $d) (local.get $end)))))
          (else
            (loop $zero
              (f32.store (local.get $d) (f32.const 0))
              (local.set $d (i32.add (local.get $d) (local.get $step)))
              (br_if $zero (i32.lt_u (local.get $d) (local.get $end))))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br_if $rows (i32.lt_u (local.get $r) (local.get $mr))))
      (local.set $dst (i32.add (local.get $dst) (local.get $panel)))
      (local.set $i (i32.add (local.get $i) (local.get $mr)))
      (br_if $panels (i32.lt_u (local.get $i) (local.get $mc)))))

  ;; Packs the kc x nc block of B at `src` (element strides rs, cs) into panels of nr columns (a
  ;; multiple of 4) at `dst`: panel p holds, for k = 0..kc-1, the nr values B[k][nr*p ..
  ;; nr*p+nr-1]. Columns past nc are zeros. Full panels of a row-major B (cs = 1) are copied a
  ;; vector at a time.
  (func (export "packB")
    (param $src i32) (param $rs i32) (param $cs i32) (param $kc i32) (param $nc i32) (param $dst i32)
    (param $nr i32)
    (local $j i32) (local $c i32) (local $s i32) (local $d i32) (local $end i32) (local $panel i32)
    (local $step i32) (local $v i32)
    (local.set $rs (i32.shl (local.get $rs) (i32.const 2)))
    (local.set $cs (i32.shl (local.get $cs) (i32.const 2)))
    (local.set $step (i32.shl (local.get $nr) (i32.const 2)))
    (local.set $panel (i32.mul (local.get $kc) (local.get $step)))
    (loop $panels
      (if (i32.and
            (i32.eq (local.get $cs) (i32.const 4))
            (i32.le_u (i32.add (local.get $j) (local.get $nr)) (local.get $nc)))
        (then
          (local.set $s (i32.add (local.get $src) (i32.shl (local.get $j) (i32.const 2))))
          (local.set $d (local.get $dst))
          (local.set $end (i32.add (local.get $dst) (local.get $panel)))
          (loop $k
            (local.set $v (i32.const 0))
            (loop $vectors
              (v128.store (i32.add (local.get $d) (local.get $v)) (v128.load (i32.add (local.get $s) (local.get $v))))
              (local.set $v (i32.add (local.get $v) (i32.const 16)))
              (br_if $vectors (i32.lt_u (local.get $v) (local.get $step))))
            (local.set $s (i32.add (local.get $s) (local.get $rs)))
            (local.set $d (i32.add (local.get $d) (local.get $step)))
            (br_if $k (i32.lt_u (local.get $d) (local.get $end)))))
        (else
          (local.set $c (i32.const 0))
          (loop $cols
            ;; Column j + c goes to every nr-th float of the panel, starting at float c.
            (local.set $d (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 2))))
            (local.set $end (i32.add (local.get $d) (local.get $panel)))
            (if (i32.lt_u (i32.add (local.get $j) (local.get $c)) (local.get $nc))
              (then
                (local.set $s
                  (i32.add (local.get $src) (i32.mul (i32.add (local.get $j) (local.get $c)) (local.get $cs))))
                (loop $k
                  (f32.store (local.get $d) (f32.load (local.get $s)))
                  (local.set $s (i32.add (local.get $s) (local.get $rs)))
                  (local.set $d (i32.add (local.get $d) (local.get $step)))
                  (br_if $k (i32.lt_u (local.get $d) (local.get $end)))))
              (else
                (loop $zero
                  (f32.store (local.get $d) (f32.const 0))
                  (local.set $d (i32.add (local.get $d) (local.get $step)))
                  (br_if $zero (i32.lt_u (local.get $d) (local.get $end))))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br_if $cols (i32.lt_u (local.get $c) (local.get $nr))))))
      (local.set $dst (i32.add (local.get $dst) (local.get $panel)))
      (local.set $j (i32.add (local.get $j) (local.get $nr)))
      (br_if $panels (i32.lt_u (local.get $j) (local.get $nc)))))

  ;; C[0..3][0..7] = (A panel at $a) @ (B panel at $b) over kc steps, added to C when $add is
  ;; non-zero (every depth block after the first), else stored; $ldc is C's row pitch in bytes.
  (func $tile4x8 (param $a i32) (param $b i32) (param $c i32) (param $kc i32) (param $ldc i32) (param $add i32)
    (local $end i32) (local $c1 i32) (local $c2 i32) (local $c3 i32) (local $va v128) (local $b0 v128)
    (local $b1 v128) (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $kc) (i32.const 4))))
    (loop $k
      (local.set $b0 (v128.load (local.get $b)))
      (local.set $b1 (v128.load offset=16 (local.get $b)))
      (local.set $va (v128.load32_splat (local.get $a)))
      (local.set $c00 (f32x4.relaxed_madd (local.get $va) (local.get $b0) (local.get $c00)))
      (local.set $c01 (f32x4.relaxed_madd (local.get $va) (local.get $b1) (local.get $c01)))
      (local.set $va (v128.load32_splat offset=4 (local.get $a)))
      (local.set $c10 (f32x4.relaxed_madd (local.get $va) (local.get $b0) (local.get $c10)))
      (local.set $c11 (f32x4.relaxed_madd (local.get $va) (local.get $b1) (local.get $c11)))
      (local.set $va (v128.load32_splat offset=8 (local.get $a)))
      (local.set $c20 (f32x4.relaxed_madd (local.get $va) (local.get $b0) (local.get $c20)))
      (local.set $c21 (f32x4.relaxed_madd (local.get $va) (local.get $b1) (local.get $c21)))
      (local.set $va (v128.load32_splat offset=12 (local.get $a)))
      (local.set $c30 (f32x4.relaxed_madd (local.get $va) (local.get $b0) (local.get $c30)))
      (local.set $c31 (f32x4.relaxed_madd (local.get $va) (local.get $b1) (local.get $c31)))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 32)))
      (br_if $k (i32.lt_u (local.get $a) (local.get $end))))
    (local.set $c1 (i32.add (local.get $c) (local.get $ldc)))
    (local.set $c2 (i32.add (local.get $c1) (local.get $ldc)))
    (local.set $c3 (i32.add (local.get $c2) (local.get $ldc)))
    (if (local.get $add)
      (then
        (local.set $c00 (f32x4.add (local.get $c00) (v128.load (local.get $c))))
        (local.set $c01 (f32x4.add (local.get $c01) (v128.load offset=16 (local.get $c))))
        (local.set $c10 (f32x4.add (local.get $c10) (v128.load (local.get $c1))))
        (local.set $c11 (f32x4.add (local.get $c11) (v128.load offset=16 (local.get $c1))))
        (local.set $c20 (f32x4.add (local.get $c20) (v128.load (local.get $c2))))
        (local.set $c21 (f32x4.add (local.get $c21) (v128.load offset=16 (local.get $c2))))
        (local.set $c30 (f32x4.add (local.get $c30) (v128.load (local.get $c3))))
        (local.set $c31 (f32x4.add (local.get $c31) (v128.load offset=16 (local.get $c3))))))
    (v128.store (local.get $c) (local.get $c00))
    (v128.store offset=16 (local.get $c) (local.get $c01))
    (v128.store (local.get $c1) (local.get $c10))
    (v128.store offset=16 (local.get $c1) (local.get $c11))
    (v128.store (local.get $c2) (local.get $c20))
    (v128.store offset=16 (local.get $c2) (local.get $c21))
    (v128.store (local.get $c3) (local.get $c30))
    (v128.store offset=16 (local.get $c3) (local.get $c31)))

  ;; C[0..2][0..11] = (A panel at $a) @ (B panel at $b) over kc steps; $add and $ldc as in tile4x8.
  (func $tile3x12 (param $a i32) (param $b i32) (param $c i32) (param $kc i32) (param $ldc i32) (param $add i32)
    (local $end i32) (local $c1 i32) (local $c2 i32) (local $va v128) (local $b0 v128) (local $b1 v128)
    (local $b2 v128)
    (local $c00 v128) (local $c01 v128) (local $c02 v128)
    (local $c10 v128) (local $c11 v128) (local $c12 v128)
    (local $c20 v128) (local $c21 v128) (local $c22 v128)
    (local.set $end (i32.add (local.get $a) (i32.mul (local.get $kc) (i32.const 12))))
    (loop $k
      (local.set $b0 (v128.load (local.get $b)))
      (local.set $b1 (v128.load offset=16 (local.get $b)))
      (local.set $b2 (v128.load offset=32 (local.get $b)))
      (local.set $va (v128.load32_splat (local.get $a)))
      (local.set $c00 (f32x4.relaxed_madd (local.get $va) (local.get $b0) (local.get $c00)))
      (local.set $c01 (f32x4.relaxed_madd (local.get $va) (local.get $b1) (local.get $c01)))
      (local.set $c02 (f32x4.relaxed_madd (local.get $va) (local.get $b2) (local.get $c02)))
      (local.set $va (v128.load32_splat offset=4 (local.get $a)))
      (local.set $c10 (f32x4.relaxed_madd (local.get $va) (local.get $b0) (local.get $c10)))
      (local.set $c11 (f32x4.relaxed_madd (local.get $va) (local.get $b1) (local.get $c11)))
      (local.set $c12 (f32x4.relaxed_madd (local.get $va) (local.get $b2) (local.get $c12)))
      (local.set $va (v128.load32_splat offset=8 (local.get $a)))
      (local.set $c20 (f32x4.relaxed_madd (local.get $va) (local.get $b0) (local.get $c20)))
      (local.set $c21 (f32x4.relaxed_madd (local.get $va) (local.get $b1) (local.get $c21)))
      (local.set $c22 (f32x4.relaxed_madd (local.get $va) (local.get $b2) (local.get $c22)))
      (local.set $a (i32.add (local.get $a) (i32.const 12)))
      (local.set $b (i32.add (local.get $b) (i32.const 48)))
      (br_if $k (i32.lt_u (local.get $a) (local.get $end))))
    (local.set $c1 (i32.add (local.get $c) (local.get $ldc)))
    (local.set $c2 (i32.add (local.get $c1) (local.get $ldc)))
    (if (local.get $add)
      (then
        (local.set $c00 (f32x4.add (local.get $c00) (v128.load (local.get $c))))
        (local.set $c01 (f32x4.add (local.get $c01) (v128.load offset=16 (local.get $c))))
        (local.set $c02 (f32x4.add (local.get $c02) (v128.load offset=32 (local.get $c))))
        (local.set $c10 (f32x4.add (local.get $c10) (v128.load (local.get $c1))))
        (local.set $c11 (f32x4.add (local.get $c11) (v128.load offset=16 (local.get $c1))))
        (local.set $c12 (f32x4.add (local.get $c12) (v128.load offset=32 (local.get $c1))))
        (local.set $c20 (f32x4.add (local.get $c20) (v128.load (local.get $c2))))
        (local.set $c21 (f32x4.add (local.get $c21) (v128.load offset=16 (local.get $c2))))
        (local.set $c22 (f32x4.add (local.get $c22) (v128.load offset=32 (local.get $c2))))))
    (v128.store (local.get $c) (local.get $c00))
    (v128.store offset=16 (local.get $c) (local.get $c01))
    (v128.store offset=32 (local.get $c) (local.get $c02))
    (v128.store (local.get $c1) (local.get $c10))
    (v128.store offset=16 (local.get $c1) (local.get $c11))
    (v128.store offset=32 (local.get $c1) (local.get $c12))
    (v128.store (local.get $c2) (local.get $c20))
    (v128.store offset=16 (local.get $c2) (local.get $c21))
    (v128.store offset=32 (local.get $c2) (local.get $c22)))

  ;; C (+)= packed A block (mcp rows, a multiple of mr) @ packed B block (ncp columns, a multiple
  ;; of the tile's width) with the 4x8 tile (mr = 4) or the 3x12 tile (mr = 3); `$add` as in the
  ;; tiles. One B panel (kc x NR) stays in L1 while the tile runs down every A panel.
  (func (export "macro")
    (param $pa i32) (param $pb i32) (param $c i32) (param $kc i32) (param $mcp i32) (param $ncp i32)
    (param $ldc i32) (param $add i32) (param $mr i32)
    (local $ir i32) (local $jr i32) (local $a i32) (local $b i32) (local $nr i32) (local $aPanel i32)
    (local $bPanel i32)
    (local.set $nr (select (i32.const 8) (i32.const 12) (i32.eq (local.get $mr) (i32.const 4))))
    (local.set $aPanel (i32.shl (i32.mul (local.get $kc) (local.get $mr)) (i32.const 2)))
    (local.set $bPanel (i32.shl (i32.mul (local.get $kc) (local.get $nr)) (i32.const 2)))
    (local.set $b (local.get $pb))
    (loop $cols
      (local.set $ir (i32.const 0))
      (local.set $a (local.get $pa))
      (loop $rows
        (if (i32.eq (local.get $mr) (i32.const 4))
          (then
            (call $tile4x8 (local.get $a) (local.get $b)
              (i32.add (local.get $c)
                (i32.add (i32.mul (local.get $ir) (local.get $ldc)) (i32.shl (local.get $jr) (i32.const 2))))
              (local.get $kc) (local.get $ldc) (local.get $add)))
          (else
            (call $tile3x12 (local.get $a) (local.get $b)
              (i32.add (local.get $c)
                (i32.add (i32.mul (local.get $ir) (local.get $ldc)) (i32.shl (local.get $jr) (i32.const 2))))
              (local.get $kc) (local.get $ldc) (local.get $add))))
        (local.set $a (i32.add (local.get $a) (local.get $aPanel)))
        (local.set $ir (i32.add (local.get $ir) (local.get $mr)))
        (br_if $rows (i32.lt_u (local.get $ir) (local.get $mcp))))
      (local.set $b (i32.add (local.get $b) (local.get $bPanel)))
      (local.set $jr (i32.add (local.get $jr) (local.get $nr)))
      (br_if $cols (i32.lt_u (local.get $jr) (local.get $ncp)))))
)
