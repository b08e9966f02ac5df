/* test_manifest: the boot manifest validator over the blobs tools/mkmanifest.py compiled
 * from manifests/ (tests/fixtures/manifest/), hostile blobs built here, a seeded random
 * corruption loop; and the BootManifest.service message (ServiceInfo) built with the
 * generated accessors, checked byte for byte against `capnp encode --flat`. Blobs live
 * in heap blocks of their exact length, so ASan sees any read past the end. */
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

/* Reads tests/fixtures/manifest/<name>.bin into an exact-size heap block. */
static uint8_t *load_fixture(const char *name, size_t *len)
{
	char path[1024];
	const char *src = getenv("CAPOS_SRCDIR");
	snprintf(path, sizeof(path), "%s/tests/fixtures/manifest/%s.bin", src ? src : ".", name);
	FILE *fp = fopen(path, "rb");
	if (fp == NULL)
		fail_msg("cannot open %s", path);
	uint8_t tmp[CAPOS_MANIFEST_MAX_SIZE];
	*len = fread(tmp, 1, sizeof(tmp), fp);
	fclose(fp);
	uint8_t *b = malloc(*len ? *len : 1);
	assert_non_null(b);
	memcpy(b, tmp, *len);
	return b;
}

/* A manifest described in C, laid out the way mkmanifest does. */
struct tgrant {
	const char *name;
	uint64_t iface;
	uint16_t from;
};
struct tsvc {
	const char *name;
	uint16_t binary, flags, ngrants;
	struct tgrant g[20];
};
struct tspec {
	uint16_t nbin, nsvc;
	const char *bins[40];
	struct tsvc svc[40];
};

#define NONE CAPOS_MANIFEST_FROM_NONE

/* xorshift64: seeded, so every run tries the same corruptions. */
static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* The smoke manifest: init holds console 0, spawner 1, manifest 2, timer 3, chan 4. */
static const struct tspec smoke = {
    4,
    4,
    {"init", "echo-server", "echo-client", "crash"},
    {{"init",
      0,
      CAPOS_MANIFEST_SVC_INIT,
      5,
      {{"console", CAPOS_IFACE_CONSOLE, NONE},
       {"spawner", CAPOS_IFACE_PROCESS_SPAWNER, NONE},
       {"manifest", CAPOS_IFACE_BOOT_MANIFEST, NONE},
       {"timer", CAPOS_IFACE_TIMER, NONE},
       {"chan", CAPOS_IFACE_ENDPOINT, NONE}}},
     {"server", 1, 0, 2, {{"ep", CAPOS_IFACE_ENDPOINT, 4}, {"console", CAPOS_IFACE_CONSOLE, 0}}},
     {"client",
      2,
      0,
      3,
      {{"ep", CAPOS_IFACE_ENDPOINT_CLIENT, 4},
       {"console", CAPOS_IFACE_CONSOLE, 0},
       {"timer", CAPOS_IFACE_TIMER, 3}}},
     {"crash", 3, 0, 1, {{"console", CAPOS_IFACE_CONSOLE, 0}}}},
};

static size_t put_str(uint8_t *strings, size_t *slen, const char *s)
{
	size_t off = *slen, n = strlen(s) + 1;
	memcpy(strings + off, s, n);
	*slen += n;
	return off;
}

/* Lays spec out; returns an exact-size heap blob and its length in *len. */
static uint8_t *build(const struct tspec *t, size_t *len)
{
	static uint8_t strings[16384], body[65536];
	struct capos_manifest_header h = {
	    .magic = CAPOS_MANIFEST_MAGIC, .version = CAPOS_MANIFEST_VERSION, .header_size = 48};
	size_t slen = 0, off = sizeof(h), ngr = 0;
	h.binary_count = t->nbin;
	h.service_count = t->nsvc;
	h.binaries_off = (uint32_t)off;
	for (int i = 0; i < t->nbin; i++, off += 8) {
		struct capos_manifest_binary b = {(uint32_t)put_str(strings, &slen, t->bins[i]), 0};
		memcpy(body + off, &b, 8);
	}
	h.services_off = (uint32_t)off;
	for (int i = 0; i < t->nsvc; i++, off += 16) {
		const struct tsvc *s = &t->svc[i];
		struct capos_manifest_service r = {(uint32_t)put_str(strings, &slen, s->name),
						   s->binary,
						   s->flags,
						   (uint16_t)ngr,
						   s->ngrants,
						   0};
		memcpy(body + off, &r, 16);
		ngr += s->ngrants;
	}
	h.grants_off = (uint32_t)off;
	h.grant_count = (uint16_t)ngr;
	for (int i = 0; i < t->nsvc; i++)
		for (int j = 0; j < t->svc[i].ngrants; j++, off += 16) {
			const struct tgrant *g = &t->svc[i].g[j];
			struct capos_manifest_grant r = {
			    g->iface, (uint32_t)put_str(strings, &slen, g->name), g->from, 0};
			memcpy(body + off, &r, 16);
		}
	h.strings_off = (uint32_t)off;
	h.strings_len = (uint32_t)slen;
	memcpy(body + off, strings, slen);
	h.total_len = (uint32_t)(off + slen);
	memcpy(body, &h, sizeof(h));
	*len = off + slen;
	uint8_t *b = malloc(*len);
	assert_non_null(b);
	memcpy(b, body, *len);
	return b;
}

