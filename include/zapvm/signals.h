/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one list of signals whose default action ends the process, used by
 * `zapvm run` (src/cmd/run.c), the VM's supervisor (src/core/supervise.c)
 * and the console (src/devices/console.c). Two kinds:
 *
 * - ending signals, asynchronous (a kill, the terminal, a timer, a
 *   resource limit): SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGALRM, SIGUSR2,
 *   SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGPOLL (SIGIO), SIGPWR,
 *   SIGSTKFLT and the real-time signals. Blocked while a VM runs and
 *   taken as a clean stop (exit 130): the terminal, the control socket
 *   and the knobs are put back.
 * - faults, synchronous: SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS,
 *   SIGABRT. Nothing can be cleaned up safely; the console restores the
 *   terminal and dies of the signal again.
 *
 * Neither: SIGUSR1, which kicks vCPUs out of KVM_RUN and wakes the
 * supervisor (a VM ignores one sent from outside), SIGPIPE (zapvm checks
 * its writes; the console ignores it), SIGKILL and SIGSTOP.
 */
#ifndef ZAPVM_SIGNALS_H
#define ZAPVM_SIGNALS_H

#include <signal.h>
#include <stdbool.h>

/* signals__ending - fill @set with the ending signals, and only them. */
void signals__ending(sigset_t *set);

/* signals__is_fault - whether @sig is one of the faults above. */
bool signals__is_fault(int sig);

/* signals__terminates - an ending signal or a fault. */
bool signals__terminates(int sig);

#endif /* ZAPVM_SIGNALS_H */
