# The simulation plugin of `make bench ACCEL=sim` (bench/sim/plugin.c), built
# against the plugin header of Debian's source package of the installed QEMU,
# which scripts/sim-header.sh fetches into ~/.cache/exless/ the first time.
# Included by bench.mk; only `make bench ACCEL=sim` builds it.
SIM_PLUGIN := $(B)/sim/libexsim.so
SIM_SRCS := bench/sim/plugin.c bench/sim/model.c bench/sim/insn.c
SIM_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -shared -fPIC

# The .so records the source version it was built against next to it
# (SIM_PLUGIN.qemu-src): scripts/bench.sh compares it with the installed QEMU.
$(SIM_PLUGIN): $(SIM_SRCS) bench/sim/model.h bench/sim/insn.h kernel/abi/simmark.h \
		kernel/arch/x86_64/layout.h bench/sim/sim.mk scripts/sim-header.sh
	@mkdir -p $(dir $@)
	@inc=$$(scripts/sim-header.sh) && \
	src=$$(dpkg-query -W -f '$${source:Version}' qemu-system-x86) && \
	echo "  CC      $@ (QEMU plugin header of Debian qemu $$src)" && \
	$(CC) $(SIM_CFLAGS) -I"$$inc" -DSIM_QEMU_SRC="\"$$src\"" -o $@ $(SIM_SRCS) && \
	echo "$$src" > $@.qemu-src

# make sim-test: the plugin in a real boot (bench/sim/smoke.sh), and issue
# 10's budget for FlexSC's syscall core (bench/sim/budget.sh); needs the
# header download like ACCEL=sim, so it is not part of make test.
.PHONY: sim-test
sim-test: $(KERNEL_IMG) $(SIM_PLUGIN)
	bench/sim/smoke.sh $(KERNEL_IMG) $(SIM_PLUGIN)
	bench/sim/budget.sh $(KERNEL_IMG) $(SIM_PLUGIN)
