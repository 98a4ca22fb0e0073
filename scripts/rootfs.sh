#!/bin/bash
# Pack a directory tree into the kernel image: an .incbin per file and a
# table of { path, start, end } (struct rootfs_file, kernel/vfs.c), which
# the kernel unpacks into its RAM file system at boot.
#   scripts/rootfs.sh SRC_DIR GEN_DIR > rootfs.S
# SRC_DIR's files keep their paths under /. GEN_DIR receives the web
# workload's documents, made here, deterministically: /www/doc-<bytes>.txt
# for the sizes of WEB_DOC_KIB in bench/server.h (1 KiB .. 64 KiB), where
# byte i is '\n' if i % 64 == 63, else 'a' + (i * 7 + bytes / 1024) % 26
# (tests check the contents by this rule; bench/linux/srvtest.sh checks that
# web_doc_byte() in bench/server.h makes the same files).
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 SRC_DIR GEN_DIR" >&2; exit 2; }
src=$1 gen=$2
[ -d "$src" ] || { echo "rootfs.sh: '$src' is not a directory" >&2; exit 2; }
rm -rf "$gen"
mkdir -p "$gen/www"
kibs=$(sed -n 's/^#define WEB_DOC_KIB //p' "$(dirname "$0")/../bench/server.h" | tr -d ,)
[[ "$kibs" =~ ^[0-9]+( [0-9]+)*$ ]] || { echo "rootfs.sh: no WEB_DOC_KIB list in bench/server.h" >&2; exit 1; }
for kib in $kibs; do
	bytes=$((kib * 1024))
	awk -v n="$bytes" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "%c", (i % 64 == 63) ? 10 : 97 + (i * 7 + int(n / 1024)) % 26
	}' >"$gen/www/doc-$bytes.txt"
done
files=()
for dir in "$src" "$gen"; do
	while IFS= read -r f; do
		files+=("$dir|${f#./}")
	done < <(cd "$dir" && find . -type f | LC_ALL=C sort)
done
echo '	.section .rodata'
i=0
for entry in "${files[@]}"; do
	i=$((i + 1))
	dir=${entry%%|*} rel=${entry#*|}
	case "$rel" in *'"'* | *'\'*) echo "rootfs.sh: unusable file name '$rel'" >&2; exit 1 ;; esac
	echo '	.balign 16'
	echo ".Lfile$i: .incbin \"$dir/$rel\""
	echo ".Lfile${i}_end:"
	echo ".Lpath$i: .asciz \"/$rel\""
done
echo '	.balign 8'
echo '	.global rootfs_files, rootfs_files_count'
echo 'rootfs_files:'
for ((j = 1; j <= i; j++)); do
	echo "	.quad .Lpath$j, .Lfile$j, .Lfile${j}_end"
done
echo 'rootfs_files_count:'
echo "	.quad $i"
