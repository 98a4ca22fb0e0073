# exless: build the kernel and its user programs, boot, debug, test.
#   make            build build/exless.img (installs missing tools first)
#   make run        boot it under QEMU, serial console on this terminal
#   make gdb        boot it paused, with gdb attached at the first instruction
#   make test       the in-kernel suite on 1 CPU and on 2, a short fuzz run, host tests
#   make fuzz       the random-syscall fuzzer (FUZZ_CALLS, FUZZ_SEED, FUZZ_PATHS, FUZZ_KNOWN)
#   make test-cpus  the suite under several CPU models and through SeaBIOS
#   make test-bochs the suite under Bochs (Skylake-X model), booted by GRUB: slow
#   make bench      see bench.mk
# Overridable: SMP, MEM, ACCEL (auto|kvm|tcg|icount), APPEND, CPU.

SMP ?= 2
MEM ?= 512M
ACCEL ?= auto
APPEND ?=
CPU ?=
TEST_SMP ?= 1 2
TEST_FUZZ_CALLS ?= 5000
TEST_PTI ?= off on
TEST_PTI_SMP ?= 2
TEST_TIMEOUT ?= 240
FUZZ_CALLS ?= 1000000
FUZZ_SEED ?=
FUZZ_PATHS ?= int80,syscall,sysenter,flexsc
FUZZ_KNOWN ?= on

CC := gcc
LD := ld
OBJCOPY := objcopy
B := build

# No padding before loops and jump targets (as Linux on x86-64): an executed
# NOP is an instruction in every exact count (icount, simulation).
ALIGN_CFLAGS := -falign-jumps=1 -falign-loops=1
KERNEL_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-builtin $(ALIGN_CFLAGS) \
	-fno-stack-protector -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone \
	-mno-sse -mno-sse2 -mno-mmx -mno-80387 -mgeneral-regs-only -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -Ikernel -MMD -MP
KERNEL_ASFLAGS := -g -Wa,--noexecstack -Ikernel -MMD -MP -D__ASSEMBLER__

USER_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-builtin -nostdlib $(ALIGN_CFLAGS) \
	-fno-stack-protector -fno-pic -fno-pie -static -Iuserlib -Ibench -MMD -MP
USER_LDFLAGS := -nostdlib -static -no-pie -Wa,--noexecstack -Wl,-z,noexecstack -Wl,--build-id=none -T userlib/user.ld

