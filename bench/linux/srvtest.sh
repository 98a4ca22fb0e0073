#!/bin/bash
# Host test of the server workloads (make test runs it): builds
# bench/linux/srvtest.c with the workloads (bench/server.c) over the Linux
# platform layer (srv.c), runs it natively (each workload passing the
# client's byte-for-byte checks, a spoilt response caught), and checks that
# the documents it writes with web_doc_byte() are the very files
# scripts/rootfs.sh packs into exless; then scripts/bench.sh --check on the
# core knobs (--user-cores, --syscall-cores). Ends with "N passed, N failed".
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/build/srvtest
mkdir -p "$out" || exit 1
tmp=$(mktemp -d /tmp/exless-srvtest.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

if ! gcc -std=gnu11 -O2 -Wall -Wextra -Werror -I"$root/bench" -o "$out/srvtest" \
	"$root/bench/linux/srvtest.c" "$root/bench/linux/host.c" "$root/bench/linux/srv.c" "$root/bench/server.c" \
	"$root/bench/lib/report.c" -lpthread; then
	echo "FAIL build of srvtest"
	echo "0 passed, 1 failed"
	exit 1
fi
mkdir "$tmp/docs"
timeout 120 "$out/srvtest" "$tmp/docs" >"$tmp/log" 2>&1
status=$?
cat "$tmp/log"
p=$(sed -nE 's/^srvtest: ([0-9]+) passed, ([0-9]+) failed$/\1/p' "$tmp/log")
f=$(sed -nE 's/^srvtest: ([0-9]+) passed, ([0-9]+) failed$/\2/p' "$tmp/log")
pass=$((pass + ${p:-0})) fail=$((fail + ${f:-0}))
if [ -z "$p" ] || { [ "$status" != 0 ] && [ "${f:-0}" = 0 ]; }; then
	echo "FAIL srvtest: exit status $status without a summary of failures"
	fail=$((fail + 1))
fi

# The documents: the same names and bytes as scripts/rootfs.sh's.
same_docs() {
	local d n=0
	"$root/scripts/rootfs.sh" "$root/rootfs" "$tmp/gen" >/dev/null || return 1
	for d in "$tmp"/gen/www/doc-*.txt; do
		cmp -s "$d" "$tmp/docs/www/${d##*/}" || return 1
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] && [ "$n" = "$(ls "$tmp"/docs/www/doc-*.txt | wc -l)" ]
}
if same_docs; then
	echo "PASS web documents: web_doc_byte() makes the files of scripts/rootfs.sh"
	pass=$((pass + 1))
else
	echo "FAIL web documents: web_doc_byte() and scripts/rootfs.sh make different files"
	fail=$((fail + 1))
fi
# The core knobs of scripts/bench.sh --check: status 0 where user cores +
# syscall cores fit the boot's CPUs, 64 with a message otherwise.
knob() {
	local want=$1 rc
	shift
	"$root/scripts/bench.sh" --check "$@" >"$tmp/knob.log" 2>&1
	rc=$?
	if [ "$rc" = "$want" ] && ! grep -q 'unknown option' "$tmp/knob.log" &&
		{ [ "$want" = 0 ] || grep -q 'bench.sh: ' "$tmp/knob.log"; }; then
		echo "PASS bench.sh --check $* -> $rc"
		pass=$((pass + 1))
	else
		echo "FAIL bench.sh --check $* -> $rc, want $want: $(cat "$tmp/knob.log")"
		fail=$((fail + 1))
	fi
}
knob 0 --list webserver --smp 4 --syscall-cores 2 --user-cores 2
knob 0 --list kvstore --smp 2 --syscall-cores 0 --user-cores 2
knob 0 --list kvstore --smp 2 --user-cores 1
knob 64 --list kvstore --smp 2 --user-cores 2
knob 64 --list webserver --smp 4 --syscall-cores 2 --user-cores 3
knob 64 --list webserver --smp 4 --syscall-cores 4
knob 64 --list webserver --smp 4 --syscall-cores 08
knob 64 --list webserver --user-cores 0
knob 64 --list nullcall --smp 4 --user-cores 1
knob 64 --list kvstore --user-cores 2 --config 'smp=4 flexsc=1-3'
knob 64 --list kvstore --syscall-cores 1 --config 'smp=2'
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
