#include "sign.h"
typedef int sb_placeholder_sign;
