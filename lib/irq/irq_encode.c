/* irq_encode: I/O APIC redirection entries and MSI messages. */
#include "lib/irq/irq_encode.h"

#include "hw/ioapic.h"
#include "hw/msi.h"

const char *irq_status_str(enum irq_status s)
{
	switch (s) {
	case IRQ_OK:
		return "ok";
	case IRQ_ERR_INVALID:
		return "invalid";
	case IRQ_ERR_NOSPACE:
		return "no space";
	case IRQ_ERR_NOT_FOUND:
		return "not found";
	case IRQ_ERR_BUSY:
		return "busy";
	case IRQ_ERR_STALE:
		return "stale";
	case IRQ_ERR_STATE:
		return "bad state";
	case IRQ_ERR_CORRUPT:
		return "corrupt";
	}
	return "unknown";
}

static bool attrs_valid(enum irq_trigger t, enum irq_polarity p)
{
	return (t == IRQ_TRIGGER_EDGE || t == IRQ_TRIGGER_LEVEL) &&
	       (p == IRQ_POLARITY_HIGH || p == IRQ_POLARITY_LOW);
}

enum irq_status ioapic_redir_encode(const struct ioapic_route *r, uint64_t *entry)
{
	if (r->vector < IRQ_VECTOR_MIN_EXTERNAL || r->dest_apic_id > IRQ_XAPIC_MAX_DEST ||
	    !attrs_valid(r->trigger, r->polarity))
		return IRQ_ERR_INVALID;
	uint64_t e = (uint64_t)r->vector;
	e |= (uint64_t)IOAPIC_DELMODE_FIXED << IOAPIC_REDIR_DELMODE_SHIFT;
	/* Destination mode 0 (physical): bits 59:56 are the APIC ID on the 82093AA; xAPIC
	 * systems use all of 63:56 (SDM §11.6.2.1 8-bit IDs). */
	e |= (uint64_t)r->dest_apic_id << IOAPIC_REDIR_DEST_SHIFT;
	if (r->polarity == IRQ_POLARITY_LOW)
		e |= IOAPIC_REDIR_POLARITY_LOW;
	if (r->trigger == IRQ_TRIGGER_LEVEL)
		e |= IOAPIC_REDIR_TRIGGER_LEVEL;
	if (r->masked)
		e |= IOAPIC_REDIR_MASKED;
	*entry = e;
	return IRQ_OK;
}

enum irq_status ioapic_redir_encode_remapped(uint16_t index, const struct ioapic_route *r,
					     uint64_t *entry)
{
	if (r->vector < IRQ_VECTOR_MIN_EXTERNAL || !attrs_valid(r->trigger, r->polarity))
		return IRQ_ERR_INVALID;
	uint64_t e = (uint64_t)r->vector | IOAPIC_REDIR_REMAP |
		     (uint64_t)(index & 0x7fff) << IOAPIC_REDIR_REMAP_IDX_SHIFT;
	if (index & 0x8000)
		e |= IOAPIC_REDIR_REMAP_IDX15;
	if (r->polarity == IRQ_POLARITY_LOW)
		e |= IOAPIC_REDIR_POLARITY_LOW;
	if (r->trigger == IRQ_TRIGGER_LEVEL)
		e |= IOAPIC_REDIR_TRIGGER_LEVEL;
	if (r->masked)
		e |= IOAPIC_REDIR_MASKED;
	*entry = e;
	return IRQ_OK;
}

/* Bits 55:17 are reserved (82093AA §3.2.4). */
#define IOAPIC_REDIR_RESERVED 0x00fffffffffe0000ull

