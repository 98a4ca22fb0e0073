#!/bin/sh
# Embed user programs in the kernel: an .incbin each, and a table of
# { name, start, end } (struct user_program, kernel/userprog.h).
set -e
echo '	.section .rodata'
i=0
for f in "$@"; do
	i=$((i + 1))
	echo "	.balign 16"
	echo ".Lprog$i: .incbin \"$f\""
	echo ".Lprog${i}_end:"
	echo ".Lname$i: .asciz \"$(basename "$f" .elf)\""
done
echo '	.balign 8'
echo '	.global user_programs, user_programs_count'
echo 'user_programs:'
i=0
for f in "$@"; do
	i=$((i + 1))
	echo "	.quad .Lname$i, .Lprog$i, .Lprog${i}_end"
done
echo 'user_programs_count:'
echo "	.quad $i"
