/* SPDX-License-Identifier: GPL-2.0-only */
/* Subcommands: one file each (src/cmd/, src/bench/), one table in main.c. */
#ifndef ZAPVM_CMD_H
#define ZAPVM_CMD_H

#include <stdio.h>

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

#endif /* ZAPVM_CMD_H */
