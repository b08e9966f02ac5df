/* test_devmatch: device declarations of a manifest (compiled by tools/mkmanifest.py)
 * resolved against lists of candidate PCI functions: vendor:device, class prefixes,
 * addresses, nth, bridges, and the two refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/manifest/devmatch.h"
#include "mkmanifest_run.h"

#define HEAD "binary init\n"
#define INIT "init binary=init caps=console:Console,"

/* A q35 machine with an extra edu and a bridge that has edu's ids (hostile). */
static const struct devmatch_fn q35[] = {
    {0, 0, 0x00, 0, false, 0x8086, 0x29c0, 0x060000}, /* host bridge: class 06, not a bridge
						       * header: it can match */
    {0, 0, 0x01, 0, false, 0x1234, 0x1111, 0x030000}, /* VGA */
    {0, 0, 0x02, 0, false, 0x8086, 0x10d3, 0x020000}, /* e1000e */
    {0, 0, 0x03, 0, true, 0x1234, 0x11e8, 0x060400},  /* a bridge with edu's ids */
    {0, 0, 0x04, 0, false, 0x1234, 0x11e8, 0x00ff00}, /* edu #0 */
    {0, 0, 0x05, 0, false, 0x1b36, 0x0010, 0x010802}, /* NVMe */
    {0, 1, 0x00, 0, false, 0x1234, 0x11e8, 0x00ff00}, /* edu #1, behind the bridge */
    {0, 0, 0x1f, 2, false, 0x8086, 0x2922, 0x010601}, /* AHCI */
    {0, 0, 0x1f, 3, false, 0x8086, 0x2930, 0x0c0500}, /* SMBus */
};
#define NQ35 (sizeof(q35) / sizeof(q35[0]))

static uint8_t *compile(const char *devices, const char *slots, size_t *len, struct manifest *m)
{
	char src[2048], err[256];
	snprintf(src, sizeof(src), HEAD "%s" INIT "%s\n", devices, slots);
	uint8_t *b = mkmanifest_compile(src, len, err, sizeof(err));
	if (b == NULL)
		fail_msg("mkmanifest: %s", err);
	assert_int_equal(manifest_parse(b, *len, m, NULL, 0), MANIFEST_OK);
	return b;
}

static void test_resolve(void **state)
{
	(void)state;
	size_t len;
	struct manifest m;
	uint32_t out[CAPOS_MANIFEST_MAX_DEVICES];
	char why[160];
	uint8_t *b = compile("device edu0 match=1234:11e8\n"
			     "device edu1 match=1234:11e8 nth=1\n"
			     "device nic match=class:02\n"
			     "device nvme match=class:0108\n"
			     "device ahci match=class:010601\n"
			     "device smbus match=addr:0000:00:1f.3\n"
			     "device host match=class:06\n",
			     "edu0:DeviceSlot,edu1:DeviceSlot,nic:DeviceSlot,nvme:DeviceSlot,"
			     "ahci:DeviceSlot,smbus:DeviceSlot,host:DeviceSlot",
			     &len, &m);
	assert_int_equal(devmatch_resolve(&m, q35, NQ35, out, 16, why, sizeof(why)), DEVMATCH_OK);
	assert_string_equal(why, "");
	static const uint32_t want[] = {4, 6, 2, 5, 7, 8, 0};
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(out[i], want[i]);
	free(b);

	/* No devices: nothing to resolve, whatever the machine. */
	b = compile("", "timer:Timer", &len, &m);
	assert_int_equal(devmatch_resolve(&m, NULL, 0, out, 0, why, sizeof(why)), DEVMATCH_OK);
	free(b);
}

