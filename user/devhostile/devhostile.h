/* devhostile: the hostile edu driver's parts (main.c says what it does).
 * call.c makes calls and shapes their messages, model.c follows what the
 * process holds and what each call must answer, attack.c and edu.c are the
 * attacks. */
#ifndef CAPOS_USER_DEVHOSTILE_H
#define CAPOS_USER_DEVHOSTILE_H

#include "capos/gen/capos_schema.h"
#include "hw/edu.h"
#include "lib/capos.h"
#include "lib/ring/ring.h"
#include "lib/str.h"

#define TOTAL	    100000u
#define SEED	    0x9d1e5a17c0ffee09ull
#define MAX_HELD    24u		  /* sub-handles held at once, live or stale (64 cap slots) */
#define MAX_BUFS    16u		  /* buffers followed per pool */
#define MAX_OLD	    32u		  /* released handles, dead buffer names and dead addresses kept */
#define MAX_DMA	    48u		  /* edu transfers (edu starts each 100 ms after it is told) */
#define MMIO_BUDGET (1ull << 20)  /* mmio=1M in manifests/devhostile*.manifest */
#define POOL_BUDGET (64ull << 10) /* pool=64K */
#define PAGE	    4096ull
#define NO_DATA	    0x0000400000000000ull /* user addresses where nothing is mapped */
#define DEV_VA	    0x0000600000000000ull /* where windows and pools are mapped (USER_DEV_VA) */
#define KERNEL_VA   0xffffffff80000000ull
#define IOVA_MAX    0x0fffffffull /* below edu's 28-bit DMA mask */
#define CFG_COMMAND 0x04
#define CMD_MASTER  0x0004u

#define A(st) (1u << -(st)) /* a status as a bit of an allowed set */
#define ANY   0x3ffu
#define ERR   (ANY & ~A(CAPOS_OK))

/* What it was started with: Device, Console, Timer; its own Endpoint and a
 * client facet of it where the manifest grants them. */
static const struct capos_handle dev = {0, 1}, con = {1, 1}, tim = {2, 1};
static const struct capos_handle self_ep = {3, 1}, self_cl = {4, 1};

enum kind { K_MMIO, K_IRQ, K_POOL };
enum state { S_LIVE = 1, S_STALE };
/* Shapes of a call's message and result buffer. */
enum pshape {
	P_GOOD,
	P_BIG,
	P_RANDOM,
	P_TRUNC,
	P_DEVVA,
	P_UNMAPPED,
	P_EMPTY,
	P_HUGE,
	P_KERNEL,
	P_HOLE
};
enum rshape { R_GOOD, R_NONE, R_SMALL, R_UNMAPPED, R_RDONLY, R_KERNEL };
enum target { T_DEV, T_HELD, T_GONE };

struct buf {
	uint32_t id, gen;
	uint64_t off, len, iova, va;
};

/* A sub-handle held, live or stale (released ones leave the table). */
struct held {
	struct capos_handle h;
	uint8_t kind, state;
	uint64_t addr, off, len, charge; /* DeviceMmio (charge also DMAPool's bytes) */
	bool masked;			 /* Interrupt */
	uint64_t total, consumed;
	uint64_t va, iova; /* DMAPool */
	bool dirty;	   /* an alloc whose reply was lost may hold a buffer not named here */
	uint32_t nbuf;
	struct buf buf[MAX_BUFS];
};

/* One SQE as made: addresses are raw (any value is an attack). */
struct call {
	struct capos_handle t;
	uint8_t op, flags;
	uint16_t method;
	uint64_t p, r, x;
	uint32_t plen, rlen, nx;
};

struct name {
	uint32_t id, gen;
};

/* A method's parameter values (which field each is: build()). */
struct fields {
	uint64_t a, b, c;
};

/* call.c */
extern struct capos_ring *dh_ring;
extern uint64_t dh_step, dh_calls, dh_nst[10];
extern const char *dh_what;	   /* the attack under way, for a failure */
extern int dh_last_ps, dh_last_rs; /* the last call's shapes (-1: none) */
extern bool dh_last_dead;	   /* P_DEVVA: the message's address is certainly unmapped */
extern uint64_t dh_pbuf[RING_MAX_MSG / 8], dh_rbuf[64];

/* model.c */
extern struct held dh_held[MAX_HELD];
extern uint32_t dh_nheld, dh_ngone, dh_noldbuf, dh_ndeadiova;
extern struct capos_handle dh_gone[MAX_OLD];
extern struct name dh_oldbuf[MAX_OLD];
extern uint64_t dh_deadiova[MAX_OLD];
extern uint64_t dh_epoch, dh_bar0_size, dh_mmio_used, dh_pool_used;
extern uint16_t dh_isolation, dh_msi_count;

/* main.c */
extern bool dh_have_ep;
extern uint64_t dh_n_stale, dh_n_resets, dh_n_windows, dh_n_irqs, dh_n_pools, dh_n_bufs, dh_n_waits,
    dh_n_taken;
extern uint64_t dh_n_refused, dh_n_dma, dh_n_dma_checked, dh_n_dma_stray, dh_n_forged;

/* ---- call.c ---- */

