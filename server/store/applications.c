/* placeholder */
typedef int sb_placeholder_applications;
