/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The firmware boot's phases by cause (src/cmd/fwreport.c), for run's
 * --stats and --json and for bench. Every run-time memslot change begins a
 * phase named after it; the name tells its cause:
 *	pam		"pam-0xNN": a PAM register write (src/devices/pam.c)
 *	rom-bar		"optrom-map"/"-unmap"/"-move": the option ROM's BAR
 *	ram-bar		"ram-bar-NAME-map"/"-unmap": a RAM-backed BAR
 *	legacy-window	"legacy-window-...": the VGA's 0xA0000 window
 * and the fw_cfg device marks "kernel-entry" when the kernel is handed
 * over (fwcfg__kernel_loaded()): phases before it are POST, from it on
 * the kernel's boot.
 */
#ifndef ZAPVM_FWREPORT_H
#define ZAPVM_FWREPORT_H

#include <stdint.h>
#include <stdio.h>

struct json_object;
struct phase_log;

enum fw_cause {
	FW_CAUSE_PAM,
	FW_CAUSE_ROM_BAR,
	FW_CAUSE_RAM_BAR,
	FW_CAUSE_LEGACY_WINDOW,
	FW_NCAUSES
};

/* fw_cause__of - the cause of the change that began phase @name, or -1. */
int fw_cause__of(const char *name);
const char *fw_cause__name(int cause);

/* One span of phases: [from, to). */
struct fw_span {
	unsigned int from, to;
	uint64_t ns, faults, ioctls; /* ioctls: memslot ioctls inside it */
};

struct fw_tally {
	/* changes: phases begun by a change; ioctls: the ioctls they made */
	uint64_t changes[FW_NCAUSES], ioctls[FW_NCAUSES];
	unsigned int kernel_entry; /* its phase, 0: never reached */
	struct fw_span post, kernel; /* kernel: only with kernel_entry */
};

/*
 * fw_tally__phases - count @l's changes by cause and split it at
 * "kernel-entry". A change's ioctls are the memslot_changes counted in
 * the phase before it (the change's ioctls end that phase). Faults are
 * the vCPUs' pf_taken.
 */
void fw_tally__phases(const struct phase_log *l, struct fw_tally *t);

/*
 * fw_report__json - add "cause" to each phase of @o's "phases" array that
 * a memslot change began, and a "firmware" object to @o's "result":
 * changes and ioctls by cause, the kernel-entry phase, POST and kernel
 * spans. 0 or -ENOMEM.
 */
int fw_report__json(struct json_object *o, const struct phase_log *l);

/* fw_report__print - the same for --stats: a few "zapvm: firmware:" lines. */
void fw_report__print(FILE *f, const struct phase_log *l);

#endif /* ZAPVM_FWREPORT_H */
