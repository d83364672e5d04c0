/* SPDX-License-Identifier: GPL-2.0-only */
/* Subcommands: one file each (src/cmd/, src/bench/), one table in main.c. */
#ifndef ZAPVM_CMD_H
#define ZAPVM_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

struct json_object;
struct vm_result;
struct vm_config;

/* Each returns zapvm's exit status (see enum zapvm_exit). */
int cmd_run(int argc, char **argv);
int cmd_caps(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_guests(int argc, char **argv);
int cmd_bench(int argc, char **argv);
/* src/cmd/ctl.c: clients of a running VM's control socket. */
int cmd_list(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_resume(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_policy(int argc, char **argv);
/* src/cmd/exec.c, src/cmd/attach.c: other VMMs' VMs. */
int cmd_exec(int argc, char **argv);
int cmd_attach(int argc, char **argv);

/*
 * common_opt - the options every command takes (src/cmd/options.c): -v/-q
 * adjust the log level; returns 1 if @c was one of them.
 */
int common_opt(int c);

/*
 * report__json_run - a JSON object for one run: config, result, phases and
 * the host. NULL on ENOMEM.
 */
struct json_object *report__json_run(const struct vm_config *cfg,
				     const struct vm_result *res);

/*
 * report__host - a JSON object with the host facts of `zapvm caps`, or NULL
 * if /dev/kvm cannot be opened (one line logged).
 */
struct json_object *report__host(void);

/* report__write_json - write @obj to @path ("-" = stdout); exit status. */
int report__write_json(struct json_object *obj, const char *path);

/*
 * report__fault_kind - what pf_taken counts on an MMU named by
 * kvm__mmu_name() ("EPT violations (TDP MMU)", "shadow-MMU page faults...").
 */
const char *report__fault_kind(const char *mmu);

/* Faults (vCPU pf_taken) of a run: all, and from the first churn phase on. */
unsigned long long report__faults(const struct vm_result *res, int after_churn);

/*
 * bench__guest_floor - the floor @name ("total", "after_churn", ...) that
 * zapvm bench's builtin scenario @scenario computes for its guest with
 * @mem bytes and @args (NULL: the guest's defaults), with 2 MiB mappings
 * if @thp2m, into *@out: the fewest faults any policy could take, from the
 * guest's known layout (src/bench/scenario-NAME.c). 0, or -ENOENT when the
 * scenario, its guest or the floor is unknown or the guest would refuse
 * @args.
 */
int bench__guest_floor(const char *scenario, uint64_t mem, bool thp2m,
		       const char *args, const char *name, double *out);

/* src/cmd/ctl-answer.c: reading the answers of a VM's control socket. */

/* A field an answer must have, of JSON type @type. */
struct answer_field {
	const char *key;
	enum json_type type;
	bool nullable; /* may also be null or missing */
};

/*
 * answer__parse - answer line @line as a JSON object (UTF-8 checked where
 * json-c can); NULL with *@why set (a phrase) when it is not one.
 */
struct json_object *answer__parse(const char *line, const char **why);

/*
 * answer__check_fields - check fields @f (ended by a NULL key) of answer
 * @o from VM @name: 0, or ZAPVM_EXIT_IOERR after one line naming the first
 * missing or mistyped one. Clients read no field not checked first.
 */
int answer__check_fields(const char *name, struct json_object *o,
			 const struct answer_field *f);

/*
 * answer__check_set - @set, the stats set at @path of a stats answer ("vm",
 * "vcpus[1]"), is an object of integers and arrays of integers
 * (histograms). 0 or ZAPVM_EXIT_IOERR after one line.
 */
int answer__check_set(const char *name, const char *path,
		      struct json_object *set);

/*
 * answer__malformed - "NAME: malformed answer from the VM: WHY" as one
 * error line; returns ZAPVM_EXIT_IOERR.
 */
__attribute__((format(printf, 2, 3))) int
answer__malformed(const char *name, const char *fmt, ...);

/* answer__type_name - "an array", "a string", ... for messages. */
const char *answer__type_name(enum json_type t);

/*
 * answer__printable - @s as it may reach a terminal, into @buf of @len
 * bytes: control characters (below 0x20, 0x7f, U+0080 to U+009F), bytes
 * that are not UTF-8 and the backslash become \xNN, so a VM's answer can
 * neither move the cursor nor pass for an escape zapvm wrote. Cut short at
 * a character if @buf is too small; NULL is "?". Returns @buf.
 */
const char *answer__printable(const char *s, char *buf, size_t len);

/*
 * src/cmd/ctl.c's client of the control socket, for other commands (attach).
 * ctl__call - send request line @req to VM @name, its answer into *@reply
 * (*@fdp, if not NULL, keeps the connection); 0, or an exit status after
 * one line (with @quiet_missing a VM that is gone is ZAPVM_EXIT_NOINPUT
 * silently). An answer with "ok": false is 0 here: see ctl__reply_status.
 */
int ctl__call(const char *name, const char *req, struct json_object **reply,
	      int *fdp, int quiet_missing);

/*
 * ctl__reply_status - an error answer @o of VM @name: one line and its exit
 * status; 0 for "ok": true, whose fields @f (NULL: none) it then checks.
 */
int ctl__reply_status(const char *name, struct json_object *o,
		      const struct answer_field *f);

/*
 * ctl__scan_dir - the VM names of the sockets in @dir, sorted and malloc'ed
 * (free each and the array); *@n of them; NULL with *@err -errno (0: none).
 */
char **ctl__scan_dir(const char *dir, size_t *n, int *err);

#endif /* ZAPVM_CMD_H */