/* Parses blob, expects status want and (for failures) a reason containing needle. */
static void expect(const uint8_t *blob, size_t len, enum manifest_status want, const char *needle)
{
	struct manifest m;
	char why[160];
	enum manifest_status st = manifest_parse(blob, len, &m, why, sizeof(why));
	if (st != want || (needle != NULL && strstr(why, needle) == NULL))
		fail_msg("status %d (%s), want %d: '%s' lacks '%s'", st, manifest_status_name(st),
			 want, why, needle ? needle : "");
	if (st != MANIFEST_OK)
		assert_int_equal(strncmp(why, "manifest: ", 10), 0);
}

static void expect_spec(const struct tspec *t, enum manifest_status want, const char *needle)
{
	size_t len;
	uint8_t *b = build(t, &len);
	expect(b, len, want, needle);
	free(b);
}

static void test_fixtures(void **state)
{
	(void)state;
	static const char *const names[] = {"default", "smoke", "hostile"};
	static const char *const second[] = {"hello", "server", "hostile"};
	for (size_t k = 0; k < 3; k++) {
		size_t len;
		uint8_t *b = load_fixture(names[k], &len);
		struct manifest m;
		struct manifest_service s;
		struct manifest_grant g;
		char why[160];
		assert_int_equal(manifest_parse(b, len, &m, why, sizeof(why)), MANIFEST_OK);
		assert_true(manifest_service(&m, 0, &s));
		assert_string_equal(s.name, "init");
		assert_string_equal(s.binary_name, "init");
		assert_true(s.is_init);
		assert_true(manifest_service(&m, 1, &s));
		assert_string_equal(s.name, second[k]);
		assert_false(s.is_init);
		assert_true(manifest_grant(&m, 1, s.grant_count - 1u, &g));
		assert_string_equal(g.name, "console");
		assert_string_equal(g.iface_name, "Console");
		assert_string_equal(g.from_name, "console");
		assert_false(manifest_grant(&m, 1, s.grant_count, &g));
		assert_false(manifest_service(&m, m.service_count, &s));
		assert_null(manifest_binary_name(&m, m.binary_count));
		free(b);
	}
}

/* The smoke fixture says what smoke.manifest says, and what the C spec above says. */
static void test_smoke_contents(void **state)
{
	(void)state;
	size_t len, blen;
	uint8_t *b = load_fixture("smoke", &len), *mine = build(&smoke, &blen);
	struct manifest m, m2;
	struct manifest_service s;
	struct manifest_grant g;
	assert_int_equal(manifest_parse(b, len, &m, NULL, 0), MANIFEST_OK);
	assert_int_equal(manifest_parse(mine, blen, &m2, NULL, 0), MANIFEST_OK);
	assert_int_equal(m.service_count, 4);
	for (uint32_t i = 0; i < m.service_count; i++) {
		assert_true(manifest_service(&m, i, &s));
		assert_string_equal(s.name, smoke.svc[i].name);
		assert_string_equal(s.binary_name, smoke.bins[smoke.svc[i].binary]);
		assert_int_equal(s.grant_count, smoke.svc[i].ngrants);
		for (uint32_t j = 0; j < s.grant_count; j++) {
			assert_true(manifest_grant(&m, i, j, &g));
			assert_string_equal(g.name, smoke.svc[i].g[j].name);
			assert_true(g.iface == smoke.svc[i].g[j].iface);
			assert_int_equal(g.from, smoke.svc[i].g[j].from);
			assert_true(i == 0 ? g.from_name == NULL : g.from_name != NULL);
		}
	}
	assert_true(manifest_grant(&m, 2, 0, &g));
	assert_string_equal(g.iface_name, "EndpointClient");
	assert_string_equal(g.from_name, "chan");
	free(b);
	free(mine);
}

