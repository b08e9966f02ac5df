/* test_manifest_dev: devices in the boot manifest. Sources compiled by
 * tools/mkmanifest.py (its errors, line by line, and blobs the validator accepts); then
 * every validator rule on hostile edits of a good blob; a seeded random corruption loop.
 * Blobs live in heap blocks of their exact length, so ASan sees any read past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capos/gen/capos_schema.h"
#include "lib/manifest/manifest.h"
#include "mkmanifest_run.h"

#define BINS "binary init\nbinary drv\nbinary other\n"
#define INIT "init binary=init caps=console:Console,spawner:ProcessSpawner,manifest:BootManifest,"

/* init's grants: console 0, spawner 1, manifest 2, log 3, edu0 4, nvme 5, nic 6, chan 7,
 * timer 8. Services: o 1 (grants 9..11), e 2 (12..13), d 3 (14..16), z 4 (17). */
static const char good_src[] =
    BINS "device edu0 match=1234:11e8 nth=1 pool=64K mmio=1M irqs=2 ring=16 inflight=8\n"
	 "device nvme match=class:010802 pool=2M dma=unconfined\n"
	 "device nic match=addr:0001:00:02.7\n" INIT
	 "log:Console,edu0:DeviceSlot,nvme:DeviceSlot,nic:DeviceSlot,chan:Endpoint,timer:Timer\n"
	 "service o binary=other caps=console:Console,c:EndpointClient@chan,timer:Timer\n"
	 "service e binary=drv caps=dev:Device@nvme,c:EndpointClient@chan\n"
	 "service d binary=drv caps=dev:Device@edu0,console:Console@log,ep:Endpoint@chan\n"
	 "service z binary=other caps=console:Console\n";

static uint8_t *compile_ok(const char *src, size_t *len)
{
	char err[256];
	uint8_t *b = mkmanifest_compile(src, len, err, sizeof(err));
	if (b == NULL)
		fail_msg("mkmanifest refused a good source: %s", err);
	return b;
}

static void expect(const uint8_t *blob, size_t len, enum manifest_status want, const char *needle)
{
	struct manifest m;
	char why[200];
	enum manifest_status st = manifest_parse(blob, len, &m, why, sizeof(why));
	if (st != want || (needle != NULL && strstr(why, needle) == NULL))
		fail_msg("status %d (%s), want %d: '%s' lacks '%s'", st, manifest_status_name(st),
			 want, why, needle ? needle : "");
}

static struct capos_manifest_header header_of(const uint8_t *b)
{
	struct capos_manifest_header h;
	memcpy(&h, b, sizeof(h));
	return h;
}

