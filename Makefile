# capOS build. `make run` boots in QEMU, `make test` runs every check.
# Both install what they need first (tools/deps.sh, from Debian's packages).

BUILD   := build
CMDLINE ?=
MACHINE ?= q35
ACCEL   ?= tcg
SMP     ?= 1
MEM     ?= 128M
BOOT    ?= pvh
DEBUG   ?= 0

CC      := gcc
HOSTCC  := gcc
KERNEL  := $(BUILD)/capos.elf
ISO     := $(BUILD)/capos.iso

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
KCFLAGS := -std=gnu11 -ffreestanding -fno-pic -fno-pie -mno-red-zone -mcmodel=kernel \
	   -mgeneral-regs-only -fno-stack-protector -fno-omit-frame-pointer \
	   -fno-tree-loop-distribute-patterns -fno-asynchronous-unwind-tables \
	   -O2 -g $(WARN) -I. -Iinclude -Ikernel -MMD -MP
ifeq ($(DEBUG),1)
KCFLAGS += -DCAPOS_DEBUG_LOCKS
endif
KLDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=0x1000 \
	    -Wl,-z,noexecstack -T kernel/arch/x86_64/linker.ld
HCFLAGS := -std=gnu11 -DCAPOS_HOST -g -O1 -fsanitize=address,undefined \
	   -fno-sanitize-recover=all -fno-omit-frame-pointer -Wall -Wextra -Werror \
	   -I. -Iinclude -Itests/host -MMD -MP

LIB_SRCS    := $(shell find lib -name '*.c' | sort)
KERNEL_SRCS := $(shell find kernel -name '*.c' | sort) $(LIB_SRCS)
KERNEL_ASM  := $(shell find kernel -name '*.S' | sort) $(BUILD)/gen/bundle.S
KERNEL_OBJS := $(patsubst %,$(BUILD)/k/%.o,$(KERNEL_SRCS) $(KERNEL_ASM))