KERNEL_C := $(wildcard kernel/*.c kernel/arch/x86_64/*.c)
KERNEL_S := $(wildcard kernel/arch/x86_64/*.S)
KERNEL_OBJS := $(patsubst %.c,$(B)/%.o,$(KERNEL_C)) $(patsubst %.S,$(B)/%.o,$(KERNEL_S))

USERLIB_SRCS := $(filter-out userlib/test/%,$(wildcard userlib/*.c userlib/*.S))
USERLIB_OBJS := $(patsubst %,$(B)/%.o,$(basename $(USERLIB_SRCS)))
BENCH_LIB_SRCS := $(wildcard bench/lib/*.c)
BENCH_LIB_OBJS := $(patsubst %.c,$(B)/%.o,$(BENCH_LIB_SRCS))
USER_PROGS := $(basename $(notdir $(wildcard userlib/prog/*.c)))
BENCH_PROGS := $(basename $(notdir $(wildcard bench/exless/*.c)))
USER_ELFS := $(patsubst %,$(B)/user/%.elf,$(USER_PROGS) $(BENCH_PROGS))

KERNEL_ELF := $(B)/exless.elf
KERNEL_IMG := $(B)/exless.img
SETUP_STAMP := $(B)/.setup-done

QEMU := scripts/qemu.sh --kernel $(KERNEL_IMG) --smp $(SMP) --mem $(MEM) --accel $(ACCEL) $(if $(CPU),--cpu "$(CPU)")

.PHONY: all run gdb test test-cpus test-bochs fuzz clean setup
# Keep the objects of user programs that pattern rules chain through.
.SECONDARY: $(USERLIB_OBJS) $(BENCH_LIB_OBJS) $(patsubst %,$(B)/userlib/prog/%.o,$(USER_PROGS)) $(patsubst %,$(B)/bench/exless/%.o,$(BENCH_PROGS)) $(B)/bench/suite.o $(B)/bench/server.o
all: $(KERNEL_IMG)

# Install what a fresh Debian 12 machine lacks (QEMU, gdb, ...), once.
setup $(SETUP_STAMP): scripts/setup.sh
	@scripts/setup.sh
	@mkdir -p $(B) && touch $(SETUP_STAMP)

$(B)/%.o: %.c | $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(B)/%.o: %.S | $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(KERNEL_ASFLAGS) -c $< -o $@

# The git revision the kernel reports, rebuilt only when it changes.
GIT_REV := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)
$(B)/gitrev.h: FORCE | $(SETUP_STAMP)
	@echo '#define EXLESS_GIT_REV "$(GIT_REV)"' > $@.tmp; cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp
$(B)/kernel/syscall.o: $(B)/gitrev.h
$(B)/kernel/syscall.o: KERNEL_CFLAGS += -include $(B)/gitrev.h
FORCE:

# GCC's tail merging joins a switch's unreachable default with another block
# and so keeps a range check before the jump table: 2 instructions per entry
# in one of run_posts's two claim loops (kernel/flexsc.c, run_call).
$(B)/kernel/flexsc.o: KERNEL_CFLAGS += -fno-tree-tail-merge

# User space: the library, then one static ELF per program.
$(B)/userlib/%.o: userlib/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(USER_CFLAGS) -c $< -o $@
$(B)/userlib/%.o: userlib/%.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(USER_CFLAGS) -Wa,--noexecstack -D__ASSEMBLER__ -c $< -o $@
$(B)/bench/%.o: bench/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(USER_CFLAGS) -c $< -o $@
$(B)/user/%.elf: $(B)/userlib/prog/%.o $(USERLIB_OBJS) $(BENCH_LIB_OBJS) userlib/user.ld
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(USER_LDFLAGS) -o $@ $< $(USERLIB_OBJS) $(BENCH_LIB_OBJS) -lgcc
$(B)/user/%.elf: $(B)/bench/exless/%.o $(B)/bench/suite.o $(B)/bench/server.o $(USERLIB_OBJS) $(BENCH_LIB_OBJS) userlib/user.ld
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(USER_LDFLAGS) -o $@ $< $(B)/bench/suite.o $(B)/bench/server.o $(USERLIB_OBJS) $(BENCH_LIB_OBJS) -lgcc

# The programs ride in the kernel image: one .incbin each, found by name.
$(B)/userprogs.S: $(USER_ELFS) scripts/userprogs.sh
	scripts/userprogs.sh $(USER_ELFS) > $@
$(B)/userprogs.o: $(B)/userprogs.S
	$(CC) $(KERNEL_ASFLAGS) -c $< -o $@

# The packed file tree (rootfs/ and generated documents), unpacked into
# the RAM file system at boot.
$(B)/rootfs.S: $(shell find rootfs -type f) scripts/rootfs.sh bench/server.h | $(SETUP_STAMP)
	scripts/rootfs.sh rootfs $(B)/rootfs-gen > $@
$(B)/rootfs.o: $(B)/rootfs.S
	$(CC) $(KERNEL_ASFLAGS) -c $< -o $@

# Link twice: the second time with the symbol table of the first. Text comes
# first in the image, so its addresses do not move between the two.
KLINK = $(LD) -n -nostdlib -z noexecstack --no-warn-rwx-segments -z max-page-size=4096 -T kernel/arch/x86_64/kernel.ld
$(B)/ksyms0.o: | $(SETUP_STAMP)
	@mkdir -p $(B) && echo '.section .ksyms, "a"' | $(CC) -Wa,--noexecstack -c -x assembler - -o $@
$(B)/exless.pass1.elf: $(KERNEL_OBJS) $(B)/userprogs.o $(B)/rootfs.o $(B)/ksyms0.o kernel/arch/x86_64/kernel.ld
	$(KLINK) -o $@ $(KERNEL_OBJS) $(B)/userprogs.o $(B)/rootfs.o $(B)/ksyms0.o
$(B)/ksyms.o: $(B)/exless.pass1.elf scripts/ksyms.sh
	scripts/ksyms.sh $< | $(CC) -Wa,--noexecstack -c -x assembler - -o $@
$(KERNEL_ELF): $(B)/exless.pass1.elf $(B)/ksyms.o
	$(KLINK) -o $@ $(KERNEL_OBJS) $(B)/userprogs.o $(B)/rootfs.o $(B)/ksyms.o
	@cmp -s <(nm $< | grep -i ' t ') <(nm $@ | grep -i ' t ') || { echo "kernel text moved between links"; exit 1; }
# QEMU's Multiboot loader takes ELF32 only.
$(KERNEL_IMG): $(KERNEL_ELF)
	$(OBJCOPY) -O elf32-i386 $< $@

run: $(KERNEL_IMG)
	$(QEMU) --interactive --append "$(APPEND)"

gdb: $(KERNEL_IMG)
	@printf 'set architecture i386:x86-64\nfile %s\ntarget remote localhost:1234\n' $(KERNEL_ELF) > $(B)/gdbinit
	@echo "gdb: script $(B)/gdbinit (then: break kmain, continue); serial console in $(B)/gdb-serial.log"
	$(QEMU) --gdb --append "$(APPEND)" --log $(B)/gdb-serial.log & \
	  qemu_pid=$$!; sleep 1; gdb -q -x $(B)/gdbinit; kill $$qemu_pid 2>/dev/null; wait

test: $(KERNEL_IMG)
	@scripts/test.sh --smp "$(TEST_SMP)" --mem $(MEM) --accel $(ACCEL) $(if $(CPU),--cpu "$(CPU)") --append "$(APPEND)" \
	  --fuzz-calls "$(TEST_FUZZ_CALLS)" --pti "$(TEST_PTI)" --pti-smp "$(TEST_PTI_SMP)" --timeout "$(TEST_TIMEOUT)"

fuzz: $(KERNEL_IMG)
	@scripts/fuzz.sh --calls "$(FUZZ_CALLS)" $(if $(FUZZ_SEED),--seed "$(FUZZ_SEED)") --paths "$(FUZZ_PATHS)" \
	  --known "$(FUZZ_KNOWN)" --smp "$(SMP)" --mem $(MEM) --accel $(ACCEL) $(if $(CPU),--cpu "$(CPU)") --append "$(APPEND)"

test-cpus: $(KERNEL_IMG)
	@scripts/test-cpus.sh

test-bochs: $(KERNEL_IMG)
	@scripts/test-bochs.sh --kernel $(KERNEL_IMG)

clean:
	rm -rf $(B)

SHELL := /bin/bash
-include $(shell find $(B) -name '*.d' 2>/dev/null)
-include bench.mk
