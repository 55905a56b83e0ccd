/*
 * Unified Social Credit Code (统一社会信用代码, GB 32100-2015).
 */
#ifndef SB_USCC_H
#define SB_USCC_H

#include <stdbool.h>

#define USCC_LEN 18

/* The check character for the first 17 characters of `code`, or '\0' when
 * one of them is not in the code's character set. */
char uscc_check_char(const char *code);

/* True when `code` is 18 characters of the character set (upper case only)
 * and its last character is the right check character. */
bool uscc_valid(const char *code);

/* True when the registering division (characters 3-8) is in Beijing ("11…").
 * Assumes uscc_valid(code). */
bool uscc_in_beijing(const char *code);

/* RULES.md §5: true when `unit` is a district (a GB/T 2260 code of 6
 * digits) other than the division the organisation registered with
 * (characters 3-8 of a valid `code`, "110000" for the municipal level): the
 * review unit follows another rule (affiliation, where the project is) and
 * the reviewer is shown that it differs.  False for any other unit (the
 * ETDZ, an enterprise unit) and for an invalid code. */
bool uscc_registered_elsewhere(const char *code, const char *unit);

#endif
