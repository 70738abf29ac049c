/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Arrays that grow by doubling, for the slow path's logs, queues and
 * tables: the next capacity, and one realloc that leaves the array as it
 * was when memory runs out.
 */
#ifndef RUMOR_GROW_H
#define RUMOR_GROW_H

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Twice cap, or first for an array that has none yet. */
static inline size_t
grow_cap(size_t cap, size_t first)
{
	return cap != 0 ? cap * 2 : first;
}

/*
 * Reallocate the array *arrp points to (any element type: arrp is the
 * address of the array's pointer) to cap elements of size bytes. 0, or
 * -ENOMEM with the array untouched.
 */
static inline int
grow_array(void *arrp, size_t cap, size_t size)
{
	void *old, *p;

	/* Copied through memcpy: a T ** is not a void ** in C. */
	memcpy(&old, arrp, sizeof(old));
	p = realloc(old, cap * size);
	if (p == NULL)
		return -ENOMEM;
	memcpy(arrp, &p, sizeof(p));
	return 0;
}

#endif /* RUMOR_GROW_H */