static void test_truncated_and_header(void **state)
{
	(void)state;
	size_t len;
	uint8_t *b = load_fixture("smoke", &len);
	for (size_t n = 0; n < len; n++) {
		uint8_t *p = malloc(n ? n : 1);
		memcpy(p, b, n);
		expect(p, n, MANIFEST_E_TRUNCATED, NULL);
		free(p);
	}
	expect(NULL, 100, MANIFEST_E_TRUNCATED, "truncated");
	struct manifest m;
	assert_int_equal(manifest_parse(b, 10, &m, NULL, 0), MANIFEST_E_TRUNCATED); /* no why */
	char tiny[12];
	assert_int_equal(manifest_parse(b, 10, &m, tiny, sizeof(tiny)), MANIFEST_E_TRUNCATED);
	assert_string_equal(tiny, "manifest: t");
	uint8_t *pad = calloc(1, len + 4096); /* a page-rounded module: fine */
	memcpy(pad, b, len);
	expect(pad, len + 4096, MANIFEST_OK, NULL);
	struct capos_manifest_header h0, h;
	memcpy(&h0, b, sizeof(h0));
#define MUTATE(field, value, want, needle)                                                         \
	do {                                                                                       \
		h = h0;                                                                            \
		h.field = value;                                                                   \
		memcpy(pad, &h, sizeof(h));                                                        \
		expect(pad, len + 4096, want, needle);                                             \
	} while (0)
	MUTATE(magic, 0x4d504144u, MANIFEST_E_HEADER, "magic");
	MUTATE(version, 2, MANIFEST_E_HEADER, "version 2");
	MUTATE(header_size, 40, MANIFEST_E_HEADER, NULL);
	MUTATE(flags, 1, MANIFEST_E_HEADER, "reserved");
	MUTATE(reserved, 0x8000, MANIFEST_E_HEADER, "reserved");
	MUTATE(devices_off, h0.strings_off, MANIFEST_E_RANGE, "but no devices");
	MUTATE(device_count, 17, MANIFEST_E_LIMIT, "17 devices, more than 16");
	MUTATE(device_count, 1, MANIFEST_E_RANGE, "devices");
	MUTATE(total_len, (uint32_t)len + 4097, MANIFEST_E_TRUNCATED, "total length");
	MUTATE(total_len, 47, MANIFEST_E_TRUNCATED, NULL);
	MUTATE(strings_len, h0.strings_len + 4096, MANIFEST_E_RANGE, "string table");
	MUTATE(strings_len, 0xffffffffu, MANIFEST_E_RANGE, "string table");
	MUTATE(strings_off, 0xfffffff0u, MANIFEST_E_RANGE, "string table");
	MUTATE(grants_off, (uint32_t)len, MANIFEST_E_RANGE, "grants");
	MUTATE(services_off, h0.binaries_off, MANIFEST_E_RANGE, "services");
	MUTATE(binaries_off, 0, MANIFEST_E_RANGE, "binaries");
	MUTATE(binary_count, 0, MANIFEST_E_LIMIT, "0 binaries");
	MUTATE(binary_count, 33, MANIFEST_E_LIMIT, "33 binaries");
	MUTATE(service_count, 0, MANIFEST_E_LIMIT, "0 services");
	MUTATE(service_count, 33, MANIFEST_E_LIMIT, "33 services");
	MUTATE(grant_count, 257, MANIFEST_E_LIMIT, "257 grants");
	MUTATE(grant_count, h0.grant_count + 1u, MANIFEST_E_RANGE, "string table");
	MUTATE(grant_count, h0.grant_count - 1u, MANIFEST_E_REF, "service 3 (crash) grants");
	free(pad);
	uint8_t *big = calloc(1, CAPOS_MANIFEST_MAX_SIZE + 8);
	memcpy(big, b, len);
	h = h0;
	h.total_len = CAPOS_MANIFEST_MAX_SIZE + 8;
	memcpy(big, &h, sizeof(h));
	expect(big, CAPOS_MANIFEST_MAX_SIZE + 8, MANIFEST_E_LIMIT, "more than 32768");
	free(big);
	free(b);
}

