// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host side of the guest console: guest output goes to stdout and
 * through a line scanner (boot-done mark, kernel panic); stdin goes to the
 * UART. When stdin is a terminal it is put in raw mode - restored on every
 * way out: normal teardown, atexit(), and fatal or terminating signals - and
 * Ctrl-A x quits (Ctrl-A Ctrl-A sends one Ctrl-A). Otherwise stdin is only
 * forwarded, until end of file.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "zapvm/devices.h"
#include "zapvm/log.h"
#include "zapvm/signals.h"
#include "zapvm/util.h"

#define CONSOLE_IN_SIZE 4096
#define CONSOLE_LINE_MAX 256
#define CTRL_A 0x01

struct console {
	struct vm *vm;
	int in_fd, out_fd;
	bool tty; /* stdin is a terminal in raw mode */
	bool quiet;
	int wake[2]; /* a byte here stops the input thread */
	pthread_t thread;
	bool thread_started;
	struct sigaction old_pipe;

	pthread_mutex_t lock; /* the input ring */
	uint8_t in[CONSOLE_IN_SIZE];
	unsigned int head, count;
	pthread_mutex_t notify_lock; /* held while notify runs or changes */
	console_notify_fn notify;
	void *opaque;
	bool escape; /* the last input byte was Ctrl-A */

	pthread_mutex_t out_lock; /* the line scanner */
	char line[CONSOLE_LINE_MAX];
	size_t line_len;
	bool init_seen;
	bool panicked;
};

/*
 * The terminal state to restore. Signal handlers read it, so it lives
 * outside struct console; one VM per process owns the terminal.
 */
static struct termios term_saved;
static volatile sig_atomic_t term_raw;
/* Every signal that ends the process (signals.h) gets term__signal(). */
static struct sigaction term_old[NSIG];
static bool term_atexit_done;

static void term__restore(void)
{
	if (term_raw) {
		tcsetattr(STDIN_FILENO, TCSANOW, &term_saved);
		term_raw = 0;
	}
}

/* Restore the terminal, then die of the signal as if we had not caught it. */
static void term__signal(int sig)
{
	int saved = errno;

	term__restore();
	errno = saved;
	raise(sig); /* SA_RESETHAND: the default action now */
}

static int term__raw(void)
{
	struct sigaction sa = { .sa_handler = term__signal,
				.sa_flags = SA_RESETHAND | SA_NODEFER };
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &term_saved))
		return -errno;
	t = term_saved;
	t.c_iflag &= ~(ICRNL | INLCR | IGNCR | IXON | BRKINT | ISTRIP);
	/* No ISIG: Ctrl-C goes to the guest; Ctrl-A x is the way out. */
	t.c_lflag &= ~(ICANON | ECHO | ISIG | IEXTEN);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	sigemptyset(&sa.sa_mask);
	for (int s = 1; s < NSIG; s++)
		if (signals__terminates(s))
			sigaction(s, &sa, &term_old[s]);
	if (!term_atexit_done && !atexit(term__restore))
		term_atexit_done = true;
	term_raw = 1;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t)) {
		int err = -errno;

		term_raw = 0;
		return err;
	}
	return 0;
}

static void term__unraw(void)
{
	term__restore();
	for (int s = 1; s < NSIG; s++)
		if (signals__terminates(s))
			sigaction(s, &term_old[s], NULL);
}

/* ---- input ----------------------------------------------------------- */

static void console__push(struct console *c, uint8_t b)
{
	pthread_mutex_lock(&c->lock);
	if (c->count < CONSOLE_IN_SIZE) {
		c->in[(c->head + c->count) % CONSOLE_IN_SIZE] = b;
		c->count++;
	}
	pthread_mutex_unlock(&c->lock);
}

static unsigned int console__room(struct console *c)
{
	unsigned int room;

	pthread_mutex_lock(&c->lock);
	room = CONSOLE_IN_SIZE - c->count;
	pthread_mutex_unlock(&c->lock);
	return room;
}

/* Feed @n bytes from stdin; false when the user asked to quit. */
static bool console__feed(struct console *c, const uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t b = buf[i];

		if (!c->tty) {
			console__push(c, b);
			continue;
		}
		if (c->escape) {
			c->escape = false;
			if (b == 'x' || b == 'X') {
				term__restore();
				log_err("console: Ctrl-A x: stopping the guest");
				vm__stop(c->vm, VM_END_INTERRUPTED);
				return false;
			}
			if (b == CTRL_A)
				console__push(c, b);
			continue;
		}
		if (b == CTRL_A)
			c->escape = true;
		else
			console__push(c, b);
	}
	return true;
}