static void test_good(void **state)
{
	(void)state;
	size_t len;
	uint8_t *b = compile_ok(good_src, &len);
	struct manifest m;
	struct manifest_device d;
	struct manifest_grant g;
	uint32_t idx;
	char why[200];
	assert_int_equal(manifest_parse(b, len, &m, why, sizeof(why)), MANIFEST_OK);
	assert_int_equal(m.device_count, 3);
	assert_true(manifest_device(&m, 0, &d));
	assert_string_equal(d.name, "edu0");
	assert_int_equal(d.match, CAPOS_MANIFEST_MATCH_ID);
	assert_int_equal(d.vendor, 0x1234);
	assert_int_equal(d.device, 0x11e8);
	assert_int_equal(d.nth, 1);
	assert_int_equal(d.pool_bytes, 65536);
	assert_int_equal(d.mmio_bytes, 1 << 20);
	assert_int_equal(d.irqs, 2);
	assert_int_equal(d.ring_depth, 16);
	assert_int_equal(d.inflight, 8);
	assert_false(d.unconfined);
	assert_true(manifest_device(&m, 1, &d));
	assert_int_equal(d.match, CAPOS_MANIFEST_MATCH_CLASS);
	assert_int_equal(d.class_len, 3);
	assert_int_equal(d.class_code, 0x010802);
	assert_int_equal(d.pool_bytes, 2 << 20);
	assert_true(d.unconfined);
	assert_true(manifest_device(&m, 2, &d));
	assert_int_equal(d.match, CAPOS_MANIFEST_MATCH_ADDR);
	assert_int_equal(d.seg, 1);
	assert_int_equal(d.bus, 0);
	assert_int_equal(d.dev, 2);
	assert_int_equal(d.fn, 7);
	assert_false(manifest_device(&m, 3, &d));
	assert_true(manifest_device_find(&m, "nic", &idx));
	assert_int_equal(idx, 2);
	assert_false(manifest_device_find(&m, "nic1", &idx));
	assert_true(manifest_grant(&m, 0, 4, &g));
	assert_string_equal(g.iface_name, "DeviceSlot");
	assert_true(manifest_grant(&m, 3, 0, &g));
	assert_string_equal(g.iface_name, "Device");
	assert_string_equal(g.from_name, "edu0");
	assert_string_equal(manifest_status_name(MANIFEST_E_DEVICE), "bad device");
	free(b);

	/* Class prefixes of one and two bytes; segment 0 by default. */
	b = compile_ok(BINS "device a match=class:02\ndevice b match=class:0C03 nth=2\n"
			    "device c match=addr:00:1f.3\n" INIT "a:DeviceSlot,b:DeviceSlot,"
			    "c:DeviceSlot\n",
		       &len);
	assert_int_equal(manifest_parse(b, len, &m, NULL, 0), MANIFEST_OK);
	assert_true(manifest_device(&m, 0, &d));
	assert_int_equal(d.class_len, 1);
	assert_int_equal(d.class_code, 0x020000);
	assert_true(manifest_device(&m, 1, &d));
	assert_int_equal(d.class_len, 2);
	assert_int_equal(d.class_code, 0x0c0300);
	assert_int_equal(d.nth, 2);
	assert_true(manifest_device(&m, 2, &d));
	assert_int_equal(d.seg, 0);
	assert_int_equal(d.dev, 0x1f);
	assert_int_equal(d.fn, 3);
	free(b);
}

