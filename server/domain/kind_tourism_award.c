/* placeholder */
typedef int sb_placeholder_kind_tourism_award;
