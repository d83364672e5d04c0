/* SPDX-License-Identifier: GPL-2.0-only */
/* Logging to stderr with a level set by -v/-q. */
#ifndef ZAPVM_LOG_H
#define ZAPVM_LOG_H

enum log_level { LOG_QUIET = -1, LOG_ERR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* The current level; messages above it are dropped. Default LOG_WARN. */
extern int log_level;

void log_msg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif /* ZAPVM_LOG_H */