# User programs: one folder per program under user/ (user/lib is the runtime).
USER_PROGS  := $(sort $(filter-out lib,$(notdir $(patsubst %/,%,$(dir $(wildcard user/*/main.c))))))
USER_ELFS   := $(patsubst %,$(BUILD)/user/%.elf,$(USER_PROGS))
UCFLAGS := -std=gnu11 -ffreestanding -fno-pic -fno-pie \
	   -fno-stack-protector -fno-asynchronous-unwind-tables -O2 -g $(WARN) \
	   -Iuser -Iinclude -I. -MMD -MP
ULDFLAGS := -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=0x1000 \
	    -Wl,-z,noexecstack -T user/user.ld

HOST_SUPPORT := $(filter-out tests/host/test_%.c,$(wildcard tests/host/*.c))
HOST_TESTS   := $(patsubst tests/host/%.c,$(BUILD)/host/%,$(wildcard tests/host/test_*.c))
HOST_LIBOBJS := $(patsubst %,$(BUILD)/host/obj/%.o,$(LIB_SRCS) $(HOST_SUPPORT))

FORMAT_SRCS = $(shell git ls-files -co --exclude-standard -- '*.c' '*.h' 2>/dev/null)

.SECONDEXPANSION:

.PHONY: all kernel iso run debug test deps check-format format host-tests smoke \
	bench-boot bench-irq bench-ring bench-dma run-smoke run-hostile fuzz clean generated-code generated-code-check
all: kernel

deps:
	@bash tools/deps.sh

kernel: $(KERNEL)

# capos.sym.elf keeps the debug information for gdb and addr2line; capos.elf,
# the image that boots, is the same link without it.
$(KERNEL): $(KERNEL_OBJS) kernel/arch/x86_64/linker.ld
	@echo "  LD      $@"
	@$(CC) $(KCFLAGS) $(KLDFLAGS) -o $(BUILD)/capos.sym.elf $(KERNEL_OBJS)
	@objcopy --strip-debug $(BUILD)/capos.sym.elf $@
	@echo "kernel: $@ $$(stat -c %s $@) bytes"

$(BUILD)/k/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/k/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(KCFLAGS) -c $< -o $@

USER_LIB := $(wildcard user/lib/*.c) lib/fmt.c lib/umalloc/umalloc.c $(wildcard lib/virtio/*.c) \
	    $(wildcard lib/blkq/*.c) $(wildcard lib/pktq/*.c) $(wildcard lib/net/*.c)

$(BUILD)/user/%.elf: $$(wildcard user/%/*.c) $(USER_LIB) user/lib/crt0.S user/user.ld
	@mkdir -p $(dir $@)
	@echo "  USER    $@"
	@$(CC) $(UCFLAGS) $(ULDFLAGS) -o $@.sym user/lib/crt0.S $(filter %.c,$^)
	@objcopy --strip-debug $@.sym $@

# Boot manifests: every manifests/*.manifest compiled, plus one deliberately
# truncated blob so the smokes can prove a bad manifest stops the boot.
MANIFESTS := $(sort $(basename $(notdir $(wildcard manifests/*.manifest))))
MANIFEST_BINS := $(patsubst %,$(BUILD)/manifest/%.bin,$(MANIFESTS)) $(BUILD)/manifest/bad-truncated.bin

$(BUILD)/manifest/bad-truncated.bin: $(BUILD)/manifest/default.bin
	@head -c 40 $< > $@

# Every user program and manifest is linked into the kernel image, with name
# tables.
$(BUILD)/gen/bundle.S: $(USER_ELFS) $(MANIFEST_BINS) tools/mkbundle.sh Makefile
	@mkdir -p $(dir $@)
	@bash tools/mkbundle.sh $@ $(BUILD) $(USER_PROGS) -- $(MANIFESTS) bad-truncated

iso: $(ISO)

# CMDLINE is baked into grub.cfg, so the ISO is rebuilt whenever it changes.
$(ISO): $(KERNEL) tools/mkiso.sh FORCE
	@bash tools/mkiso.sh $(KERNEL) $@ "$(CMDLINE)"

FORCE:

# Without CMDLINE, `make run` boots manifests/run with a virtio-blk disk
# (build/run-disk.img, made once with tools/diskpat.py's pattern) and a
# virtio-net NIC on QEMU's user network, their drivers running.
RUN_DISK := $(BUILD)/run-disk.img
RUN_DEVICES := -drive file=$(RUN_DISK),if=none,id=d0,format=raw -device virtio-blk-pci,drive=d0 \
	       -netdev user,id=n0 -device virtio-net-pci,netdev=n0

$(RUN_DISK):
	@mkdir -p $(dir $@)
	@python3 -c "import sys; sys.path.insert(0, 'tools'); import diskpat; diskpat.make('$@', 16 << 20)"

run: deps kernel $(RUN_DISK)
	@if [ "$(BOOT)" != pvh ]; then $(MAKE) --no-print-directory iso CMDLINE="$(CMDLINE)"; fi
	bash tools/qemu.sh --machine $(MACHINE) --boot $(BOOT) --accel $(ACCEL) --smp $(SMP) \
		--mem $(MEM) --cmdline "$(if $(CMDLINE),$(CMDLINE),manifest=run)" --interactive \
		-- $(if $(CMDLINE),,$(RUN_DEVICES)) $(QEMU_EXTRA)

debug: deps kernel
	@echo "QEMU is halted with a gdb stub on localhost:1234. In another terminal:"
	@echo "  gdb $(BUILD)/capos.sym.elf -ex 'target remote localhost:1234' -ex 'hbreak kmain' -ex continue"
	bash tools/qemu.sh --machine $(MACHINE) --boot pvh --accel $(ACCEL) --smp $(SMP) \
		--mem $(MEM) --cmdline "$(CMDLINE)" --interactive --gdb

# Host unit tests: lib/ built for the host with ASan and UBSan, under cmocka.
$(BUILD)/host/obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	@$(HOSTCC) $(HCFLAGS) -c $< -o $@

$(BUILD)/host/test_%: tests/host/test_%.c $(HOST_LIBOBJS)
	@mkdir -p $(dir $@)
	@echo "  HOSTLD  $@"
	@$(HOSTCC) $(HCFLAGS) $< $(HOST_LIBOBJS) -lcmocka -o $@

host-tests: $(HOST_TESTS)

check-format:
	@clang-format --dry-run --Werror $(FORMAT_SRCS)

format:
	@clang-format -i $(FORMAT_SRCS)

test: deps
	@bash tools/test.sh

smoke: deps kernel iso
	@bash tools/smoke.sh

bench-boot: deps kernel
	@$(MAKE) --no-print-directory iso CMDLINE="poweroff"
	@python3 tools/bench_boot.py

# Interface headers generated from schema/capos.capnp (checked in).
generated-code: deps
	@bash tools/check_generated.sh --update

generated-code-check: deps
	@bash tools/check_generated.sh

$(BUILD)/manifest/%.bin: manifests/%.manifest tools/mkmanifest.py include/capos/gen/capos_schema.h
	@mkdir -p $(dir $@)
	@python3 tools/mkmanifest.py -o $@ $<

# The userspace manifests end to end, on q35 with 2 CPUs (tests/qemu/user.smoke).
run-smoke: deps kernel
	@python3 tools/smoke.py --filter manifest-smoke --plain

# The hostile smokes: random rings, cooperating attackers on endpoints, the
# spawn/kill stress, and the flags/FPU boundary checks, on 1, 2 and 4 CPUs.
run-hostile: deps kernel
	@for f in hostile stress rflags-fpu; do python3 tools/smoke.py --filter $$f --plain || exit 1; done

# Proof 9: a hostile driver's 100000 random and corrupt calls on edu's Device,
# DeviceMmio, Interrupt and DMAPool, on q35 with 2 CPUs, with intel-iommu and
# without (tests/qemu/devhostile.smoke).
.PHONY: run-device-hostile
run-device-hostile: deps kernel
	@python3 tools/smoke.py --filter devattack --plain

bench-dma: deps kernel
	@python3 tools/bench_dma.py

bench-irq: deps kernel
	@python3 tools/bench_irq.py

bench-ring: deps kernel
	@python3 tools/bench_ring.py

# capOS's virtio-blk and virtio-net against Debian's cloud kernel, booted on the
# same QEMU command line (tools/bench_io.py, tools/linux_guest.py, docs/bench.md).
.PHONY: bench-blk bench-net
bench-blk: deps kernel
	@python3 tools/bench_io.py blk --smp $(SMP) --mem $(MEM)

bench-net: deps kernel
	@python3 tools/bench_io.py net --smp $(SMP) --mem $(MEM)

fuzz: deps
	@bash tools/fuzz.sh $${FUZZ_SECONDS:-60}

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
