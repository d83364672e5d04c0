// SPDX-License-Identifier: GPL-2.0-only
/*
 * The signals that end zapvm by default (signals.h): one list, so that the
 * console, the supervisor and `zapvm run` cannot disagree on which ones
 * leave a raw terminal, a stale socket or a changed knob behind.
 */
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "zapvm/signals.h"
#include "zapvm/util.h"

static const int ending[] = {
	SIGHUP,	   SIGINT,  SIGQUIT, SIGTERM,	SIGALRM,
	SIGUSR2,   SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF,
#ifdef SIGPOLL
	SIGPOLL,
#endif
#ifdef SIGPWR
	SIGPWR,
#endif
#ifdef SIGSTKFLT
	SIGSTKFLT,
#endif
};

static const int faults[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE,
			      SIGTRAP, SIGSYS, SIGABRT };

void signals__ending(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < ARRAY_SIZE(ending); i++)
		sigaddset(set, ending[i]);
	/* The C library keeps the first few real-time ones to itself. */
	for (int s = SIGRTMIN; s <= SIGRTMAX; s++)
		sigaddset(set, s);
}

bool signals__is_fault(int sig)
{
	for (size_t i = 0; i < ARRAY_SIZE(faults); i++)
		if (faults[i] == sig)
			return true;
	return false;
}

bool signals__terminates(int sig)
{
	sigset_t set;

	if (signals__is_fault(sig))
		return true;
	signals__ending(&set);
	return sigismember(&set, sig) == 1;
}
