#!/bin/bash
# Host test of the simulation plugin's model: builds test_model.c with
# model.c and insn.c (no QEMU header needed) and runs it. Last line:
# "N passed, N failed". CC picks the compiler (gcc).
set -u
cd "$(dirname "$0")" || exit 1
out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT
${CC:-gcc} -std=gnu11 -O2 -g -Wall -Wextra -Werror -fsanitize=undefined,address \
	-fno-sanitize-recover=all -o "$out/test_model" test_model.c model.c insn.c ||
	{ echo "0 passed, 1 failed"; exit 1; }
"$out/test_model"
