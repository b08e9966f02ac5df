/* irq_encode: the status enum and route attributes shared by lib/irq, and the encoders
 * for what the kernel writes to hardware: I/O APIC redirection entries (82093AA
 * §3.2.4) and MSI/MSI-X messages (Intel SDM vol. 3A §11.11).
 *
 * Only fixed delivery to one processor in physical destination mode is ever encoded:
 * the kernel alone chooses message address and data, and there is no interrupt
 * remapping, so destinations are 8-bit xAPIC IDs (SDM §11.11.1). Decoders accept any
 * value, for diagnostics, and say whether the kernel could have produced it.
 */
#ifndef CAPOS_LIB_IRQ_IRQ_ENCODE_H
#define CAPOS_LIB_IRQ_IRQ_ENCODE_H

#include <stdbool.h>
#include <stdint.h>

/* The one status enum of lib/irq. */
enum irq_status {
	IRQ_OK = 0,
	IRQ_ERR_INVALID,   /* an argument out of range */
	IRQ_ERR_NOSPACE,   /* a fixed capacity or a vector pool is exhausted */
	IRQ_ERR_NOT_FOUND, /* no such GSI, ISA IRQ or vector holder */
	IRQ_ERR_BUSY,	   /* the source or (cpu, vector) is already held */
	IRQ_ERR_STALE,	   /* a handle whose id, generation or slot is no longer live */
	IRQ_ERR_STATE,	   /* the transition is illegal from the current state */
	IRQ_ERR_CORRUPT,   /* firmware or hardware data was rejected (reported) */
};

/* irq_status_str: a short name for s ("ok", "invalid", ...). */
const char *irq_status_str(enum irq_status s);

enum irq_trigger {
	IRQ_TRIGGER_EDGE = 0,
	IRQ_TRIGGER_LEVEL,
};

enum irq_polarity {
	IRQ_POLARITY_HIGH = 0,
	IRQ_POLARITY_LOW,
};

/* Lowest vector a device may use: 0-31 are exceptions and reserved (SDM §6.2). */
#define IRQ_VECTOR_MIN_EXTERNAL 0x20u
/* Highest xAPIC ID a message may name: 0xFF is the physical-mode broadcast (SDM
 * §11.6.2.1), so a processor with that ID cannot be targeted alone. */
#define IRQ_XAPIC_MAX_DEST	0xfeu

/* One I/O APIC pin's route as the kernel programs it. */
struct ioapic_route {
	uint8_t vector;
	uint32_t dest_apic_id;
	enum irq_trigger trigger;
	enum irq_polarity polarity;
	bool masked;
};

/* ioapic_redir_encode: the 64-bit redirection entry for r (fixed delivery, physical
 * destination). IRQ_ERR_INVALID (and *entry untouched) when the vector is below 32,
 * the destination above IRQ_XAPIC_MAX_DEST, or trigger/polarity is not a known value. To
 * park an unused pin, write IOAPIC_REDIR_MASKED directly. */
enum irq_status ioapic_redir_encode(const struct ioapic_route *r, uint64_t *entry);

/* ioapic_redir_encode_remapped: the remappable-format entry for interrupt
 * remapping entry `index`, with r's vector (for EOI), trigger, polarity and mask
 * (r's destination is the remapping entry's business). IRQ_ERR_INVALID as
 * ioapic_redir_encode for the vector and attributes. */
enum irq_status ioapic_redir_encode_remapped(uint16_t index, const struct ioapic_route *r,
					     uint64_t *entry);

/* What a redirection entry holds, including the read-only status bits. */
struct ioapic_redir_info {
	struct ioapic_route route;
	uint8_t delivery_mode; /* IOAPIC_DELMODE_* */
	bool logical;	       /* logical destination mode */
	bool send_pending;     /* delivery status */
	bool remote_irr;
};

/* ioapic_redir_decode: fills *out from entry. Returns IRQ_OK when entry is something
 * ioapic_redir_encode produces (status bits aside), IRQ_ERR_INVALID otherwise. */
enum irq_status ioapic_redir_decode(uint64_t entry, struct ioapic_redir_info *out);

/* msi_compose: the MSI/MSI-X message for fixed delivery of vector to the processor with
 * xAPIC ID dest_apic_id, edge triggered unless level. IRQ_ERR_INVALID (outputs untouched)
 * when vector < 32 or dest_apic_id > IRQ_XAPIC_MAX_DEST (a larger ID needs interrupt
 * remapping, SDM §11.11.1). */
enum irq_status msi_compose(uint32_t dest_apic_id, uint8_t vector, bool level, uint64_t *addr,
			    uint32_t *data);

struct msi_info {
	uint32_t dest_apic_id;
	uint8_t vector;
	uint8_t delivery_mode; /* MSI_DELMODE_* */
	bool level;	       /* trigger mode */
	bool assert;	       /* level bit */
	bool redirection_hint;
	bool logical;
};

/* msi_decode: fills *out from a message. Returns IRQ_OK when addr/data is something
 * msi_compose produces, IRQ_ERR_INVALID otherwise (not in the 0xFEExxxxx window,
 * reserved bits set, not fixed physical delivery, a vector below 32). */
enum irq_status msi_decode(uint64_t addr, uint32_t data, struct msi_info *out);

#endif
