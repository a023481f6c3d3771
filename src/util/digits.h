#ifndef BC_UTIL_DIGITS_H
#define BC_UTIL_DIGITS_H

#include <stddef.h>

/*
 * The value of the n ASCII digits at s (n in 1..9), or -1 if one of them is
 * not a digit. For fixed-width fields already located (YYYY-MM-DD), where
 * atoi (banned, util/banned.h) would stop silently at a bad byte.
 */
static inline long bc_digits(const char *s, size_t n)
{
	long v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

#endif