static void test_strings(void **state)
{
	(void)state;
	size_t len;
	uint8_t *b = load_fixture("smoke", &len);
	struct capos_manifest_header h;
	memcpy(&h, b, sizeof(h));
	b[len - 1] = 'x'; /* the last string loses its terminator */
	expect(b, len, MANIFEST_E_STRING, "not terminated");
	b[len - 1] = 0;
	b[h.strings_off + 1] = 0x1b; /* "init" of binary 0 gets an escape byte */
	expect(b, len, MANIFEST_E_STRING, "byte 0x1b at 1");
	b[h.strings_off + 1] = 'n';
	uint32_t off = 4; /* the NUL that ends "init": an empty name */
	memcpy(b + h.binaries_off, &off, 4);
	expect(b, len, MANIFEST_E_STRING, "binary 0 name is empty");
	off = h.strings_len;
	memcpy(b + h.binaries_off, &off, 4);
	expect(b, len, MANIFEST_E_STRING, "outside the string table");
	free(b);

	struct tspec t = smoke;
	t.svc[1].name = "abcdefghijklmnopqrstuvw"; /* 23 bytes: the limit */
	expect_spec(&t, MANIFEST_OK, NULL);
	t.svc[1].name = "abcdefghijklmnopqrstuvwx";
	expect_spec(&t, MANIFEST_E_STRING, "longer than 23");
}

static void test_names_and_refs(void **state)
{
	(void)state;
	struct tspec t = smoke;
	t.svc[2].name = "server";
	expect_spec(&t, MANIFEST_E_DUPLICATE, "services 1 and 2 are both 'server'");
	t = smoke;
	t.bins[3] = "init";
	expect_spec(&t, MANIFEST_E_DUPLICATE, "binaries 0 and 3");
	t = smoke;
	t.svc[2].g[1].name = "ep";
	expect_spec(&t, MANIFEST_E_DUPLICATE, "two capabilities named 'ep'");
	t = smoke;
	t.nbin = 3;
	t.svc[2].binary = 7;
	expect_spec(&t, MANIFEST_E_REF, "service 2 (client) names binary 7 of 3");
	t = smoke;
	t.svc[3].g[0].from = 5;
	expect_spec(&t, MANIFEST_E_REF, "comes from init's grant 5 of 5");
	t.svc[3].g[0].from = NONE;
	expect_spec(&t, MANIFEST_E_REF, NULL);
	t = smoke;
	t.svc[0].g[0].from = 1;
	expect_spec(&t, MANIFEST_E_REF, "come from the kernel");
	t = smoke;
	t.svc[0].flags = 0;
	expect_spec(&t, MANIFEST_E_INIT, "service 0 (init) is not init");
	t = smoke;
	t.svc[2].flags = CAPOS_MANIFEST_SVC_INIT;
	expect_spec(&t, MANIFEST_E_INIT, "claims to be");
	t.svc[2].flags = 0x8;
	expect_spec(&t, MANIFEST_E_HEADER, "flags 0x8");
	t = smoke;
	t.svc[0].g[1].iface = CAPOS_IFACE_TIMER; /* init without a ProcessSpawner */
	t.svc[0].g[1].name = "timer2";
	expect_spec(&t, MANIFEST_E_INIT, "ProcessSpawner");
	t.nsvc = 1; /* ... is fine when init starts nothing */
	expect_spec(&t, MANIFEST_OK, NULL);
}

static void test_interfaces(void **state)
{
	(void)state;
	struct tspec t = smoke;
	t.svc[1].g[1].iface = 0x1234;
	expect_spec(&t, MANIFEST_E_IFACE, "unknown interface 0x0000000000001234");
	t = smoke;
	t.svc[0].g[3].iface = CAPOS_IFACE_PROCESS_HANDLE;
	expect_spec(&t, MANIFEST_E_IFACE, "gives init no ProcessHandle");
	t.svc[0].g[3].iface = CAPOS_IFACE_ANY_CAP;
	expect_spec(&t, MANIFEST_E_IFACE, "gives init no AnyCap");
	t.svc[0].g[3].iface = CAPOS_IFACE_ENDPOINT_CLIENT;
	expect_spec(&t, MANIFEST_E_IFACE, "gives init no EndpointClient");
	t = smoke;
	t.svc[2].g[2].iface = CAPOS_IFACE_CONSOLE; /* from init's timer */
	expect_spec(&t, MANIFEST_E_IFACE, "(timer) is Console, but init's 'timer' is Timer");
	t = smoke;
	t.svc[1].g[1].from = 4; /* a Console from init's Endpoint */
	expect_spec(&t, MANIFEST_E_IFACE, "init's 'chan' is Endpoint");
	t = smoke;
	t.svc[3].g[0].iface = CAPOS_IFACE_PROCESS_HANDLE;
	expect_spec(&t, MANIFEST_E_IFACE, "cannot pass on a ProcessHandle");
	assert_string_equal(manifest_iface_name(CAPOS_IFACE_CONSOLE), "Console");
	assert_null(manifest_iface_name(0));
	for (int st = MANIFEST_E_DEVICE; st <= MANIFEST_OK; st++)
		assert_string_not_equal(manifest_status_name((enum manifest_status)st),
					"unknown status");
}

