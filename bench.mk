# make bench: the benchmark suite on exless and on the Linux peer, into
# results/<UTC time>/ (scripts/bench.sh). Included by the Makefile, which
# sets KERNEL_IMG, ACCEL and CPU. Settings, all overridable on the command
# line (make bench BENCH_ITERS=2000 BENCH_LIST="nullcall batch"):
#   BENCH_ITERS      samples per measurement, 1..1000000
#   BENCH_BATCHES    batch sizes, each 1..1024
#   BENCH_SIZES      bytes per read/write, each 1..1048576
#   BENCH_LIST       exless benches: nullcall floor pingpong batch cores size indirect server
#                    webserver kvstore (the Linux peer runs those it has: nullcall pingpong
#                    batch size webserver kvstore)
#   BENCH_THREADS    server threads (= client connections) of webserver and kvstore, each
#                    1..64; BENCH_THREADS="1 2 4 8 16 32 64" is the full sweep
#   BENCH_WORK       bytes of user work per operation of the server bench, each 1..4096
#   BENCH_REQUESTS   measured requests per point of webserver and kvstore
#   BENCH_SMP        CPUs of both machines
#   BENCH_SYSCALL_CORES  exless's syscall cores, 0..BENCH_SMP-1: the top N CPUs
#                    (flexsc.cores=), 0 = none (single-core mode); empty: the kernel's default
#   BENCH_USER_CORES CPUs of the webserver and kvstore servers, on exless and Linux
#                    (CPUs 1.. free of syscall threads, then CPU 0, the client's); user cores
#                    + syscall cores <= BENCH_SMP; empty: all a mode leaves free but CPU 0
#   BENCH_MEM        memory of both machines
#   BENCH_PEER       1: also boot the Linux peer; 0: exless only
#   BENCH_PEER_ARGS  more Linux parameters, e.g. nopti (default: Linux's defaults)
#   BENCH_TIMEOUT    seconds per boot
#   ICOUNT           1: -icount shift=0, the TSC counts guest instructions
#   BENCH_PTI        exless PTI modes: off, on, or "off on" (each exless boot once per mode)
#   BENCH_FLEXSC_SINGLE  exless's single-core FlexSC mode: inline (default) or switch
# ACCEL=sim (make bench ACCEL=sim): TCG with -icount shift=0 and the
# simulation plugin of bench/sim/ (instructions, caches, TLBs per window);
# BENCH_ITERS then defaults to 200 (the counts are exact, few samples do),
# BENCH_PEER to 0, and SIM_ARGS passes cache and TLB geometry to the plugin,
# e.g. SIM_ARGS="l1d=49152:12 l2=1310720:10" (see bench/sim/plugin.c);
# SIM_ARGS=profile=1 adds a per-address profile (scripts/simprof.py).
# scripts/bench.sh checks them all; a bad one stops make before it builds.

ifeq ($(ACCEL),sim)
BENCH_ITERS ?= 200
BENCH_PEER ?= 0
endif
BENCH_ITERS ?= 10000
BENCH_BATCHES ?= 1 2 4 8 16 32 64 128 256
BENCH_SIZES ?= 1 4 16 64 256 1024 4096 16384 65536
BENCH_LIST ?= nullcall floor pingpong batch cores size indirect server
BENCH_THREADS ?= 1 4 16
BENCH_WORK ?= 256 1024 4096
BENCH_REQUESTS ?= 500
BENCH_SMP ?= 2
BENCH_SYSCALL_CORES ?=
BENCH_USER_CORES ?=
BENCH_MEM ?= 1G
BENCH_PEER ?= 1
BENCH_PEER_ARGS ?=
BENCH_TIMEOUT ?= 300
ICOUNT ?= 0
BENCH_PTI ?= off
BENCH_FLEXSC_SINGLE ?= inline
SIM_ARGS ?=

include bench/sim/sim.mk

BENCH_OPTS = --iters '$(BENCH_ITERS)' --batches '$(BENCH_BATCHES)' --sizes '$(BENCH_SIZES)' \
	--list '$(BENCH_LIST)' --threads '$(BENCH_THREADS)' --work '$(BENCH_WORK)' --requests '$(BENCH_REQUESTS)' --smp '$(BENCH_SMP)' \
	--syscall-cores '$(BENCH_SYSCALL_CORES)' --user-cores '$(BENCH_USER_CORES)' --mem '$(BENCH_MEM)' --peer '$(BENCH_PEER)' \
	--peer-args '$(BENCH_PEER_ARGS)' --timeout '$(BENCH_TIMEOUT)' --icount '$(ICOUNT)' \
	--accel '$(ACCEL)' $(if $(CPU),--cpu '$(CPU)') --sim-args '$(SIM_ARGS)' --pti '$(BENCH_PTI)' --flexsc-single '$(BENCH_FLEXSC_SINGLE)'

ifneq ($(filter bench,$(MAKECMDGOALS)),)
BENCH_CHECK := $(shell scripts/bench.sh --check $(BENCH_OPTS) 2>&1 || echo '(bad bench settings)')
ifneq ($(findstring (bad bench settings),$(BENCH_CHECK)),)
$(error $(BENCH_CHECK))
endif
endif

.PHONY: bench
bench: $(KERNEL_IMG) $(if $(filter sim,$(ACCEL)),$(SIM_PLUGIN))
	scripts/bench.sh $(BENCH_OPTS) --kernel $(KERNEL_IMG) $(if $(filter sim,$(ACCEL)),--sim-plugin $(SIM_PLUGIN))
