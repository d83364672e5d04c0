// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading a VM's control-socket answers (src/cmd/ctl.c's clients): parsed
 * as UTF-8 JSON, every field type-checked before use, strings made safe
 * for a terminal. A VM's answer is untrusted input: a malformed one is one
 * line naming the field and exit 74, never a json-c assertion.
 */
#include <json-c/json.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "zapvm/cmd.h"
#include "zapvm/log.h"
#include "zapvm/util.h"

const char *answer__type_name(enum json_type t)
{
	switch (t) {
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
		return "a fraction";
	case json_type_int:
		return "an integer";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	case json_type_null:
	default:
		return "null";
	}
}

int answer__malformed(const char *name, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_err("%s: malformed answer from the VM: %s", name, why);
	return ZAPVM_EXIT_IOERR;
}

int answer__check_fields(const char *name, struct json_object *o,
			 const struct answer_field *f)
{
	for (; f->key; f++) {
		struct json_object *v = NULL;
		bool has = json_object_object_get_ex(o, f->key, &v);

		if (f->nullable && (!has || !v))
			continue;
		if (!has)
			return answer__malformed(name, "no \"%s\"", f->key);
		if (!json_object_is_type(v, f->type))
			return answer__malformed(
				name, "\"%s\" is %s, not %s", f->key,
				answer__type_name(json_object_get_type(v)),
				answer__type_name(f->type));
	}
	return 0;
}

/* The length of the UTF-8 sequence at @p (its code point in *@cp); 0: none. */
static size_t utf8_len(const unsigned char *p, uint32_t *cp)
{
	size_t n;

	if (p[0] >= 0xc2 && p[0] < 0xe0)
		n = 2, *cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] < 0xf0)
		n = 3, *cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] < 0xf5)
		n = 4, *cp = p[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0; /* the NUL that ends @p, too */
		*cp = *cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && *cp < 0x800) || (n == 4 && *cp < 0x10000) ||
	    *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return n;
}

const char *answer__printable(const char *s, char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "?");
	size_t o = 0;

	while (*p) {
		uint32_t cp = 0;
		size_t n = *p >= 0x20 && *p < 0x7f && *p != '\\' ?
				   1 :
				   utf8_len(p, &cp);

		if (n > 1 && cp < 0xa0)
			n = 0;
		if (n) {
			if (o + n >= len)
				break;
			memcpy(buf + o, p, n);
			o += n;
			p += n;
			continue;
		}
		if (o + 4 >= len)
			break;
		snprintf(buf + o, 5, "\\x%02x", *p++);
		o += 4;
	}
	buf[o] = '\0';
	return buf;
}

struct json_object *answer__parse(const char *line, const char **why)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;

	*why = "out of memory";
	if (!tok)
		return NULL;
#ifdef JSON_TOKENER_VALIDATE_UTF8
	/* JSON is UTF-8: what is not could not be printed or passed on. */
	json_tokener_set_flags(tok, JSON_TOKENER_VALIDATE_UTF8);
#endif
	o = json_tokener_parse_ex(tok, line, (int)strlen(line) + 1);
	*why = "not JSON (or not UTF-8)";
	if (o && !json_object_is_type(o, json_type_object)) {
		*why = "not a JSON object";
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

int answer__check_set(const char *name, const char *path,
		      struct json_object *set)
{
	char k[128];

	if (!json_object_is_type(set, json_type_object))
		return answer__malformed(
			name, "\"%s\" is %s, not an object", path,
			answer__type_name(json_object_get_type(set)));
	json_object_object_foreach(set, key, val)
	{
		bool hist = json_object_is_type(val, json_type_array);
		bool ok = hist || json_object_is_type(val, json_type_int);

		for (size_t j = 0; hist && j < json_object_array_length(val);
		     j++)
			ok = ok && json_object_is_type(
					   json_object_array_get_idx(val, j),
					   json_type_int);
		if (!ok)
			return answer__malformed(
				name,
				"\"%s\".\"%s\" is not an integer or "
				"an array of integers",
				path, answer__printable(key, k, sizeof(k)));
	}
	return 0;
}