static void test_limits(void **state)
{
	(void)state;
	static struct tspec t;
	t = smoke;
	t.svc[3].ngrants = 17;
	for (int j = 0; j < 17; j++)
		t.svc[3].g[j] = (struct tgrant){smoke.svc[2].g[0].name, CAPOS_IFACE_CONSOLE, 0};
	expect_spec(&t, MANIFEST_E_LIMIT, "17 grants, more than 16");
	t = smoke;
	static char names[40][16];
	for (int i = 0; i < 33; i++) {
		snprintf(names[i], sizeof(names[i]), "s%d", i);
		t.bins[i] = names[i];
		t.svc[i] = (struct tsvc){names[i], 0, 0, 1, {{"console", CAPOS_IFACE_CONSOLE, 0}}};
	}
	t.svc[0] = smoke.svc[0];
	t.nbin = 32;
	t.nsvc = 32;
	expect_spec(&t, MANIFEST_OK, NULL);
	t.nbin = 33;
	expect_spec(&t, MANIFEST_E_LIMIT, "33 binaries");
	t.nbin = 32;
	t.nsvc = 33;
	expect_spec(&t, MANIFEST_E_LIMIT, "33 services");
	size_t len;
	uint8_t *b = build(&smoke, &len);
	struct capos_manifest_service s;
	memcpy(&s, b + 48 + 4 * 8 + 16, 16); /* service 1 */
	s.first_grant = 4;
	memcpy(b + 48 + 4 * 8 + 16, &s, 16);
	expect(b, len, MANIFEST_E_REF, "service 1 (server) grants 4..6, want them from 5");
	s.first_grant = 5;
	memcpy(b + 48 + 4 * 8 + 16, &s, 16);
	expect(b, len, MANIFEST_OK, NULL);
	b[48 + 4 * 8 + 3 * 16 + 10] = 0; /* crash's one grant becomes nobody's */
	expect(b, len, MANIFEST_E_REF, "services hold 10 grants, the header counts 11");
	free(b);

	/* Reserved fields of each record kind must be zero; init has no restarts,
	 * a service at most CAPOS_MANIFEST_MAX_RESTARTS. */
	static const size_t reserved_at[] = {48 + 4, 48 + 4 * 8 + 12, 48 + 4 * 8 + 4 * 16 + 14,
					     48 + 4 * 8 + 16 + 12};
	static const uint8_t value[] = {1, 1, 1, CAPOS_MANIFEST_MAX_RESTARTS + 1};
	static const char *const why[] = {"reserved", "restarts 1", "reserved", "restarts 9"};
	for (size_t i = 0; i < 4; i++) {
		b = build(&smoke, &len);
		b[reserved_at[i]] = value[i];
		expect(b, len, MANIFEST_E_HEADER, why[i]);
		free(b);
	}
	b = build(&smoke, &len);
	b[48 + 4 * 8 + 16 + 12] = CAPOS_MANIFEST_MAX_RESTARTS; /* the most a service may have */
	struct manifest m;
	assert_int_equal(manifest_parse(b, len, &m, NULL, 0), MANIFEST_OK);
	struct manifest_service sv;
	assert_true(manifest_service(&m, 1, &sv));
	assert_int_equal(sv.restarts, CAPOS_MANIFEST_MAX_RESTARTS);
	free(b);
}