enum irq_status ioapic_redir_decode(uint64_t entry, struct ioapic_redir_info *out)
{
	out->route.vector = (uint8_t)(entry & IOAPIC_REDIR_VECTOR_MASK);
	out->route.dest_apic_id =
	    (uint32_t)((entry & IOAPIC_REDIR_DEST_MASK) >> IOAPIC_REDIR_DEST_SHIFT);
	out->route.trigger =
	    (entry & IOAPIC_REDIR_TRIGGER_LEVEL) ? IRQ_TRIGGER_LEVEL : IRQ_TRIGGER_EDGE;
	out->route.polarity =
	    (entry & IOAPIC_REDIR_POLARITY_LOW) ? IRQ_POLARITY_LOW : IRQ_POLARITY_HIGH;
	out->route.masked = (entry & IOAPIC_REDIR_MASKED) != 0;
	out->delivery_mode =
	    (uint8_t)((entry & IOAPIC_REDIR_DELMODE_MASK) >> IOAPIC_REDIR_DELMODE_SHIFT);
	out->logical = (entry & IOAPIC_REDIR_DESTMODE_LOGICAL) != 0;
	out->send_pending = (entry & IOAPIC_REDIR_DELIVS) != 0;
	out->remote_irr = (entry & IOAPIC_REDIR_REMOTE_IRR) != 0;

	if (out->delivery_mode != IOAPIC_DELMODE_FIXED || out->logical ||
	    (entry & IOAPIC_REDIR_RESERVED) != 0 || out->route.vector < IRQ_VECTOR_MIN_EXTERNAL ||
	    out->route.dest_apic_id > IRQ_XAPIC_MAX_DEST)
		return IRQ_ERR_INVALID;
	return IRQ_OK;
}

enum irq_status msi_compose(uint32_t dest_apic_id, uint8_t vector, bool level, uint64_t *addr,
			    uint32_t *data)
{
	if (vector < IRQ_VECTOR_MIN_EXTERNAL || dest_apic_id > IRQ_XAPIC_MAX_DEST)
		return IRQ_ERR_INVALID;
	/* RH = 0: the destination ID names one processor and DM is ignored (§11.11.1). */
	*addr = (uint64_t)(MSI_ADDR_BASE | (dest_apic_id << MSI_ADDR_DEST_ID_SHIFT));
	uint32_t d = vector | (MSI_DELMODE_FIXED << MSI_DATA_DELMODE_SHIFT);
	/* The level bit is ignored for edge messages; a level message asserts (§11.11.2). */
	if (level)
		d |= MSI_DATA_TRIGGER_LEVEL | MSI_DATA_LEVEL_ASSERT;
	*data = d;
	return IRQ_OK;
}

/* Address bits 11:4 are reserved, data bits 13:11 and 31:16 too (§11.11.1, §11.11.2). */
#define MSI_ADDR_RESERVED 0x00000ff3u
#define MSI_DATA_RESERVED 0xffff3800u

enum irq_status msi_decode(uint64_t addr, uint32_t data, struct msi_info *out)
{
	uint32_t lo = (uint32_t)addr;
	out->dest_apic_id = (lo & MSI_ADDR_DEST_ID_MASK) >> MSI_ADDR_DEST_ID_SHIFT;
	out->redirection_hint = (lo & MSI_ADDR_RH) != 0;
	out->logical = (lo & MSI_ADDR_DM_LOGICAL) != 0;
	out->vector = (uint8_t)(data & MSI_DATA_VECTOR_MASK);
	out->delivery_mode = (uint8_t)((data & MSI_DATA_DELMODE_MASK) >> MSI_DATA_DELMODE_SHIFT);
	out->level = (data & MSI_DATA_TRIGGER_LEVEL) != 0;
	out->assert = (data & MSI_DATA_LEVEL_ASSERT) != 0;

	if ((addr >> 32) != 0 || (lo & MSI_ADDR_BASE_MASK) != MSI_ADDR_BASE ||
	    (lo & MSI_ADDR_RESERVED) != 0 || out->redirection_hint || out->logical ||
	    (data & MSI_DATA_RESERVED) != 0 || out->delivery_mode != MSI_DELMODE_FIXED ||
	    out->vector < IRQ_VECTOR_MIN_EXTERNAL || out->dest_apic_id > IRQ_XAPIC_MAX_DEST ||
	    out->assert != out->level)
		return IRQ_ERR_INVALID;
	return IRQ_OK;
}
