/*
 * blkbench: the Linux side of `make bench-blk` (docs/bench.md). Reads a block
 * device with O_DIRECT (no guest page cache) and prints the lines the capOS
 * client prints:
 *   bench: blk randread4k-qd1 iops=N    4 KiB reads at random 4 KiB-aligned
 *                                       offsets, one at a time (pread)
 *   bench: blk randread4k-qd8 iops=N    the same with 8 in flight (Linux AIO,
 *                                       io_submit/io_getevents, one thread)
 *   bench: blk seqread64k mbps=N.N      64 KiB reads in order, one at a time,
 *                                       wrapping at the end; mbps is MiB/s
 *                                       (2^20 bytes), as capOS's blkbench
 * Each test runs WARM seconds untimed, then SECS seconds timed.
 *
 *   blkbench [DEVICE [SECS [WARM]]]     defaults: /dev/vda 3 0.5
 *
 * Built on the host with `gcc -static -O2` by tools/linux_guest.py; needs only
 * the C library (the AIO calls are raw system calls, no libaio).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define QD    8
#define SMALL 4096
#define LARGE 65536

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rand_next(void)
{
	/* xorshift64*: cheap and good enough to spread offsets. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static off_t rand_off(uint64_t size)
{
	return (off_t)(rand_next() % (size / SMALL)) * SMALL;
}

/* Counts reads completed in [t0 + warm, t0 + warm + secs); returns per second. */
static double run_qd1(int fd, void *buf, uint64_t size, size_t len, int seq, double secs,
		      double warm)
{
	double t0 = now(), start = t0 + warm, end = start + secs, t;
	uint64_t done = 0;
	off_t seq_off = 0;

	for (;;) {
		off_t off = seq ? seq_off : rand_off(size);
		ssize_t n = pread(fd, buf, len, off);

		if (n != (ssize_t)len) {
			fprintf(stderr, "blkbench: pread at %lld: %s\n", (long long)off,
				n < 0 ? strerror(errno) : "short read");
			exit(1);
		}
		seq_off = (seq_off + (off_t)len) % (off_t)(size - size % len);
		t = now();
		if (t >= end)
			break;
		if (t >= start)
			done++;
	}
	return done / secs;
}

static long sys_io_setup(unsigned nr, aio_context_t *ctx)
{
	return syscall(SYS_io_setup, nr, ctx);
}

static long sys_io_submit(aio_context_t ctx, long n, struct iocb **iocbs)
{
	return syscall(SYS_io_submit, ctx, n, iocbs);
}

static long sys_io_getevents(aio_context_t ctx, long min, long max, struct io_event *ev)
{
	return syscall(SYS_io_getevents, ctx, min, max, ev, NULL);
}

static void submit(aio_context_t ctx, struct iocb *cb, int fd, void *buf, uint64_t size)
{
	struct iocb *one = cb;

	memset(cb, 0, sizeof(*cb));
	cb->aio_data = (uint64_t)(uintptr_t)cb;
	cb->aio_lio_opcode = IOCB_CMD_PREAD;
	cb->aio_fildes = fd;
	cb->aio_buf = (uint64_t)(uintptr_t)buf;
	cb->aio_nbytes = SMALL;
	cb->aio_offset = rand_off(size);
	if (sys_io_submit(ctx, 1, &one) != 1) {
		fprintf(stderr, "blkbench: io_submit: %s\n", strerror(errno));
		exit(1);
	}
}

/* QD reads always in flight: each completion is replaced at once. */
static double run_qd8(int fd, char *bufs, uint64_t size, double secs, double warm)
{
	aio_context_t ctx = 0;
	struct iocb cbs[QD];
	struct io_event ev[QD];
	double t0, start, end, t;
	uint64_t done = 0;

	if (sys_io_setup(QD, &ctx) < 0) {
		fprintf(stderr, "blkbench: io_setup: %s\n", strerror(errno));
		exit(1);
	}
	t0 = now();
	start = t0 + warm;
	end = start + secs;
	for (int i = 0; i < QD; i++)
		submit(ctx, &cbs[i], fd, bufs + (size_t)i * SMALL, size);
	for (;;) {
		long n = sys_io_getevents(ctx, 1, QD, ev);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "blkbench: io_getevents: %s\n", strerror(errno));
			exit(1);
		}
		t = now();
		for (long i = 0; i < n; i++) {
			struct iocb *cb = (struct iocb *)(uintptr_t)ev[i].data;

			if (ev[i].res != SMALL) {
				fprintf(stderr, "blkbench: AIO read: result %lld\n",
					(long long)ev[i].res);
				exit(1);
			}
			if (t >= start && t < end)
				done++;
			if (t < end)
				submit(ctx, cb, fd, (void *)(uintptr_t)cb->aio_buf, size);
		}
		/* Stop once every read still in flight has come back. */
		if (t >= end) {
			int left = QD - (int)n;

			while (left > 0) {
				n = sys_io_getevents(ctx, 1, left, ev);
				if (n > 0)
					left -= (int)n;
				else if (errno != EINTR)
					break;
			}
			break;
		}
	}
	syscall(SYS_io_destroy, ctx);
	return done / secs;
}

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/vda";
	double secs = argc > 2 ? atof(argv[2]) : 3.0;
	double warm = argc > 3 ? atof(argv[3]) : 0.5;
	uint64_t size = 0;
	char *buf;
	int fd;

	struct stat st;

	fd = open(dev, O_RDONLY | O_DIRECT);
	/* A regular file works too (to try the program on the host). */
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		size = (uint64_t)st.st_size;
	else if (fd >= 0 && ioctl(fd, BLKGETSIZE64, &size) < 0)
		size = 0;
	if (fd < 0 || size < LARGE || secs <= 0) {
		fprintf(stderr, "blkbench: %s: %s\n", dev, fd < 0 ? strerror(errno) : "unusable");
		return 1;
	}
	if (posix_memalign((void **)&buf, 4096, LARGE > QD * SMALL ? LARGE : QD * SMALL)) {
		fprintf(stderr, "blkbench: out of memory\n");
		return 1;
	}
	printf("blkbench: %s, %llu bytes, %.1f s per test after %.1f s warm-up\n", dev,
	       (unsigned long long)size, secs, warm);
	fflush(stdout);
	printf("bench: blk randread4k-qd1 iops=%.0f\n",
	       run_qd1(fd, buf, size, SMALL, 0, secs, warm));
	fflush(stdout);
	printf("bench: blk randread4k-qd8 iops=%.0f\n", run_qd8(fd, buf, size, secs, warm));
	fflush(stdout);
	printf("bench: blk seqread64k mbps=%.1f\n",
	       run_qd1(fd, buf, size, LARGE, 1, secs, warm) * LARGE / 1048576.0);
	fflush(stdout);
	close(fd);
	return 0;
}