/* The validator never crashes and never accepts what its accessors cannot serve. */
static void test_random_corruption(void **state)
{
	(void)state;
	static const char *const names[] = {"default", "smoke", "hostile"};
	uint8_t *src[3];
	size_t srclen[3];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned ok = 0;
	for (int k = 0; k < 3; k++)
		src[k] = load_fixture(names[k], &srclen[k]);
	for (int it = 0; it < 20000; it++) {
		int k = (int)(rnd(&x) % 3);
		size_t len = srclen[k];
		if (rnd(&x) % 8 == 0)
			len = (size_t)(rnd(&x) % (len + 1));
		uint8_t *b = malloc(len ? len : 1);
		memcpy(b, src[k], len);
		for (unsigned n = 1 + (unsigned)(rnd(&x) % 6); len > 0 && n > 0; n--) {
			size_t at =
			    rnd(&x) % 4 == 0 ? rnd(&x) % (len < 48 ? len : 48) : rnd(&x) % len;
			b[at] =
			    rnd(&x) % 2 ? (uint8_t)rnd(&x) : b[at] ^ (uint8_t)(1u << (rnd(&x) % 8));
		}
		struct manifest m;
		struct manifest_service s;
		struct manifest_grant g;
		char why[96];
		if (manifest_parse(b, len, &m, why, sizeof(why)) != MANIFEST_OK) {
			assert_true(strlen(why) > 10 && strlen(why) < sizeof(why));
			free(b);
			continue;
		}
		ok++;
		for (uint32_t i = 0; i < m.service_count; i++) {
			assert_true(manifest_service(&m, i, &s));
			assert_true(strlen(s.name) <= CAPOS_MANIFEST_NAME_MAX);
			assert_non_null(s.binary_name);
			for (uint32_t j = 0; j < s.grant_count; j++) {
				assert_true(manifest_grant(&m, i, j, &g));
				assert_non_null(g.iface_name);
				assert_true((i == 0) == (g.from_name == NULL));
			}
		}
		free(b);
	}
	assert_true(ok > 0); /* harmless flips (e.g. one name byte) still parse */
	for (int k = 0; k < 3; k++)
		free(src[k]);
}

/* ServiceInfo {name "client", binary "echo-client", caps [ep EndpointClient from chan,
 * console Console from console]}, as `capnp encode --flat schema/capos.capnp ServiceInfo`
 * (capnproto 0.9.2) wrote it. */
static const uint8_t golden[144] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x09, 0x00, 0x00, 0x00, 0x3a, 0x00, 0x00, 0x00,
    0x09, 0x00, 0x00, 0x00, 0x62, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x00, 0x00, 0x37, 0x00, 0x00, 0x00,
    0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x00, 0x00, 0x65, 0x63, 0x68, 0x6f, 0x2d, 0x63, 0x6c, 0x69,
    0x65, 0x6e, 0x74, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00,
    0xad, 0xfc, 0x97, 0x96, 0x4d, 0x15, 0xb9, 0xc2, 0x11, 0x00, 0x00, 0x00, 0x1a, 0x00, 0x00, 0x00,
    0x11, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x55, 0x85, 0x2d, 0xd8, 0x79, 0x73, 0x74, 0x8d,
    0x0d, 0x00, 0x00, 0x00, 0x42, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x00, 0x00, 0x42, 0x00, 0x00, 0x00,
    0x65, 0x70, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x63, 0x68, 0x61, 0x6e, 0x00, 0x00, 0x00, 0x00,
    0x63, 0x6f, 0x6e, 0x73, 0x6f, 0x6c, 0x65, 0x00, 0x63, 0x6f, 0x6e, 0x73, 0x6f, 0x6c, 0x65, 0x00,
};

