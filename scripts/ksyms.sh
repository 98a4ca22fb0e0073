#!/bin/sh
# Turn `nm -n` output of the kernel into an assembly table of text symbols
# (struct ksym, kernel/ksyms.h) for the .ksyms section.
set -e
echo '	.section .ksyms, "a"'
nm -n "$1" | awk '$2 ~ /^[tT]$/ { n++; printf "\t.quad 0x%s, .Lksym%d\n", $1, n; names[n] = $3 }
END {
	print "\t.section .rodata.ksymstr, \"a\""
	for (i = 1; i <= n; i++) printf ".Lksym%d: .asciz \"%s\"\n", i, names[i]
}'
