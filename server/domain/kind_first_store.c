/* placeholder */
typedef int sb_placeholder_kind_first_store;
