#!/bin/bash
# userlib's host tests. Builds userlib freestanding, as for exless, to check
# that it compiles and needs nothing beyond the system call stubs; then builds
# it for Linux against the fake kernel of shim.c and runs host_test.
# The last line reads "N passed, N failed"; the exit status is 0 only if none
# failed. CC picks the compiler (gcc).
set -u
cd "$(dirname "$0")/.." || exit 1
CC=${CC:-gcc}
out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT
passed=0
failed=0

result() { # name, then the command whose status decides
	local name=$1
	shift
	if "$@"; then
		echo "PASS $name"
		passed=$((passed + 1))
	else
		echo "FAIL $name"
		failed=$((failed + 1))
	fi
}

LIB="string.c printf.c malloc.c readline.c flexsc.c uthread.c thread.c"
TARGET_CFLAGS="-ffreestanding -nostdlib -nostdinc -isystem $($CC -print-file-name=include)
	-fno-pie -static -O2 -Wall -Wextra -Werror -std=gnu11 -fno-stack-protector"
HOST_CFLAGS="-O2 -g -Wall -Wextra -Werror -std=gnu11 -fno-builtin
	-fsanitize=undefined -fno-sanitize-recover=all"

build_target() {
	local f ok=0
	for f in $LIB uthread_switch.S prog/sh.c; do
		$CC $TARGET_CFLAGS -c "$f" -o "$out/target_$(basename "$f").o" || ok=1
	done
	return $ok
}

# Every symbol the objects use but do not define must be a stub of sys.c or
# syscall.S.
only_stubs_undefined() {
	local stubs="syscall6 syscall_syscall syscall_syscall_0 syscall_int80 syscall_flexsc_hook syscall_path_set syscall_path_get syscall_path_name"
	local used defined extra
	used=$(nm -u "$out"/target_*.o | awk 'NF == 2 { print $2 }' | sort -u)
	defined=$(nm --defined-only "$out"/target_*.o | awk 'NF == 3 { print $3 }' | sort -u)
	extra=$(comm -23 <(echo "$used") <(echo "$defined") | grep -vxF -f <(tr ' ' '\n' <<<"$stubs"))
	[ -z "$extra" ] || { echo "  undefined: $extra"; return 1; }
}

# gcc may compile a copy loop into a call to memcpy or memset: in those very
# functions it would call itself.
mem_functions_call_nothing() {
	! objdump -d --no-show-raw-insn "$out/target_string.c.o" |
		awk '/^[0-9a-f]+ <(memcpy|memmove|memset)>:/ { f = 1; next } /^[0-9a-f]+ </ { f = 0 } f' |
		grep -q call
}

build_host() {
	local f
	for f in $LIB; do
		$CC $HOST_CFLAGS -include test/rename.h -c "$f" -o "$out/host_$(basename "$f").o" || return 1
	done
	$CC $HOST_CFLAGS -include test/rename.h -Dmain=sh_main -c prog/sh.c -o "$out/host_sh.o" &&
	$CC $HOST_CFLAGS -c uthread_switch.S -o "$out/host_switch.o" &&
	$CC $HOST_CFLAGS -c test/shim.c -o "$out/host_shim.o" &&
	$CC $HOST_CFLAGS -c test/host_test.c -o "$out/host_test.o" &&
	$CC $HOST_CFLAGS -pthread "$out"/host_*.o -o "$out/host_test"
}

result "freestanding build" build_target
result "only system call stubs left undefined" only_stubs_undefined
result "memcpy, memmove, memset call nothing" mem_functions_call_nothing
result "host build" build_host
if [ -x "$out/host_test" ]; then
	"$out/host_test" 2>&1 | tee "$out/log"
	status=${PIPESTATUS[0]}
	passed=$((passed + $(grep -c '^PASS' "$out/log")))
	failed=$((failed + $(grep -c '^FAIL' "$out/log")))
	if [ "$status" != 0 ] && ! grep -q '^FAIL' "$out/log"; then
		echo "FAIL host_test exited with status $status"
		failed=$((failed + 1))
	fi
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