/* What the kernel's BootManifest.service does: service 2 of smoke as a ServiceInfo. */
static void test_service_info_message(void **state)
{
	(void)state;
	size_t len;
	uint8_t *b = load_fixture("smoke", &len), msg[256];
	struct manifest m;
	struct manifest_service s;
	struct manifest_grant g;
	struct capnp_builder cb;
	struct capnp_struct r, e;
	struct capnp_list l;
	assert_int_equal(manifest_parse(b, len, &m, NULL, 0), MANIFEST_OK);
	assert_true(manifest_service(&m, 2, &s));
	assert_int_equal(capnp_builder_init(&cb, msg, sizeof(msg)), CAPNP_OK);
	assert_int_equal(capos_service_info_init_root(&cb, &r), CAPNP_OK);
	assert_int_equal(capos_service_info_set_name(&cb, &r, s.name, strlen(s.name)), CAPNP_OK);
	assert_int_equal(
	    capos_service_info_set_binary(&cb, &r, s.binary_name, strlen(s.binary_name)), CAPNP_OK);
	assert_int_equal(capos_service_info_init_caps(&cb, &r, 2, &l), CAPNP_OK);
	for (uint32_t j = 0; j < 2; j++) {
		assert_true(manifest_grant(&m, 2, j, &g));
		assert_int_equal(capnp_list_struct(cb.used, &l, j, &e), CAPNP_OK);
		assert_int_equal(capos_cap_info_set_name(&cb, &e, g.name, strlen(g.name)),
				 CAPNP_OK);
		assert_int_equal(capos_cap_info_set_interface_id(&cb, &e, g.iface), CAPNP_OK);
		assert_int_equal(capos_cap_info_set_from(&cb, &e, g.from_name, strlen(g.from_name)),
				 CAPNP_OK);
	}
	assert_int_equal(cb.used, sizeof(golden));
	assert_memory_equal(msg, golden, sizeof(golden));

	/* Reading it back; then every shorter message fails cleanly. */
	const char *t;
	size_t n;
	uint64_t id;
	uint8_t *exact = malloc(sizeof(golden));
	memcpy(exact, golden, sizeof(golden));
	assert_int_equal(capnp_get_root(exact, sizeof(golden), &r), CAPNP_OK);
	assert_int_equal(capos_service_info_get_binary(exact, sizeof(golden), &r, &t, &n),
			 CAPNP_OK);
	assert_int_equal(n, 11);
	assert_string_equal(t, "echo-client");
	assert_int_equal(capos_service_info_get_caps(exact, sizeof(golden), &r, &l), CAPNP_OK);
	assert_int_equal(l.count, 2);
	assert_int_equal(capnp_list_struct(sizeof(golden), &l, 1, &e), CAPNP_OK);
	assert_int_equal(capos_cap_info_get_interface_id(exact, sizeof(golden), &e, &id), CAPNP_OK);
	assert_true(id == CAPOS_IFACE_CONSOLE);
	assert_int_equal(capnp_list_struct(sizeof(golden), &l, 2, &e), CAPNP_E_BOUNDS);
	assert_int_equal(capnp_list_struct(sizeof(golden), &l, 1, &e), CAPNP_OK);
	assert_int_equal(capos_cap_info_get_from(exact, 136, &e, &t, &n), CAPNP_E_BOUNDS);
	assert_int_equal(capos_service_info_get_caps(exact, 96, &r, &l), CAPNP_E_BOUNDS);
	exact[sizeof(golden) - 1] = '!'; /* the last text loses its NUL */
	assert_int_equal(capos_service_info_get_caps(exact, sizeof(golden), &r, &l), CAPNP_OK);
	assert_int_equal(capnp_list_struct(sizeof(golden), &l, 1, &e), CAPNP_OK);
	assert_int_equal(capos_cap_info_get_from(exact, sizeof(golden), &e, &t, &n), CAPNP_E_TEXT);
	exact[8] = 2; /* the name pointer becomes a far pointer */
	assert_int_equal(capos_service_info_get_name(exact, sizeof(golden), &r, &t, &n),
			 CAPNP_E_FAR);
	exact[8] = 0; /* a struct pointer where text belongs */
	assert_int_equal(capos_service_info_get_name(exact, sizeof(golden), &r, &t, &n),
			 CAPNP_E_KIND);
	free(exact);

	/* Capability pointers, and a builder that runs out of room. */
	assert_int_equal(capnp_builder_init(&cb, msg, 16), CAPNP_OK);
	assert_int_equal(capos_process_spawner_spawn_results_init_root(&cb, &r), CAPNP_OK);
	assert_int_equal(capos_process_spawner_spawn_results_set_handle(&cb, &r, 7), CAPNP_OK);
	uint32_t cap;
	assert_int_equal(capos_process_spawner_spawn_results_get_handle(msg, cb.used, &r, &cap),
			 CAPNP_OK);
	assert_int_equal(cap, 7);
	assert_int_equal(capos_timer_sleep_params_set_ns(&cb, &r, 1), CAPNP_E_BOUNDS);
	assert_int_equal(capos_cap_grant_set_name(&cb, &r, "x", 1), CAPNP_E_SPACE);
	free(b);
}

