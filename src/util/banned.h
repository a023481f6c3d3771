#ifndef BC_UTIL_BANNED_H
#define BC_UTIL_BANNED_H

/*
 * Functions the project does not call, after git's banned.h: each has a
 * safer form used instead. The build includes this file first in every C
 * file (-include in meson.build, for src/, tests, tools, benchmarks and
 * fuzzers), so it includes no header (a file's own _GNU_SOURCE still
 * counts): it redeclares each function as deprecated, and -Werror turns a
 * call into a compile error that names the replacement. A declaration, not
 * a macro, so the system headers that follow still declare them.
 *
 *   strcpy, strcat, strncpy, strncat  -> snprintf, or memcpy of a known length
 *   sprintf, vsprintf                 -> snprintf, vsnprintf
 *   strtok                            -> strtok_r, or a scan with strcspn
 *   gets                              -> fgets, getline
 *   atoi, atol, atoll                 -> strtol with an end check, bc_digits (util/digits.h)
 *   mktemp, tmpnam                    -> mkstemp, mkdtemp
 */

#define BC_BANNED(use) __attribute__((__deprecated__("banned (src/util/banned.h): use " use)))

char *strcpy(char *__restrict, const char *__restrict) BC_BANNED("snprintf or memcpy");
char *strcat(char *__restrict, const char *__restrict) BC_BANNED("snprintf or memcpy");
char *strncpy(char *__restrict, const char *__restrict, __SIZE_TYPE__) BC_BANNED("snprintf or memcpy");
char *strncat(char *__restrict, const char *__restrict, __SIZE_TYPE__) BC_BANNED("snprintf or memcpy");
int sprintf(char *__restrict, const char *__restrict, ...) BC_BANNED("snprintf");
int vsprintf(char *__restrict, const char *__restrict, __builtin_va_list) BC_BANNED("vsnprintf");
char *strtok(char *__restrict, const char *__restrict) BC_BANNED("strtok_r or strcspn");
char *gets(char *) BC_BANNED("fgets or getline");
int atoi(const char *) BC_BANNED("strtol with an end check, or bc_digits");
long atol(const char *) BC_BANNED("strtol with an end check, or bc_digits");
long long atoll(const char *) BC_BANNED("strtoll with an end check, or bc_digits");
char *mktemp(char *) BC_BANNED("mkstemp or mkdtemp");
char *tmpnam(char *) BC_BANNED("mkstemp or mkdtemp");

#endif
