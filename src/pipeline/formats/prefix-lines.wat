;; The hot loop of the heroku and prefixed formats: copy whole lines, each preceded by a prefix.
;; Built into lib/ by scripts/wat.mjs (WebAssembly text → binary); src/pipeline/prefix-lines.ts lays out the
;; memory and is the only caller. In JavaScript this costs an indexOf call and two copies per line; here one
;; pass moves 16 bytes at a time and finds the newline in the same 16 bytes (about 4 times faster).
(module
  ;; 1 MiB, never grown (growing would detach the Buffer views prefix-lines.ts keeps).
  (memory (export "memory") 16)

  ;; Where the last call stopped reading: the end of the last line it copied.
  (global $read (export "read") (mut i32) (i32.const 0))

  ;; Copies the lines of [src, srcEnd) to [dst, dstEnd), each after the plen bytes of prefix kept at address 0, and
  ;; returns where the output ends. Stops before a line that would end past dstEnd, and at a last line with no
  ;; newline before srcEnd. Loads may read up to 15 bytes past srcEnd and stores may write up to 16 bytes past
  ;; dstEnd: the caller leaves that much room.
  (func (export "prefixLines")
    (param $src i32) (param $srcEnd i32) (param $dst i32) (param $dstEnd i32) (param $plen i32) (result i32)
    (local $lineSrc i32) (local $lineDst i32) (local $bytes v128) (local $newlines i32) (local $i i32) (local $n i32)
    (block $stop
      (loop $line
        (br_if $stop (i32.ge_u (local.get $src) (local.get $srcEnd)))
        (br_if $stop (i32.ge_u (i32.add (local.get $dst) (local.get $plen)) (local.get $dstEnd)))
        (local.set $lineSrc (local.get $src))
        (local.set $lineDst (local.get $dst))
        ;; The prefix, 16 bytes at a time: the last store may run past it, and the line then overwrites that.
        (local.set $i (i32.const 0))
        (loop $prefix
          (v128.store (i32.add (local.get $dst) (local.get $i)) (v128.load (local.get $i)))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br_if $prefix (i32.lt_u (local.get $i) (local.get $plen))))
        (local.set $dst (i32.add (local.get $dst) (local.get $plen)))
        (block $unfinished
          (loop $sixteen
            ;; Store 16 bytes, then look for a newline among them: the bytes after it are overwritten next.
            (local.set $bytes (v128.load (local.get $src)))
            (v128.store (local.get $dst) (local.get $bytes))
            (local.set $newlines (i8x16.bitmask (i8x16.eq (local.get $bytes) (i8x16.splat (i32.const 10)))))
            (if (local.get $newlines)
              (then
                (local.set $n (i32.add (i32.ctz (local.get $newlines)) (i32.const 1)))
                ;; A newline past srcEnd is left over from earlier input, not the end of this line; and the line
                ;; must end within the output.
                (br_if $unfinished
                  (i32.or
                    (i32.gt_u (i32.add (local.get $src) (local.get $n)) (local.get $srcEnd))
                    (i32.gt_u (i32.add (local.get $dst) (local.get $n)) (local.get $dstEnd))))
                (local.set $src (i32.add (local.get $src) (local.get $n)))
                (local.set $dst (i32.add (local.get $dst) (local.get $n)))
                (br $line)))
            (local.set $src (i32.add (local.get $src) (i32.const 16)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (br_if $sixteen
              (i32.and (i32.lt_u (local.get $src) (local.get $srcEnd)) (i32.lt_u (local.get $dst) (local.get $dstEnd))))))
        ;; Out of input or of room in the middle of this line: it is left for the next call.
        (local.set $src (local.get $lineSrc))
        (local.set $dst (local.get $lineDst))))
    (global.set $read (local.get $src))
    (local.get $dst)))