/* Edge cases of the encoding, each on a fresh copy of the golden message. */
static void test_message_edges(void **state)
{
	(void)state;
	uint8_t m[sizeof(golden)];
	struct capnp_struct r, e;
	struct capnp_list l;
	const char *t;
	size_t n;
	uint64_t id;
	uint32_t cap;

	memcpy(m, golden, sizeof(m));
	m[6] = 1; /* an older ServiceInfo with one pointer: binary and caps read as null */
	assert_int_equal(capnp_get_root(m, sizeof(m), &r), CAPNP_OK);
	assert_int_equal(capos_service_info_get_binary(m, sizeof(m), &r, &t, &n), CAPNP_NULL);
	assert_string_equal(t, "");
	assert_int_equal(capos_service_info_get_caps(m, sizeof(m), &r, &l), CAPNP_NULL);

	memcpy(m, golden, sizeof(m));
	assert_int_equal(capnp_get_root(m, sizeof(m), &r), CAPNP_OK);
	assert_int_equal(capos_service_info_get_caps(m, sizeof(m), &r, &l), CAPNP_OK);
	assert_int_equal(capnp_list_struct(sizeof(m), &l, 0, &e), CAPNP_OK);
	e.data_words = 0; /* a CapInfo without a data section: interfaceId reads as 0 */
	assert_int_equal(capos_cap_info_get_interface_id(m, sizeof(m), &e, &id), CAPNP_OK);
	assert_true(id == 0);
	m[56] = 0x09; /* the composite tag is a list pointer, not a struct */
	assert_int_equal(capos_service_info_get_caps(m, sizeof(m), &r, &l), CAPNP_E_KIND);
	m[56] = 0x0c; /* three elements of three words in six words */
	assert_int_equal(capos_service_info_get_caps(m, sizeof(m), &r, &l), CAPNP_E_BOUNDS);

	struct capnp_builder b;
	assert_int_equal(capnp_builder_init(&b, m, sizeof(m)), CAPNP_OK);
	assert_int_equal(capos_endpoint_new_client_results_init_root(&b, &r), CAPNP_OK);
	assert_int_equal(capos_endpoint_new_client_results_set_client(&b, &r, 3), CAPNP_OK);
	assert_int_equal(capos_endpoint_new_client_results_get_client(m, b.used, &r, &cap),
			 CAPNP_OK);
	assert_int_equal(cap, 3);
	m[8 + 1] = 1; /* bits 2..31 of a capability pointer must be zero */
	assert_int_equal(capos_endpoint_new_client_results_get_client(m, b.used, &r, &cap),
			 CAPNP_E_KIND);
}

/* Text the reader returns lies inside the message, ends with a NUL at *n. */
static void check_text(const uint8_t *m, size_t len, int st, const char *t, size_t n)
{
	if (st == CAPNP_OK) {
		assert_true((const uint8_t *)t >= m && (const uint8_t *)t + n < m + len);
		assert_int_equal(t[n], 0);
	} else {
		assert_int_equal(n, 0);
	}
}

/* capnp_msg.h reads hostile messages: corrupt the golden ServiceInfo 20000 ways. */
static void test_message_corruption(void **state)
{
	(void)state;
	uint64_t x = 0x2545f4914f6cdd1dull;
	for (int it = 0; it < 20000; it++) {
		size_t len = rnd(&x) % 4 == 0 ? rnd(&x) % (sizeof(golden) + 1) : sizeof(golden);
		uint8_t *m = malloc(len ? len : 1);
		memcpy(m, golden, len);
		for (unsigned n = 1 + (unsigned)(rnd(&x) % 4); len > 0 && n > 0; n--) {
			size_t at = rnd(&x) % len;
			m[at] = rnd(&x) % 2 ? (uint8_t)rnd(&x) : m[at] ^ 0x80;
		}
		struct capnp_struct r, e;
		struct capnp_list l;
		const char *t;
		size_t n;
		uint64_t id;
		int st;
		if (capnp_get_root(m, len, &r) == CAPNP_OK) {
			st = capos_service_info_get_name(m, len, &r, &t, &n);
			check_text(m, len, st, t, n);
			st = capos_service_info_get_binary(m, len, &r, &t, &n);
			check_text(m, len, st, t, n);
			if (capos_service_info_get_caps(m, len, &r, &l) == CAPNP_OK) {
				for (uint32_t i = 0; i < l.count && i < 64; i++) {
					if (capnp_list_struct(len, &l, i, &e) != CAPNP_OK)
						continue;
					st = capos_cap_info_get_name(m, len, &e, &t, &n);
					check_text(m, len, st, t, n);
					st = capos_cap_info_get_from(m, len, &e, &t, &n);
					check_text(m, len, st, t, n);
					capos_cap_info_get_interface_id(m, len, &e, &id);
				}
			}
		}
		free(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixtures),
	    cmocka_unit_test(test_smoke_contents),
	    cmocka_unit_test(test_truncated_and_header),
	    cmocka_unit_test(test_strings),
	    cmocka_unit_test(test_names_and_refs),
	    cmocka_unit_test(test_interfaces),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_random_corruption),
	    cmocka_unit_test(test_service_info_message),
	    cmocka_unit_test(test_message_edges),
	    cmocka_unit_test(test_message_corruption),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