static void test_refusals(void **state)
{
	(void)state;
	size_t len;
	struct manifest m;
	uint32_t out[CAPOS_MANIFEST_MAX_DEVICES];
	char why[160];

	/* edu's second match is the one behind the bridge; without it there is none. */
	uint8_t *b = compile("device edu0 match=1234:11e8 nth=1\n", "edu0:DeviceSlot", &len, &m);
	assert_int_equal(devmatch_resolve(&m, q35, 6, out, 16, why, sizeof(why)), DEVMATCH_E_NONE);
	assert_string_equal(why, "manifest: device 'edu0' (1234:11e8 #1) matches no function");
	assert_int_equal(devmatch_resolve(&m, NULL, 0, out, 16, why, sizeof(why)), DEVMATCH_E_NONE);
	assert_int_equal(devmatch_resolve(&m, q35, NQ35, out, 0, why, sizeof(why)),
			 DEVMATCH_E_ROOM);
	assert_int_equal(devmatch_resolve(&m, q35, NQ35, out, 1, NULL, 0), DEVMATCH_OK);
	assert_int_equal(out[0], 6);
	free(b);

	/* A bridge never matches, by address either. */
	b = compile("device br match=addr:00:03.0\n", "br:DeviceSlot", &len, &m);
	assert_int_equal(devmatch_resolve(&m, q35, NQ35, out, 16, why, sizeof(why)),
			 DEVMATCH_E_NONE);
	assert_string_equal(why, "manifest: device 'br' (addr:0000:00:03.0) matches no function");
	free(b);
	b = compile("device br match=class:0604\n", "br:DeviceSlot", &len, &m);
	assert_int_equal(devmatch_resolve(&m, q35, NQ35, out, 16, why, sizeof(why)),
			 DEVMATCH_E_NONE);
	assert_string_equal(why, "manifest: device 'br' (class:0604 #0) matches no function");
	free(b);

	/* Two declarations, one function. */
	b = compile("device a match=class:0108\ndevice b match=1b36:0010\n",
		    "a:DeviceSlot,b:DeviceSlot", &len, &m);
	assert_int_equal(devmatch_resolve(&m, q35, NQ35, out, 16, why, sizeof(why)),
			 DEVMATCH_E_SHARED);
	assert_string_equal(why, "manifest: devices 'a' (class:0108 #0) and 'b' (1b36:0010 #0) "
				 "both name 0000:00:05.0");
	free(b);

	/* A reason cut short is still terminated. */
	char tiny[16];
	b = compile("device x match=addr:00:09.0\n", "x:DeviceSlot", &len, &m);
	assert_int_equal(devmatch_resolve(&m, q35, NQ35, out, 16, tiny, sizeof(tiny)),
			 DEVMATCH_E_NONE);
	assert_string_equal(tiny, "manifest: devic");
	free(b);
}

static void test_describe_and_match(void **state)
{
	(void)state;
	char buf[40];
	struct manifest_device d = {
	    .match = CAPOS_MANIFEST_MATCH_CLASS, .class_len = 1, .class_code = 0x0c0000, .nth = 3};
	devmatch_describe(&d, buf, sizeof(buf));
	assert_string_equal(buf, "class:0c #3");
	assert_true(devmatch_matches(&d, &q35[8]));
	d.class_len = 3;
	d.class_code = 0x0c0500;
	devmatch_describe(&d, buf, sizeof(buf));
	assert_string_equal(buf, "class:0c0500 #3");
	assert_true(devmatch_matches(&d, &q35[8]));
	d.class_code = 0x0c0501;
	assert_false(devmatch_matches(&d, &q35[8]));
	d.class_len = 0; /* never valid: matches nothing */
	assert_false(devmatch_matches(&d, &q35[8]));
	d = (struct manifest_device){
	    .match = CAPOS_MANIFEST_MATCH_ADDR, .seg = 0x12, .bus = 0xab, .dev = 0x1f, .fn = 7};
	devmatch_describe(&d, buf, sizeof(buf));
	assert_string_equal(buf, "addr:0012:ab:1f.7");
	d.match = 9;
	devmatch_describe(&d, buf, sizeof(buf));
	assert_string_equal(buf, "match kind 9");
	assert_false(devmatch_matches(&d, &q35[0]));
	struct devmatch_fn f = q35[4];
	f.class24 = 0xff00ff00; /* bits above the class code are not compared */
	d = (struct manifest_device){
	    .match = CAPOS_MANIFEST_MATCH_CLASS, .class_len = 2, .class_code = 0x00ff00};
	assert_true(devmatch_matches(&d, &f));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_resolve),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_describe_and_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
