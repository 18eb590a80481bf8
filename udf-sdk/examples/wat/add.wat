;; add_wat: a guocedb scalar UDF written by hand against ABI.md, to show the
;; ABI is not Rust-only. add_wat(a INT, b INT) -> INT, NULL if either is
;; NULL, wrapping on overflow; any other value tag (the host converts
;; arguments to the declared INT,INT first) or a wrong column count is an
;; error result.
;;
;; Build:   wat2wasm udf-sdk/examples/wat/add.wat -o add_wat.wasm
;; Check:   wasm-objdump -x add_wat.wasm     (exports below, no imports)
;; Use:     CREATE FUNCTION add_wat RETURNS INTEGER SONAME 'add_wat.wasm';
;;
;; Memory layout (64 KiB pages):
;;   0 .. 1023         constant texts (data segments below)
;;   65536 ..          input buffer handed out by guocedb_alloc (grown on demand)
;;   input end ..      the result of the last call (8-byte aligned)
;; The result lives just past the input, so it stays valid until the next
;; call into the module, which is all ABI.md asks.
(module
  (memory (export "memory") 2)

  (data (i32.const 0) "INT,INT")                                ;; 7 bytes
  (data (i32.const 16) "INT")                                   ;; 3 bytes
  (data (i32.const 32) "add_wat: expected 2 arguments")         ;; 29 bytes
  (data (i32.const 64) "add_wat: arguments must be INT")        ;; 30 bytes
  (data (i32.const 96) "add_wat: malformed argument batch")     ;; 33 bytes
  (data (i32.const 136) "add_wat: out of memory")                ;; 22 bytes

  (global $input (mut i32) (i32.const 65536))  ;; start of the input buffer
  (global $input_len (mut i32) (i32.const 0))  ;; its size at the last alloc

  (func (export "guocedb_abi_version") (result i32) (i32.const 1))

  ;; Make sure memory reaches byte `end` (exclusive); 0 when it cannot grow.
  (func $ensure (param $end i32) (result i32)
    (local $have i32)
    (local.set $have (i32.mul (memory.size) (i32.const 65536)))
    (if (i32.le_u (local.get $end) (local.get $have))
      (then (return (i32.const 1))))
    (i32.ne
      (memory.grow
        (i32.shr_u
          (i32.add (i32.sub (local.get $end) (local.get $have)) (i32.const 65535))
          (i32.const 16)))
      (i32.const -1)))

  (func (export "guocedb_alloc") (param $len i32) (result i32)
    (if (i32.lt_s (local.get $len) (i32.const 0)) (then (return (i32.const 0))))
    ;; Input (up to 2 GiB) plus room for the 9-byte result header.
    (if (i32.gt_u (local.get $len) (i32.const 0x7fff0000)) (then (return (i32.const 0))))
    (if (i32.eqz (call $ensure (i32.add (global.get $input) (local.get $len))))
      (then (return (i32.const 0))))
    (global.set $input_len (local.get $len))
    (global.get $input))

  ;; (ptr << 32) | len
  (func $pack (param $ptr i32) (param $len i32) (result i64)
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32))
      (i64.extend_i32_u (local.get $len))))

  ;; An error result at $out: status 1, length, then the message copied
  ;; from the constant at $msg.
  (func $error (param $out i32) (param $msg i32) (param $len i32) (result i64)
    (i32.store8 (local.get $out) (i32.const 1))
    (i32.store align=1 (i32.add (local.get $out) (i32.const 1)) (local.get $len))
    (memory.copy (i32.add (local.get $out) (i32.const 5)) (local.get $msg) (local.get $len))
    (call $pack (local.get $out) (i32.add (local.get $len) (i32.const 5))))

  ;; Read one argument value at $p (bounded by $end): sets $val and
  ;; returns the position after it, or returns -1 for a NULL (with the
  ;; position in $null_next), -2 for another tag, -3 when truncated.
  (global $val (mut i64) (i64.const 0))
  (global $null_next (mut i32) (i32.const 0))
  (func $read_int (param $p i32) (param $end i32) (result i32)
    (local $tag i32)
    (if (i32.ge_u (local.get $p) (local.get $end)) (then (return (i32.const -3))))
    (local.set $tag (i32.load8_u (local.get $p)))
    (if (i32.eqz (local.get $tag))
      (then
        (global.set $null_next (i32.add (local.get $p) (i32.const 1)))
        (return (i32.const -1))))
    (if (i32.ne (local.get $tag) (i32.const 1)) (then (return (i32.const -2))))
    (if (i32.gt_u (i32.add (local.get $p) (i32.const 9)) (local.get $end)) (then (return (i32.const -3))))
    (global.set $val (i64.load align=1 (i32.add (local.get $p) (i32.const 1))))
    (i32.add (local.get $p) (i32.const 9)))

  ;; add_wat(in_ptr, in_len) -> packed result
  (func (export "add_wat") (param $ptr i32) (param $len i32) (result i64)
    (local $end i32) (local $out i32) (local $o i32) (local $nrows i32) (local $row i32)
    (local $p i32) (local $a i64) (local $a_null i32) (local $b_null i32) (local $r i32)
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    ;; Result area: just past the input, 8-byte aligned.
    (local.set $out (i32.and (i32.add (local.get $end) (i32.const 7)) (i32.const -8)))
    (if (i32.eqz (call $ensure (i32.add (local.get $out) (i32.const 64))))
      (then (unreachable)))
    (if (i32.lt_u (local.get $len) (i32.const 8))
      (then (return (call $error (local.get $out) (i32.const 96) (i32.const 33)))))
    (local.set $nrows (i32.load align=1 (local.get $ptr)))
    (if (i32.and (i32.ne (local.get $nrows) (i32.const 0))
                 (i32.ne (i32.load align=1 (i32.add (local.get $ptr) (i32.const 4))) (i32.const 2)))
      (then (return (call $error (local.get $out) (i32.const 32) (i32.const 29)))))
    ;; Each row needs at least 2 input bytes; refuse lies before growing.
    (if (i32.gt_u (local.get $nrows) (i32.shr_u (local.get $len) (i32.const 1)))
      (then (return (call $error (local.get $out) (i32.const 96) (i32.const 33)))))
    ;; Worst case 9 bytes per row plus the 9-byte header.
    (if (i32.eqz (call $ensure (i32.add (i32.add (local.get $out) (i32.const 9))
                                        (i32.mul (local.get $nrows) (i32.const 9)))))
      (then (return (call $error (local.get $out) (i32.const 136) (i32.const 22)))))
    ;; Header: status 0, nrows, ncols = 1.
    (i32.store8 (local.get $out) (i32.const 0))
    (i32.store align=1 (i32.add (local.get $out) (i32.const 1)) (local.get $nrows))
    (i32.store align=1 (i32.add (local.get $out) (i32.const 5)) (i32.const 1))
    (local.set $o (i32.add (local.get $out) (i32.const 9)))
    (local.set $p (i32.add (local.get $ptr) (i32.const 8)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $row) (local.get $nrows)))
        ;; first argument
        (local.set $a_null (i32.const 0))
        (local.set $r (call $read_int (local.get $p) (local.get $end)))
        (if (i32.eq (local.get $r) (i32.const -1))
          (then (local.set $a_null (i32.const 1)) (local.set $r (global.get $null_next))))
        (if (i32.eq (local.get $r) (i32.const -2))
          (then (return (call $error (local.get $out) (i32.const 64) (i32.const 30)))))
        (if (i32.eq (local.get $r) (i32.const -3))
          (then (return (call $error (local.get $out) (i32.const 96) (i32.const 33)))))
        (local.set $p (local.get $r))
        (local.set $a (global.get $val))
        ;; second argument
        (local.set $b_null (i32.const 0))
        (local.set $r (call $read_int (local.get $p) (local.get $end)))
        (if (i32.eq (local.get $r) (i32.const -1))
          (then (local.set $b_null (i32.const 1)) (local.set $r (global.get $null_next))))
        (if (i32.eq (local.get $r) (i32.const -2))
          (then (return (call $error (local.get $out) (i32.const 64) (i32.const 30)))))
        (if (i32.eq (local.get $r) (i32.const -3))
          (then (return (call $error (local.get $out) (i32.const 96) (i32.const 33)))))
        (local.set $p (local.get $r))
        ;; the result value
        (if (i32.or (local.get $a_null) (local.get $b_null))
          (then
            (i32.store8 (local.get $o) (i32.const 0))
            (local.set $o (i32.add (local.get $o) (i32.const 1))))
          (else
            (i32.store8 (local.get $o) (i32.const 1))
            (i64.store align=1 (i32.add (local.get $o) (i32.const 1))
              (i64.add (local.get $a) (global.get $val)))
            (local.set $o (i32.add (local.get $o) (i32.const 9)))))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rows)))
    (if (i32.ne (local.get $p) (local.get $end))
      (then (return (call $error (local.get $out) (i32.const 96) (i32.const 33)))))
    (call $pack (local.get $out) (i32.sub (local.get $o) (local.get $out))))

  (func (export "add_wat__args") (result i64) (call $pack (i32.const 0) (i32.const 7)))
  (func (export "add_wat__returns") (result i64) (call $pack (i32.const 16) (i32.const 3)))
)
