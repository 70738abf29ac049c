/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One table gives an enum and the names of its values, so that adding a
 * value takes one edit. A header lists the values once as an X-macro,
 *
 *   #define FOO_ERRORS(X) \
 *	X(FOO_OK, "ok") \
 *	X(FOO_SHORT, "short")
 *
 * and expands it twice: into the enum with RUMOR_ENUM_VALUE,
 *
 *   enum foo_error { FOO_ERRORS(RUMOR_ENUM_VALUE) FOO_ERROR_MAX };
 *
 * and, in the module's .c file, into the function that names a value:
 *
 *   RUMOR_ENUM_NAME_FN(foo_error_name, enum foo_error, FOO_ERRORS,
 *		FOO_ERROR_MAX, "?")
 *
 * defines const char *foo_error_name(enum foo_error v), which returns
 * the name of v, or "?" for a value without one.
 */
#ifndef RUMOR_ENUM_NAMES_H
#define RUMOR_ENUM_NAMES_H

#include <stddef.h>

#define RUMOR_ENUM_VALUE(value, name) value,
#define RUMOR_ENUM_NAME(value, name) [value] = name,

/*
 * The name of value v in names[0..n), or unknown when v is beyond the
 * table or has no name there.
 */
static inline const char *
rumor_enum_name(const char *const *names, size_t n, size_t v,
		const char *unknown)
{
	return v < n && names[v] != NULL ? names[v] : unknown;
}

#define RUMOR_ENUM_NAME_FN(fn, type, list, max, unknown)		\
const char *								\
fn(type v)								\
{									\
	static const char *const names[max] = {			\
		list(RUMOR_ENUM_NAME)					\
	};								\
									\
	return rumor_enum_name(names, max, v, unknown);			\
}

#endif /* RUMOR_ENUM_NAMES_H */
