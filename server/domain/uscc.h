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

#endif
