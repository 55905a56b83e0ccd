/*
 * Unified Social Credit Code check character (GB 32100-2015).
 *
 * Characters have values 0..30 in the order of USCC_CHARSET; position i
 * (1-based, of the first 17) weighs 3^(i-1) mod 31; the check character is
 * the one whose value brings the weighted sum to a multiple of 31.
 */
#include "uscc.h"

#include <string.h>

static const char USCC_CHARSET[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int USCC_WEIGHTS[USCC_LEN - 1] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                               29, 25, 13, 8,  24, 10, 30, 28};

/* The value + 1 of each character of the code's character set, 0 for any
 * other byte: a lookup, as every incubatee's code is checked on every
 * parse.  Lower case is not in the set: the standard prints codes in
 * capitals, and accepting both would let one organisation appear under two
 * spellings. */
static const unsigned char USCC_VALUE[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9,  ['9'] = 10, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
    ['G'] = 17, ['H'] = 18, ['J'] = 19, ['K'] = 20, ['L'] = 21, ['M'] = 22, ['N'] = 23, ['P'] = 24,
    ['Q'] = 25, ['R'] = 26, ['T'] = 27, ['U'] = 28, ['W'] = 29, ['X'] = 30, ['Y'] = 31,
};

/* The value of c in the code's character set, or -1. */
static int uscc_value(char c)
{
    return (int)USCC_VALUE[(unsigned char)c] - 1;
}

char uscc_check_char(const char *code)
{
    int sum = 0;

    for (int i = 0; i < USCC_LEN - 1; i++) {
        int v = uscc_value(code[i]);
        if (v < 0)
            return '\0';
        sum += v * USCC_WEIGHTS[i];
    }
    return USCC_CHARSET[(31 - sum % 31) % 31];
}

bool uscc_valid(const char *code)
{
    char check;

    if (strlen(code) != USCC_LEN)
        return false;
    check = uscc_check_char(code);
    return check != '\0' && code[USCC_LEN - 1] == check;
}

bool uscc_in_beijing(const char *code)
{
    return code[2] == '1' && code[3] == '1';
}

bool uscc_registered_elsewhere(const char *code, const char *unit)
{
    if (!code || !unit || !uscc_valid(code) || strlen(unit) != 6)
        return false;
    for (int i = 0; i < 6; i++)
        if (unit[i] < '0' || unit[i] > '9')
            return false;
    return memcmp(code + 2, unit, 6) != 0;
}