/* The tool refuses each of these at the line named, for the reason given. */
static void test_tool_errors(void **state)
{
	(void)state;
	static const struct {
		const char *src, *err;
	} cases[] = {
	    {BINS "device x\n", "4: device 'x' needs match="},
	    {BINS "device match=1:2\n", "4: device needs a name"},
	    {BINS "device x match=1:2 colour=red\n", "4: unknown key 'colour=red'"},
	    {BINS "device x match=1:2 match=1:3\n", "4: match= given twice"},
	    {BINS "device x match=12345:1\n", "4: match=12345:1: want VVVV:DDDD"},
	    {BINS "device x match=class:1\n", "4: match=class:1: want class:CC"},
	    {BINS "device x match=class:01020304\n", "want class:CC, class:CCSS"},
	    {BINS "device x match=addr:00:20.0\n", "4: match=addr:00:20.0: device 32"},
	    {BINS "device x match=addr:00:03.8\n", "function 8: want < 32, < 8"},
	    {BINS "device x match=addr:0:3\n", "want addr:[SSSS:]BB:DD.F"},
	    {BINS "device x match=addr:00:03.0 nth=1\n", "nth= with addr:"},
	    {BINS "device x match=1:2 nth=256\n", "nth=256 is more than 255"},
	    {BINS "device x match=1:2 nth=-1\n", "nth=-1: want a decimal number"},
	    {BINS "device x match=1:2 pool=257M\n", "pool=257M is more than 268435456"},
	    {BINS "device x match=1:2 pool=12X\n", "with an optional K or M suffix"},
	    {BINS "device x match=1:2 mmio=1025M\n", "mmio=1025M is more than"},
	    {BINS "device x match=1:2 irqs=65\n", "irqs=65 is more than 64"},
	    {BINS "device x match=1:2 irqs=4K\n", "irqs=4K: want a decimal number"},
	    {BINS "device x match=1:2 ring=65537\n", "ring=65537 is more than 65536"},
	    {BINS "device x match=1:2 inflight=65537\n", "inflight=65537 is more than"},
	    {BINS "device x match=1:2 dma=maybe\n", "dma=maybe: want iommu or unconfined"},
	    {BINS "device x match=1:2\ndevice x match=1:3\n", "5: duplicate device 'x'"},
	    {BINS "device x/y match=1:2\n", "has a byte outside"},
	    {BINS "device x match=1:2\n" INIT "y:DeviceSlot\n",
	     "5: init's 'y:DeviceSlot' names no device"},
	    {BINS "device x match=1:2\ndevice y match=1:3\n" INIT "x:DeviceSlot\n",
	     "5: device 'y' is not granted to init"},
	    {BINS "device x match=1:2\n" INIT "x:Device\n", "the kernel gives init no Device"},
	    {BINS "device x match=1:2\n" INIT "x:DeviceSlot\n"
		  "service s binary=drv caps=x:DeviceSlot\n",
	     "6: init cannot pass on a DeviceSlot"},
	    {BINS "device x match=1:2\n" INIT "x:DeviceSlot\n"
		  "service s binary=drv caps=d:Device@console\n",
	     "6: 'd' is Device, but init's 'console' is Console"},
	    {BINS "device x match=1:2\n" INIT "x:DeviceSlot\n"
		  "service s binary=drv caps=d:Device@x\nservice t binary=drv caps=d:Device@x\n",
	     "7: init's DeviceSlot 'x' already feeds service 's' (line 6)"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[256];
		size_t len;
		uint8_t *b = mkmanifest_compile(cases[i].src, &len, err, sizeof(err));
		if (b != NULL || strstr(err, cases[i].err) == NULL)
			fail_msg("case %zu: got '%s', want '%s'", i, b ? "(a blob)" : err,
				 cases[i].err);
	}

	/* A driver beside copies of init's capabilities (the kernel moves only the Device),
	 * a device init holds but hands to nobody; 16 devices but not 17. */
	size_t len;
	uint8_t *b =
	    compile_ok(BINS "device x match=1:2\ndevice y match=class:03\n" INIT
			    "x:DeviceSlot,y:DeviceSlot,e:Endpoint\n"
			    "service s binary=drv caps=d:Device@x,console:Console,e:Endpoint\n"
			    "service t binary=drv caps=c:EndpointClient@e,console:Console\n",
		       &len);
	expect(b, len, MANIFEST_OK, NULL);
	free(b);
	static char src[4096];
	int n = snprintf(src, sizeof(src), "%s", BINS);
	for (int i = 0; i < 17; i++)
		n += snprintf(src + n, sizeof(src) - (size_t)n, "device d%d match=1:%d\n", i, i);
	char err[256];
	assert_null(mkmanifest_compile(src, &len, err, sizeof(err)));
	assert_non_null(strstr(err, "20: more than 16 devices"));
}

/* Edits record field at offset `at` of device i (a struct capos_manifest_device). */
#define DEV_EDIT(i, field, value)                                                                  \
	do {                                                                                       \
		struct capos_manifest_device r_;                                                   \
		size_t at_ = header_of(b).devices_off + (size_t)(i) * sizeof(r_);                  \
		memcpy(&r_, b + at_, sizeof(r_));                                                  \
		r_.field = value;                                                                  \
		memcpy(b + at_, &r_, sizeof(r_));                                                  \
	} while (0)

#define GRANT_EDIT(g, field, value)                                                                \
	do {                                                                                       \
		struct capos_manifest_grant r_;                                                    \
		size_t at_ = header_of(b).grants_off + (size_t)(g) * sizeof(r_);                   \
		memcpy(&r_, b + at_, sizeof(r_));                                                  \
		r_.field = value;                                                                  \
		memcpy(b + at_, &r_, sizeof(r_));                                                  \
	} while (0)

#define HEADER_EDIT(field, value)                                                                  \
	do {                                                                                       \
		struct capos_manifest_header h_ = header_of(b);                                    \
		h_.field = value;                                                                  \
		memcpy(b, &h_, sizeof(h_));                                                        \
	} while (0)

/* Each case edits a fresh copy of the good blob and expects one refusal. */
#define CASE(edit, want, needle)                                                                   \
	do {                                                                                       \
		b = malloc(len);                                                                   \
		memcpy(b, good, len);                                                              \
		edit;                                                                              \
		expect(b, len, want, needle);                                                      \
		free(b);                                                                           \
	} while (0)

/* The offset of string s in the blob's string table. */
static uint32_t str_off(const uint8_t *b, const char *s)
{
	struct capos_manifest_header h = header_of(b);
	for (uint32_t off = 0; off < h.strings_len;
	     off += (uint32_t)strlen((const char *)b + h.strings_off + off) + 1)
		if (strcmp((const char *)b + h.strings_off + off, s) == 0)
			return off;
	fail_msg("no string '%s'", s);
	return 0;
}

static void test_device_records(void **state)
{
	(void)state;
	size_t len;
	uint8_t *good = compile_ok(good_src, &len), *b;
	const uint64_t pool_max = CAPOS_MANIFEST_MAX_POOL;
	CASE(DEV_EDIT(0, reserved0, 1), MANIFEST_E_HEADER, "device 0 (edu0) reserved");
	CASE(DEV_EDIT(1, reserved1, 1), MANIFEST_E_HEADER, "device 1 (nvme) reserved");
	CASE(DEV_EDIT(2, reserved2, 1), MANIFEST_E_HEADER, "reserved");
	CASE(DEV_EDIT(2, reserved3, 1), MANIFEST_E_HEADER, "reserved");
	CASE(DEV_EDIT(0, match, 0), MANIFEST_E_DEVICE, "device 0 (edu0) has match kind 0");
	CASE(DEV_EDIT(0, match, 4), MANIFEST_E_DEVICE, "match kind 4");
	CASE(DEV_EDIT(0, class_len, 1), MANIFEST_E_DEVICE, "fields of another match kind than 1");
	CASE(DEV_EDIT(0, seg, 1), MANIFEST_E_DEVICE, "another match kind");
	CASE(DEV_EDIT(1, class_len, 0), MANIFEST_E_DEVICE, "compares 0 class code bytes");
	CASE(DEV_EDIT(1, class_len, 4), MANIFEST_E_DEVICE, "compares 4 class code bytes");
	CASE(DEV_EDIT(1, class_len, 2), MANIFEST_E_DEVICE, "0x10802 has bits past its 2 bytes");
	CASE(DEV_EDIT(1, class_code, 0x01010802), MANIFEST_E_DEVICE, "bits past");
	CASE(DEV_EDIT(1, vendor, 1), MANIFEST_E_DEVICE, "another match kind than 2");
	CASE(DEV_EDIT(1, fn, 1), MANIFEST_E_DEVICE, "another match kind than 2");
	CASE(DEV_EDIT(2, dev, 32), MANIFEST_E_DEVICE, "device 2 (nic) at device 32 function 7");
	CASE(DEV_EDIT(2, fn, 8), MANIFEST_E_DEVICE, "function 8, want < 32, < 8");
	CASE(DEV_EDIT(2, nth, 1), MANIFEST_E_DEVICE, "an address names one function");
	CASE(DEV_EDIT(2, device, 1), MANIFEST_E_DEVICE, "another match kind than 3");
	CASE(DEV_EDIT(0, dma, 2), MANIFEST_E_DEVICE, "DMA policy 2");
	CASE(DEV_EDIT(0, pool_bytes, pool_max + 1), MANIFEST_E_LIMIT,
	     "pool bytes 268435457, more than 268435456");
	CASE(DEV_EDIT(0, pool_bytes, UINT64_MAX), MANIFEST_E_LIMIT, "pool bytes");
	CASE(DEV_EDIT(0, mmio_bytes, CAPOS_MANIFEST_MAX_MMIO + 1), MANIFEST_E_LIMIT, "mmio bytes");
	CASE(DEV_EDIT(0, irqs, 65), MANIFEST_E_LIMIT, "irqs 65, more than 64");
	CASE(DEV_EDIT(0, ring_depth, 65537), MANIFEST_E_LIMIT, "ring depth 65537");
	CASE(DEV_EDIT(0, inflight, 65537), MANIFEST_E_LIMIT, "inflight 65537");
	CASE(DEV_EDIT(0, nth, 256), MANIFEST_E_LIMIT, "nth 256, more than 255");
	CASE(DEV_EDIT(1, name, str_off(b, "edu0")), MANIFEST_E_DUPLICATE,
	     "devices 0 and 1 are both 'edu0'");
	CASE(DEV_EDIT(1, name, header_of(b).strings_len), MANIFEST_E_STRING, "device 1 name at");
	/* At the limits: fine. */
	b = malloc(len);
	memcpy(b, good, len);
	DEV_EDIT(0, pool_bytes, pool_max);
	DEV_EDIT(0, mmio_bytes, CAPOS_MANIFEST_MAX_MMIO);
	DEV_EDIT(0, irqs, 64);
	DEV_EDIT(0, ring_depth, 65536);
	DEV_EDIT(0, inflight, 65536);
	DEV_EDIT(0, nth, 255);
	DEV_EDIT(2, dev, 31);
	expect(b, len, MANIFEST_OK, NULL);
	free(b);

	struct capos_manifest_header h0 = header_of(good);
	CASE(HEADER_EDIT(device_count, 0), MANIFEST_E_RANGE, "but no devices");
	CASE(HEADER_EDIT(device_count, 17), MANIFEST_E_LIMIT, "17 devices");
	CASE(HEADER_EDIT(device_count, 4), MANIFEST_E_RANGE, "string table");
	CASE(HEADER_EDIT(devices_off, h0.grants_off), MANIFEST_E_RANGE, "devices");
	CASE(HEADER_EDIT(devices_off, h0.strings_off), MANIFEST_E_RANGE, "devices");
	CASE(HEADER_EDIT(devices_off, 0xfffffff0u), MANIFEST_E_RANGE, "devices");
	free(good);
}

static void test_device_grants(void **state)
{
	(void)state;
	size_t len;
	uint8_t *good = compile_ok(good_src, &len), *b;
	CASE(GRANT_EDIT(4, name, str_off(b, "other")), MANIFEST_E_REF,
	     "init's DeviceSlot 'other' names no device");
	CASE(GRANT_EDIT(6, iface, CAPOS_IFACE_TIMER), MANIFEST_E_REF,
	     "device 2 (nic) is not granted to init (as nic:DeviceSlot)");
	CASE(GRANT_EDIT(4, iface, CAPOS_IFACE_DEVICE), MANIFEST_E_IFACE,
	     "the kernel gives init no Device");
	CASE(GRANT_EDIT(12, iface, CAPOS_IFACE_DEVICE_SLOT), MANIFEST_E_IFACE,
	     "init cannot pass on a DeviceSlot");
	CASE(GRANT_EDIT(12, from, 0), MANIFEST_E_IFACE,
	     "is Device, but init's 'console' is Console");
	CASE(GRANT_EDIT(16, iface, CAPOS_IFACE_DEVICE), MANIFEST_E_IFACE,
	     "init's 'chan' is Endpoint");
	CASE(GRANT_EDIT(12, from, 4), MANIFEST_E_DEVICE,
	     "init's DeviceSlot 'edu0' feeds services 2 and 3 (d): device authority is exclusive");
	/* A driver may hold copies of init's own capabilities and a service after it those
	 * of the same sources: only the Device is exclusive. */
	b = malloc(len);
	memcpy(b, good, len);
	GRANT_EDIT(15, from, 0);
	GRANT_EDIT(17, from, 3);
	expect(b, len, MANIFEST_OK, NULL);
	free(b);
	free(good);
}

/* The validator never crashes on a corrupted device blob, and what it accepts its
 * accessors serve. */
static void test_random_corruption(void **state)
{
	(void)state;
	size_t srclen;
	uint8_t *src = compile_ok(good_src, &srclen);
	struct capos_manifest_header h = header_of(src);
	uint64_t x = 0x853c49e6748fea9bull;
	unsigned ok = 0;
	for (int it = 0; it < 20000; it++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint8_t *b = malloc(srclen);
		memcpy(b, src, srclen);
		for (unsigned n = 1 + (unsigned)(x % 4); n > 0; n--) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			/* Most flips land in the device records, the rest anywhere. */
			size_t at = x % 4 ? h.devices_off + (x >> 8) % (3 * 56) : (x >> 8) % srclen;
			b[at] ^= (uint8_t)(1u << ((x >> 40) % 8));
		}
		struct manifest m;
		struct manifest_device d;
		uint32_t idx;
		char why[96];
		if (manifest_parse(b, srclen, &m, why, sizeof(why)) == MANIFEST_OK) {
			ok++;
			for (uint32_t i = 0; manifest_device(&m, i, &d); i++) {
				assert_true(manifest_device_find(&m, d.name, &idx));
				assert_int_equal(idx, i);
				assert_true(d.pool_bytes <= CAPOS_MANIFEST_MAX_POOL);
			}
		} else {
			assert_true(strlen(why) > 10);
		}
		free(b);
	}
	assert_true(ok > 0);
	free(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),
	    cmocka_unit_test(test_tool_errors),
	    cmocka_unit_test(test_device_records),
	    cmocka_unit_test(test_device_grants),
	    cmocka_unit_test(test_random_corruption),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
