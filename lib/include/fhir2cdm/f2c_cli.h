/*
 * f2c_cli: the usage-error rules both binaries (fhir2cdm-transform, fhir2cdm) apply to their
 * command lines, one copy: a refused number names its valid range, and a single-value option given
 * twice is an error, never "the last wins" (issue 13, "Usage errors name the problem").  Each
 * command keeps its own message prefix (`prog`) and its own word for where the repeatable options
 * are listed (`help`, e.g. "--help" or "-h").  Messages go to stderr; nothing else is kept.
 */
#ifndef FHIR2CDM_F2C_CLI_H
#define FHIR2CDM_F2C_CLI_H

struct option;

/*
 * Parses s, the value of option `flag`, as a whole decimal number from min to max: digits only
 * (no sign, no spaces, nothing after them).  Returns 0 with *out set, or -1 after printing
 * "<prog>: <flag> expects a whole number from <min> to <max>, got "<s>"" (*out unchanged).
 */
int f2c_cli_range(const char *prog, const char *flag, const char *s, unsigned long long min,
                  unsigned long long max, unsigned long long *out);

/*
 * Counts one use of a single-value option in *seen (zero before the parse).  The first use
 * returns 0; a later one prints "<prog>: <flag> given twice (it takes one value; the repeatable
 * options are listed in <help>)" and returns -1.
 */
int f2c_cli_once(const char *prog, const char *flag, const char *help, int *seen);

/* Size of the `seen` array of f2c_cli_once_opt: option codes (getopt_long's val) are below it. */
#define F2C_CLI_OPT_CODES 1024

/*
 * f2c_cli_once for getopt_long: call it with every option code c getopt_long returns.  An option
 * of opts that takes a value (required_argument) and whose code is not in repeatable (a list
 * ending with 0; NULL for none) may be given once: the second time, whichever spelling, it prints
 * the f2c_cli_once message naming the option's first spelling in opts ("--max-depth" also for
 * --maxDepth) and returns -1.  Options without a value, repeatable ones and codes not in opts (or
 * outside 0..F2C_CLI_OPT_CODES-1) return 0.  seen: F2C_CLI_OPT_CODES counters, zeroed before the
 * parse, owned by the caller.  prog, opts and help must not be NULL.
 */
int f2c_cli_once_opt(const char *prog, const struct option *opts, const int *repeatable, int c,
                     const char *help, int *seen);

#endif