/* rnd: the next xorshift64 value (seeded with SEED); below: one in [0, n);
 * wild: a value at one of the edges the kernel checks, or noise. */
uint64_t dh_rnd(void);
uint64_t dh_below(uint64_t n);
uint64_t dh_wild(void);

/* fail: prints why, with the seed, step, call number and the last call, and
 * exits with status 1. check: fails unless st is in the allowed set. */
__attribute__((noreturn)) void dh_fail(const char *why, int32_t st);
void dh_check(int32_t st, uint32_t allowed, const char *why);
bool dh_same(struct capos_handle a, struct capos_handle b);

/* issue: submits k, counts its status (a defined one, or it fails) and adopts
 * a capability it returned (only Device.mmio, interrupt and dmaPool may). */
int32_t dh_issue(const struct call *k, struct capos_cqe *c);

/* build: a well-formed message for iface.method with fields f at pbuf; its
 * length. pick_ps / pick_rs: a random message or result shape. lay_out: k's
 * message and result as the shapes say (glen: build's length).
 * pre_status: what the ring or the call path answers before the object sees
 * the call (exact), 0 when the object decides. */
uint32_t dh_build(uint64_t iface, uint16_t m, struct fields f);
int dh_pick_ps(void);
int dh_pick_rs(void);
void dh_lay_out(struct call *k, int ps, int rs, uint32_t glen);
int32_t dh_pre_status(int ps, int rs, bool valid_target, uint32_t nx, bool takes_caps);

/* simple: a well-formed call on t with fields f and a good result buffer
 * (rbuf; res_len: the bytes of it the reply used). */
int32_t dh_simple(struct capos_handle t, uint64_t iface, uint16_t m, struct fields f,
		  struct capos_cqe *c);
uint32_t dh_res_len(const struct capos_cqe *c);

/* remember_va: an address unmapped from now on (a released or stale window or
 * pool), to be used as a message or result address. */
void dh_remember_va(uint64_t va);

/* ---- model.c ---- */

/* device_info: Device.info, read into epoch, isolation, msi_count, bar0_size
 * (fails unless it is edu). device_epoch: the current epoch, epoch kept.
 * bus_master: the command register's Bus Master Enable, read back.
 * irq_total: Interrupt.info's count of a live Interrupt (kept in h->total). */
void dh_device_info(void);
uint64_t dh_device_epoch(void);
bool dh_bus_master(void);
uint64_t dh_irq_total(struct held *h);

/* live_irq: the live Interrupt, or NULL; find_held: the entry of h, or NULL;
 * any_live: a random live entry of kind, or NULL. */
struct held *dh_live_irq(void);
struct held *dh_find_held(struct capos_handle h);
struct held *dh_any_live(int kind);

/* release: a RELEASE of h (flags and stray message bytes make it corrupt);
 * the status. forget: h was released: it leaves the table (and the budget). */
int32_t dh_release(struct capos_handle h, uint8_t flags, uint32_t stray);
void dh_forget(struct held *h);

/* adopt: a capability Device.method handed out, followed from now on (or
 * released at once when MAX_HELD are held). on_reset: the claim was made
 * again under epoch now: everything held is stale. */
void dh_adopt(uint16_t method, struct capos_handle h);
void dh_on_reset(uint64_t now);

/* What a call must answer. invalid_method: an ordinal from first on.
 * expect_device / expect_sub: the allowed statuses of method m with fields f
 * on the live Device / live sub-handle h. reads_params: whether m's decode
 * looks at its message; method_valid: whether m is one of iface's. */
uint16_t dh_invalid_method(uint16_t first);
uint32_t dh_expect_device(uint16_t m, struct fields f);
uint32_t dh_expect_sub(const struct held *h, uint16_t m, struct fields f);
bool dh_reads_params(uint64_t iface, uint16_t m);
bool dh_method_valid(uint64_t iface, uint16_t m);
uint64_t dh_iface_of(int kind);

/* after_sub: what method m (status st, result shape rs) changed in h: mask
 * state, interrupts taken, buffers allocated and freed, all checked. */
void dh_after_sub(struct held *h, uint16_t m, int32_t st, int rs, struct fields f,
		  const struct capos_cqe *c);

/* ---- attack.c ---- */

/* Random calls on the Device, on a held sub-handle, on a pool, on released
 * and never-issued handles; releases; capabilities sent beside calls; bus
 * mastering; Device.reset; other opcodes. Each checks every status. */
void dh_attack_device(void);
void dh_attack_held(void);
void dh_attack_pool(void);
void dh_attack_gone(void);
void dh_attack_release(void);
void dh_attack_xfer(void);
void dh_attack_bus_master(void);
void dh_attack_reset(void);
void dh_attack_raw(void);

/* ---- edu.c ---- */

/* live_regs: edu's BAR0 bytes [off, off + len) through a live window, or
 * NULL. wr32: a 32-bit register write. */
volatile uint8_t *dh_live_regs(uint64_t off, uint64_t len);
void dh_wr32(volatile uint8_t *base, uint32_t off, uint32_t v);

/* attack_regs: edu's safe registers and its interrupt, raised and taken.
 * attack_dma: edu's DMA engine, only where an IOMMU confines it. */
void dh_attack_regs(void);
void dh_attack_dma(void);

#endif