static void *console__thread(void *arg)
{
	struct console *c = arg;
	uint8_t buf[256];

	for (;;) {
		struct pollfd p[2] = { { c->wake[0], POLLIN, 0 },
				       { c->in_fd, POLLIN, 0 } };
		unsigned int room = console__room(c);
		ssize_t n;

		/* A full ring: wait for the guest to read, polling slowly. */
		if (poll(p, room ? 2 : 1, room ? -1 : 10) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents)
			break;
		if (!room || !p[1].revents)
			continue;
		if (p[1].revents & POLLNVAL)
			break;
		n = read(c->in_fd, buf,
			 room < sizeof(buf) ? room : sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break; /* end of input: the guest just gets no more */
		if (!console__feed(c, buf, (size_t)n))
			break;
		pthread_mutex_lock(&c->notify_lock);
		if (c->notify)
			c->notify(c->opaque);
		pthread_mutex_unlock(&c->notify_lock);
	}
	return NULL;
}

void console__attach(struct console *c, console_notify_fn notify, void *opaque)
{
	pthread_mutex_lock(&c->notify_lock);
	c->notify = notify;
	c->opaque = opaque;
	pthread_mutex_unlock(&c->notify_lock);
}

int console__getc(struct console *c)
{
	int b = -1;

	pthread_mutex_lock(&c->lock);
	if (c->count) {
		b = c->in[c->head];
		c->head = (c->head + 1) % CONSOLE_IN_SIZE;
		c->count--;
	}
	pthread_mutex_unlock(&c->lock);
	return b;
}

bool console__pending(struct console *c)
{
	bool p;

	pthread_mutex_lock(&c->lock);
	p = c->count != 0;
	pthread_mutex_unlock(&c->lock);
	return p;
}

/* ---- output ---------------------------------------------------------- */

static void console__line(struct console *c)
{
	c->line[c->line_len] = '\0';
	if (!c->init_seen && strstr(c->line, "Run ") &&
	    strstr(c->line, " as init process")) {
		c->init_seen = true;
		vm__boot_done(c->vm, "console: Run ... as init process", true);
	}
	if (!c->panicked && strstr(c->line, "Kernel panic - not syncing")) {
		c->panicked = true;
		log_err("the guest kernel panicked");
		vm__stop(c->vm, VM_END_PANIC);
	}
	c->line_len = 0;
}

void console__write(struct console *c, const uint8_t *buf, size_t len)
{
	pthread_mutex_lock(&c->out_lock);
	for (size_t done = 0; !c->quiet && done < len;) {
		ssize_t n = write(c->out_fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* stdout is gone: the guest still runs */
		done += (size_t)n;
	}
	for (size_t i = 0; i < len; i++) {
		char ch = (char)buf[i];

		if (ch == '\n')
			console__line(c);
		else if (ch != '\r' && c->line_len < CONSOLE_LINE_MAX - 1)
			c->line[c->line_len++] = ch;
	}
	pthread_mutex_unlock(&c->out_lock);
}

/* ---- life cycle ------------------------------------------------------ */

static void console__exit(struct vm *vm, void *priv)
{
	struct console *c = priv;

	if (c->thread_started) {
		ssize_t n;

		do
			n = write(c->wake[1], "", 1);
		while (n < 0 && errno == EINTR);
		pthread_join(c->thread, NULL);
	}
	if (c->tty)
		term__unraw();
	sigaction(SIGPIPE, &c->old_pipe, NULL);
	close(c->wake[0]);
	close(c->wake[1]);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->out_lock);
	pthread_mutex_destroy(&c->notify_lock);
	vm->console = NULL;
	free(c);
}

static int console__init(struct vm *vm, void **priv)
{
	struct console *c = calloc(1, sizeof(*c));
	sigset_t all, old;
	int err;

	if (!c)
		return -ENOMEM;
	c->vm = vm;
	c->in_fd = STDIN_FILENO;
	c->out_fd = STDOUT_FILENO;
	c->quiet = vm->cfg->quiet_guest;
	if (pipe2(c->wake, O_CLOEXEC)) {
		err = -errno;
		log_err("console: pipe: %s", strerror(errno));
		free(c);
		return err;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->out_lock, NULL);
	pthread_mutex_init(&c->notify_lock, NULL);
	/* A broken stdout must not kill us before the terminal is restored. */
	{
		struct sigaction ign = { .sa_handler = SIG_IGN };

		sigaction(SIGPIPE, &ign, &c->old_pipe);
	}
	if (isatty(c->in_fd)) {
		err = term__raw();
		if (err)
			log_warn(
				"console: cannot put the terminal in raw mode: "
				"%s",
				strerror(-err));
		else
			c->tty = true;
	}
	*priv = c;
	vm->console = c;

	/* The input thread takes no signals: the main thread handles them. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&c->thread, NULL, console__thread, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		log_err("console: cannot start the input thread: %s",
			strerror(err));
		console__exit(vm, c);
		*priv = NULL;
		return -err;
	}
	c->thread_started = true;
	return 0;
}

const struct device_ops console_device = {
	.name = "console",
	.init = console__init,
	.exit = console__exit,
};
